// @ts-check
// Draws mazes: the editor's board with its cursor, and the model's
// predictions after each ACT step, with the predicted path in its own colour
// and a cell the model changed in any other way marked.

import { CELLS, GOAL, OPEN, PATH, START, WALL } from "./board.js";

/** @typedef {import("./board.js").Board} Board */

/** CSS class of each character; any other character (PAD) is "unknown". */
const KINDS = /** @type {Record<string, string>} */ ({
  [WALL]: "wall",
  [OPEN]: "open",
  [START]: "start",
  [GOAL]: "goal",
  [PATH]: "path",
});

/**
 * Fills `container` with the 900 cells of `board`.
 *
 * With `puzzle`, a cell that differs from it other than an open cell turned
 * into path gets the class `changed`.
 * @param {HTMLElement} container
 * @param {Board} board
 * @param {{ puzzle?: Board, cursor?: number | null }} [options]
 */
export function drawMaze(container, board, options = {}) {
  const cells = [];
  for (let index = 0; index < CELLS; index += 1) {
    const value = board[index];
    const cell = document.createElement("div");
    const classes = ["maze-cell", KINDS[value] ?? "unknown"];
    const before = options.puzzle?.[index];
    if (before !== undefined && before !== value && !(before === OPEN && value === PATH)) classes.push("changed");
    if (options.cursor === index) classes.push("cursor");
    cell.className = classes.join(" ");
    cell.dataset.index = String(index);
    // Letters would crowd the small boards of the steps, where colour alone marks S and G.
    if (!options.puzzle && (value === START || value === GOAL)) cell.textContent = value;
    cells.push(cell);
  }
  container.classList.add("maze-board");
  container.dataset.board = board;
  container.replaceChildren(...cells);
}
