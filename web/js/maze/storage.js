// @ts-check
// Keeps the maze in localStorage, so that a reload finds it again. A stored
// value that does not parse or is not a board is dropped with a console
// warning, and the page starts with a generated maze.

import { readStoredJson, writeStoredJson } from "../stored-json.js";
import { isBoard } from "./board.js";

/** The storage key; a new format gets a new key, and old keys are ignored. */
export const MAZE_STORAGE_KEY = "ponder.maze.v1";

/**
 * @typedef {object} SavedMaze
 * @property {import("./board.js").Board} maze
 * @property {number} seed the seed of the last generated maze
 */

/**
 * Reads the maze an earlier visit saved, or null when there is none to use.
 * @param {Storage} storage
 * @returns {SavedMaze | null}
 */
export function loadMaze(storage) {
  const value = /** @type {any} */ (readStoredJson(storage, MAZE_STORAGE_KEY, "starting with a new maze"));
  if (value === undefined) return null;
  if (!isBoard(value?.maze)) {
    console.warn(`Ponder: ignoring ${MAZE_STORAGE_KEY} in localStorage because its maze is not 900 cells of "# SGo"`);
    return null;
  }
  const seed = Number.isSafeInteger(value.seed) && value.seed >= 0 ? value.seed : 0;
  return { maze: value.maze, seed };
}

/**
 * Saves the maze; a full or blocked storage costs the saved maze, not the page.
 * @param {Storage} storage
 * @param {SavedMaze} saved
 */
export function saveMaze(storage, saved) {
  writeStoredJson(storage, MAZE_STORAGE_KEY, saved, "the maze");
}
