// @ts-check
// A maze as the page keeps it: a string of 900 characters, a 30x30 board
// row-major, in the official TRM charset: "#" wall, " " open, "S" start,
// "G" goal and "o" path. The same format that the wasm `parseMaze` and
// `generateMaze` return. Kept apart from the DOM.

/** @typedef {string} Board */
/** @typedef {"wall" | "open" | "start" | "goal"} Tool */

export const SIDE = 30;
export const CELLS = SIDE * SIDE;

export const WALL = "#";
export const OPEN = " ";
export const START = "S";
export const GOAL = "G";
export const PATH = "o";

/** The character each editing tool writes. */
export const TOOL_CELLS = /** @type {Record<Tool, string>} */ ({ wall: WALL, open: OPEN, start: START, goal: GOAL });

/** The board of open cells inside a wall border, with no start or goal. */
export const EMPTY_BOARD = Array.from({ length: CELLS }, (_, index) => {
  const row = Math.floor(index / SIDE);
  const column = index % SIDE;
  return row === 0 || column === 0 || row === SIDE - 1 || column === SIDE - 1 ? WALL : OPEN;
}).join("");

/**
 * Returns whether `value` is a board in the page's format.
 * @param {unknown} value
 * @returns {value is Board}
 */
export function isBoard(value) {
  return typeof value === "string" && /^[# SGo]{900}$/.test(value);
}

/**
 * Returns `board` with cell `index` set to `cell`. A maze has one start and
 * one goal, so placing one turns the old one into an open cell.
 * @param {Board} board
 * @param {number} index
 * @param {string} cell one of "# SG"
 * @returns {Board}
 */
export function setCell(board, index, cell) {
  let next = board;
  if (cell === START || cell === GOAL) next = next.replaceAll(cell, OPEN);
  return next.slice(0, index) + cell + next.slice(index + 1);
}

/**
 * Turns path cells ("o") into open cells: the model draws the path, so a
 * puzzle has none.
 * @param {Board} board
 * @returns {{ board: Board, cleared: number }}
 */
export function clearPath(board) {
  const cleared = board.split(PATH).length - 1;
  return { board: board.replaceAll(PATH, OPEN), cleared };
}

/**
 * Writes a board as 30 lines of 30 characters.
 * @param {Board} board
 */
export function toLines(board) {
  const lines = [];
  for (let row = 0; row < SIDE; row += 1) lines.push(board.slice(row * SIDE, (row + 1) * SIDE));
  return lines.join("\n");
}

/**
 * Row and column, from 1, of a cell index.
 * @param {number} index
 */
export function position(index) {
  return { row: Math.floor(index / SIDE) + 1, column: (index % SIDE) + 1 };
}

/**
 * Moves a cell index by whole rows and columns, staying on the board.
 * @param {number} index
 * @param {number} rows
 * @param {number} columns
 */
export function moveIndex(index, rows, columns) {
  const row = Math.min(SIDE - 1, Math.max(0, Math.floor(index / SIDE) + rows));
  const column = Math.min(SIDE - 1, Math.max(0, (index % SIDE) + columns));
  return row * SIDE + column;
}
