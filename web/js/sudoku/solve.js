// @ts-check
// The Sudoku solve panel: the shared one-board panel with the Sudoku model
// from models/sudoku/, which the build copies from the repository. The
// verdict states whether the last board solves the puzzle, and if not, what is
// wrong with it.

import { startBoardSolve } from "../solve/board-solve.js";
import { getPuzzle } from "./editor.js";
import { drawBoard } from "./view.js";

/** @typedef {import("../solve/client.js").SudokuStep} SudokuStep */
/** @typedef {import("../solve/client.js").SudokuVerdict} SudokuVerdict */

/** @type {import("../solve/board-solve.js").BoardMode<SudokuStep, SudokuVerdict>} */
const SUDOKU = {
  prefix: "sudoku",
  label: "Sudoku",
  modelFolder: "models/sudoku/",
  fallback: null,
  load: (client, config, weights, fileName) => client.loadSudokuModel(config, weights, fileName),
  board: getPuzzle,
  solve: (client, puzzle, onStep, signal) => client.solveSudoku(puzzle, undefined, onStep, signal),
  stepBoard: (report) => report.board,
  draw: (container, board, puzzle) => drawBoard(container, board, { puzzle }),
  verdict: (verdict) => ({ solved: verdict.solved, text: verdictText(verdict) }),
};

/**
 * Wires the Sudoku panel's buttons.
 * @param {{ backend?: "webgpu" | "cpu" | "auto" }} [options]
 */
export function startSudokuSolve(options = {}) {
  startBoardSolve(SUDOKU, options);
}

/** @param {SudokuVerdict} verdict */
function verdictText(verdict) {
  if (verdict.solved) {
    return `Solved: after ${verdict.steps} ACT steps the board is a valid, complete solution of the puzzle.`;
  }
  const problems = [];
  if (verdict.blanks > 0) problems.push(plural(verdict.blanks, "blank cell"));
  if (verdict.conflicts > 0) problems.push(plural(verdict.conflicts, "pair") + " of equal digits in one row, column or box");
  if (verdict.changedGivens > 0) problems.push(plural(verdict.changedGivens, "changed given"));
  return `Not solved: after ${verdict.steps} ACT steps the board has ${problems.join(", ")}.`;
}

/**
 * @param {number} count
 * @param {string} noun
 */
function plural(count, noun) {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
