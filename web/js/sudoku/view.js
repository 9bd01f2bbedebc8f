// @ts-check
// Draws Sudoku boards: the editor's puzzle with its cursor, and the model's
// predictions after each ACT step, where givens look different from
// predicted digits. The 3x3 boxes get thicker borders from CSS classes.

import { CELLS, SIZE } from "./board.js";

/** @typedef {import("./board.js").Board} Board */

/**
 * Fills `container` with the 81 cells of `board`.
 *
 * Without `puzzle`, every digit is a given (the editor). With `puzzle`, each
 * of its givens gets the class `given`, plus `changed` when `board` has
 * another value there. Every other digit gets `predicted`.
 * @param {HTMLElement} container
 * @param {Board} board
 * @param {{ puzzle?: Board, cursor?: number | null }} [options]
 */
export function drawBoard(container, board, options = {}) {
  const cells = [];
  for (let index = 0; index < CELLS; index += 1) {
    const value = board[index];
    const cell = document.createElement("div");
    cell.className = cellClasses(index, value, options).join(" ");
    cell.dataset.index = String(index);
    cell.textContent = value === "." ? "" : value;
    cells.push(cell);
  }
  container.classList.add("sudoku-board");
  container.dataset.board = board;
  container.replaceChildren(...cells);
}

/**
 * @param {number} index
 * @param {string} value the cell's character, a digit or "."
 * @param {{ puzzle?: Board, cursor?: number | null }} options
 */
function cellClasses(index, value, options) {
  const row = Math.floor(index / SIZE);
  const column = index % SIZE;
  const classes = ["sudoku-cell"];
  if (column % 3 === 2 && column < SIZE - 1) classes.push("box-right");
  if (row % 3 === 2 && row < SIZE - 1) classes.push("box-bottom");

  const given = options.puzzle ? options.puzzle[index] : value;
  if (given !== ".") {
    classes.push("given");
    if (given !== value) classes.push("changed");
  } else if (value !== ".") {
    classes.push("predicted");
  }
  if (options.cursor === index) classes.push("cursor");
  return classes;
}
