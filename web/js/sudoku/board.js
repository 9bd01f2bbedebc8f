// @ts-check
// A Sudoku board as the page keeps it: a string of 81 characters, row-major,
// a digit 1-9 or "." for a blank, the same format that the wasm
// `parseSudoku` returns. Kept apart from the DOM.

/** @typedef {string} Board */

export const CELLS = 81;
export const SIZE = 9;

/** The board with every cell blank. */
export const EMPTY_BOARD = ".".repeat(CELLS);

/**
 * Returns whether `value` is a board in the page's format.
 * @param {unknown} value
 * @returns {value is Board}
 */
export function isBoard(value) {
  return typeof value === "string" && /^[1-9.]{81}$/.test(value);
}

/**
 * Returns `board` with cell `index` set to `digit` (1-9), or blank for 0.
 * @param {Board} board
 * @param {number} index
 * @param {number} digit
 * @returns {Board}
 */
export function setCell(board, index, digit) {
  const value = digit === 0 ? "." : String(digit);
  return board.slice(0, index) + value + board.slice(index + 1);
}

/**
 * Counts the givens (digits) of a board.
 * @param {Board} board
 */
export function countGivens(board) {
  return [...board].filter((cell) => cell !== ".").length;
}

/**
 * Moves a cell index by whole rows and columns, staying on the board.
 * @param {number} index
 * @param {number} rows
 * @param {number} columns
 */
export function moveIndex(index, rows, columns) {
  const row = Math.min(SIZE - 1, Math.max(0, Math.floor(index / SIZE) + rows));
  const column = Math.min(SIZE - 1, Math.max(0, (index % SIZE) + columns));
  return row * SIZE + column;
}
