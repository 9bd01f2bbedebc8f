// @ts-check
// Keeps the Sudoku puzzle in localStorage, so that a reload finds it again.
// A stored value that does not parse or is not a board is dropped with a
// console warning, and the page starts with an empty board.

import { EMPTY_BOARD, isBoard } from "./board.js";

/** The storage key; a new format gets a new key, and old keys are ignored. */
export const SUDOKU_STORAGE_KEY = "ponder.sudoku.v1";

/**
 * Reads the puzzle an earlier visit saved, or the empty board.
 * @param {Storage} storage
 * @returns {import("./board.js").Board}
 */
export function loadPuzzle(storage) {
  let text;
  try {
    text = storage.getItem(SUDOKU_STORAGE_KEY);
  } catch (error) {
    console.warn("Ponder: cannot read localStorage, starting with an empty Sudoku:", error);
    return EMPTY_BOARD;
  }
  if (text === null) return EMPTY_BOARD;

  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    console.warn(`Ponder: ignoring ${SUDOKU_STORAGE_KEY} in localStorage because it is not valid JSON:`, error);
    return EMPTY_BOARD;
  }
  if (!isBoard(value?.puzzle)) {
    console.warn(`Ponder: ignoring ${SUDOKU_STORAGE_KEY} in localStorage because its puzzle is not 81 cells of 1-9 or "."`);
    return EMPTY_BOARD;
  }
  return value.puzzle;
}

/**
 * Saves the puzzle; a full or blocked storage costs the saved puzzle, not the page.
 * @param {Storage} storage
 * @param {import("./board.js").Board} puzzle
 */
export function savePuzzle(storage, puzzle) {
  try {
    storage.setItem(SUDOKU_STORAGE_KEY, JSON.stringify({ puzzle }));
  } catch (error) {
    console.warn("Ponder: cannot save the Sudoku to localStorage, it will not survive a reload:", error);
  }
}
