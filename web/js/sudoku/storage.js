// @ts-check
// Keeps the Sudoku puzzle in localStorage, so that a reload finds it again.
// A stored value that does not parse or is not a board is dropped with a
// console warning, and the page starts with an empty board.

import { readStoredJson, writeStoredJson } from "../stored-json.js";
import { EMPTY_BOARD, isBoard } from "./board.js";

/** The storage key; a new format gets a new key, and old keys are ignored. */
export const SUDOKU_STORAGE_KEY = "ponder.sudoku.v1";

/**
 * Reads the puzzle an earlier visit saved, or the empty board.
 * @param {Storage} storage
 * @returns {import("./board.js").Board}
 */
export function loadPuzzle(storage) {
  const value = /** @type {any} */ (readStoredJson(storage, SUDOKU_STORAGE_KEY, "starting with an empty Sudoku"));
  if (value === undefined) return EMPTY_BOARD;
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
  writeStoredJson(storage, SUDOKU_STORAGE_KEY, { puzzle }, "the Sudoku");
}
