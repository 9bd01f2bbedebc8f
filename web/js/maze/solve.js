// @ts-check
// The maze solve panel: the shared one-board panel with the maze model from
// models/maze/ when the build has one, else Ponder's maze architecture with
// untrained weights from a fixed seed, which the page marks as such. The
// verdict states whether the last board draws a shortest path from S to G.

import { startBoardSolve } from "../solve/board-solve.js";
import { getMaze } from "./editor.js";
import { drawMaze } from "./view.js";

/** @typedef {import("../solve/client.js").MazeStep} MazeStep */
/** @typedef {import("../solve/client.js").MazeVerdict} MazeVerdict */

/** @type {import("../solve/board-solve.js").BoardMode<MazeStep, MazeVerdict>} */
const MAZE = {
  prefix: "maze",
  label: "maze",
  modelFolder: "models/maze/",
  fallback: (client) => client.loadUntrainedMazeModel(),
  load: (client, config, weights, fileName) => client.loadMazeModel(config, weights, fileName),
  board: getMaze,
  solve: (client, maze, onStep, signal) => client.solveMaze(maze, undefined, onStep, signal),
  stepBoard: (report) => report.maze,
  draw: (container, board, puzzle) => drawMaze(container, board, { puzzle }),
  verdict: (verdict) => ({ solved: verdict.solved, text: verdictText(verdict) }),
};

/**
 * Wires the maze panel's buttons.
 * @param {{ backend?: "webgpu" | "cpu" | "auto" }} [options]
 */
export function startMazeSolve(options = {}) {
  startBoardSolve(MAZE, options);
}

/** @param {MazeVerdict} verdict */
function verdictText(verdict) {
  const after = `after ${verdict.steps} ACT steps`;
  if (verdict.solved) {
    return `Solved: ${after} the path of ${verdict.pathCells} cells is a shortest path from S to G (${verdict.shortest} steps).`;
  }
  return `Not solved: ${after} the board is no shortest path from S to G: ${verdict.problem}.`;
}
