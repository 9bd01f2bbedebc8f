// @ts-check
// Undo and redo for one editor grid: a stack of earlier grids and one of
// undone grids. Grids are never mutated, so storing references is safe.

/** @typedef {import("./grid.js").Grid} Grid */

/** How many earlier grids one editor keeps. */
const LIMIT = 200;

export class History {
  constructor() {
    /** @type {Grid[]} */
    this.past = [];
    /** @type {Grid[]} */
    this.future = [];
  }

  /**
   * Records `previous` as the grid before an edit and drops the undone edits.
   * @param {Grid} previous
   */
  record(previous) {
    this.past.push(previous);
    if (this.past.length > LIMIT) this.past.shift();
    this.future = [];
  }

  /**
   * Steps back from `current`; returns the earlier grid, or null when there is none.
   * @param {Grid} current
   * @returns {Grid | null}
   */
  undo(current) {
    const previous = this.past.pop();
    if (previous === undefined) return null;
    this.future.push(current);
    return previous;
  }

  /**
   * Steps forward from `current`; returns the undone grid, or null when there is none.
   * @param {Grid} current
   * @returns {Grid | null}
   */
  redo(current) {
    const next = this.future.pop();
    if (next === undefined) return null;
    this.past.push(current);
    return next;
  }

  get canUndo() {
    return this.past.length > 0;
  }

  get canRedo() {
    return this.future.length > 0;
  }
}
