// @ts-check
// The output editor's model: the grid being edited and its undo history. A
// paint stroke (press, drag, release) is one undo step however many cells it
// touches.

import { gridsEqual, MAX_SIZE, MIN_SIZE } from "./grid.js";
import { History } from "./history.js";

/** @typedef {import("./grid.js").Grid} Grid */

export class Editor {
  /** @param {Grid} grid */
  constructor(grid) {
    this.grid = grid;
    this.history = new History();
    /** The grid before the current paint stroke, or null between strokes. @type {Grid | null} */
    this.strokeStart = null;
  }

  /**
   * Replaces the grid as one undo step; returns false when nothing changed.
   * @param {Grid} next
   */
  apply(next) {
    this.endStroke();
    if (gridsEqual(next, this.grid)) return false;
    this.history.record(this.grid);
    this.grid = next;
    return true;
  }

  beginStroke() {
    this.endStroke();
    this.strokeStart = this.grid;
  }

  /**
   * Replaces the grid inside a stroke, without an undo step of its own.
   * @param {Grid} next
   */
  paint(next) {
    if (this.strokeStart === null) this.apply(next);
    else this.grid = next;
  }

  /** Ends the stroke in progress, if any, recording it as one undo step. */
  endStroke() {
    if (this.strokeStart !== null && !gridsEqual(this.strokeStart, this.grid)) this.history.record(this.strokeStart);
    this.strokeStart = null;
  }

  /** Steps back one edit; returns false when there is nothing to undo. */
  undo() {
    this.endStroke();
    const previous = this.history.undo(this.grid);
    if (previous === null) return false;
    this.grid = previous;
    return true;
  }

  /** Steps forward one undone edit; returns false when there is nothing to redo. */
  redo() {
    this.endStroke();
    const next = this.history.redo(this.grid);
    if (next === null) return false;
    this.grid = next;
    return true;
  }
}

/**
 * Reads a grid dimension typed by the user: a whole number from 1 to 30.
 * @param {string} label "Rows" or "Columns", for the message
 * @param {string} text
 * @returns {{ value: number } | { error: string }}
 */
export function parseDimension(label, text) {
  const trimmed = text.trim();
  if (trimmed === "") return { error: `${label} is empty: enter a whole number from ${MIN_SIZE} to ${MAX_SIZE}.` };
  const value = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || value < MIN_SIZE || value > MAX_SIZE) {
    return { error: `${label} must be a whole number from ${MIN_SIZE} to ${MAX_SIZE}, not "${trimmed}".` };
  }
  return { value };
}
