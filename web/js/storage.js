// @ts-check
// Keeps the current task and every edited output grid in localStorage, so a
// reload loses nothing. Anything stored that does not parse or has the wrong
// shape is dropped with a console warning; the page then starts fresh.

import { isGrid } from "./grid.js";

/** @typedef {import("./grid.js").Grid} Grid */
/** @typedef {import("./tasks.js").Task} Task */
/** @typedef {import("./tasks.js").TaskSource} TaskSource */

/**
 * The record the page saves.
 * @typedef {object} Saved
 * @property {{ source: TaskSource, task: Task, testIndex: number } | null} current
 * @property {Record<string, Grid>} grids editor grids by `editorKey()`, oldest first
 * @property {boolean} showNumbers
 */

/** The storage key; a new version gets a new key, and old keys are ignored. */
export const STORAGE_KEY = "ponder.app.v1";

/** How many editor grids are kept; the least recently edited go first. */
const MAX_GRIDS = 300;

/** @returns {Saved} */
export function emptySaved() {
  return { current: null, grids: {}, showNumbers: false };
}

/**
 * Builds the key of one editor grid from a task key and a test index.
 * @param {string} taskKey
 * @param {number} testIndex
 */
export function editorKey(taskKey, testIndex) {
  return `${taskKey}#${testIndex}`;
}

/**
 * Reads what an earlier visit saved, or an empty record when nothing usable is stored.
 * @param {Storage} storage
 * @returns {Saved}
 */
export function loadSaved(storage) {
  let text;
  try {
    text = storage.getItem(STORAGE_KEY);
  } catch (error) {
    console.warn("Ponder: cannot read localStorage, starting without saved work:", error);
    return emptySaved();
  }
  if (text === null) return emptySaved();

  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    console.warn(`Ponder: ignoring ${STORAGE_KEY} in localStorage because it is not valid JSON:`, error);
    return emptySaved();
  }
  if (typeof value !== "object" || value === null) {
    console.warn(`Ponder: ignoring ${STORAGE_KEY} in localStorage because it is not an object`);
    return emptySaved();
  }

  const saved = emptySaved();
  saved.showNumbers = value.showNumbers === true;
  if (typeof value.grids === "object" && value.grids !== null) {
    for (const [key, grid] of Object.entries(value.grids)) {
      if (isGrid(grid)) saved.grids[key] = grid;
      else console.warn(`Ponder: ignoring the saved editor grid ${key} because it is not a valid grid`);
    }
  }
  if (value.current !== null && value.current !== undefined) {
    if (isCurrent(value.current)) saved.current = value.current;
    else console.warn("Ponder: ignoring the saved current task because its record is incomplete");
  }
  return saved;
}

/**
 * Writes `saved`; a full or blocked storage costs the saved work, not the page.
 * @param {Storage} storage
 * @param {Saved} saved
 */
export function writeSaved(storage, saved) {
  const keys = Object.keys(saved.grids);
  for (const key of keys.slice(0, Math.max(0, keys.length - MAX_GRIDS))) delete saved.grids[key];
  try {
    storage.setItem(STORAGE_KEY, JSON.stringify(saved));
  } catch (error) {
    console.warn("Ponder: cannot save to localStorage, edits will not survive a reload:", error);
  }
}

/**
 * Stores `grid` under `key` as the most recently edited grid.
 * @param {Saved} saved
 * @param {string} key
 * @param {Grid} grid
 */
export function putGrid(saved, key, grid) {
  delete saved.grids[key];
  saved.grids[key] = grid;
}

/** @param {any} current */
function isCurrent(current) {
  const source = current?.source;
  const task = current?.task;
  const sourceOk =
    (source?.kind === "bundled" && typeof source.dataset === "string" && typeof source.id === "string") ||
    ((source?.kind === "file" || source?.kind === "pasted") && typeof source.id === "string");
  const taskOk =
    typeof task?.id === "string" &&
    Array.isArray(task.train) &&
    Array.isArray(task.test) &&
    task.test.length > 0 &&
    task.test.every((/** @type {any} */ pair) => isGrid(pair?.input));
  return sourceOk && taskOk && Number.isInteger(current.testIndex) && current.testIndex >= 0 && current.testIndex < task.test.length;
}
