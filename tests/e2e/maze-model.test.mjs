// The Maze mode's DOM-free modules (the board string and the saved maze),
// imported straight from web/js/maze/ and run in Node.

import assert from "node:assert/strict";
import { test } from "node:test";

import { MemoryStorage, collectWarnings } from "./fakes.mjs";

import {
  CELLS,
  EMPTY_BOARD,
  SIDE,
  clearPath,
  isBoard,
  moveIndex,
  position,
  setCell,
  toLines,
} from "../../web/js/maze/board.js";
import { MAZE_STORAGE_KEY, loadMaze, saveMaze } from "../../web/js/maze/storage.js";

/** A walled board with S at row 2, column 2 and G at row 2, column 5, in the page's format. */
const MAZE = setCell(setCell(EMPTY_BOARD, SIDE + 1, "S"), SIDE + 4, "G");

test("empty board is open inside a wall border", () => {
  assert.equal(EMPTY_BOARD.length, CELLS);
  assert.equal(isBoard(EMPTY_BOARD), true);
  const lines = toLines(EMPTY_BOARD).split("\n");
  assert.equal(lines.length, 30);
  assert.equal(lines[0], "#".repeat(30));
  assert.equal(lines[1], `#${" ".repeat(28)}#`);
  assert.equal(lines[29], "#".repeat(30));
});

test("board format check", () => {
  assert.equal(isBoard(MAZE), true);
  assert.equal(isBoard(MAZE.replace("S", "o")), true, "path cells are maze characters");
  assert.equal(isBoard(MAZE.replace("S", "x")), false);
  assert.equal(isBoard(MAZE.slice(1)), false);
  assert.equal(isBoard(toLines(MAZE)), false, "the page keeps the board on one line");
  assert.equal(isBoard(null), false);
});

test("setCell keeps one start and one goal", () => {
  const moved = setCell(MAZE, 2 * SIDE + 7, "S");
  assert.equal(moved[2 * SIDE + 7], "S");
  assert.equal(moved[SIDE + 1], " ", "the old start is an open cell now");
  assert.equal(moved.split("S").length - 1, 1);
  assert.equal(moved.split("G").length - 1, 1);

  const walled = setCell(MAZE, SIDE + 2, "#");
  assert.equal(walled[SIDE + 2], "#");
  assert.equal(walled.split("S").length - 1, 1, "walls leave the start alone");
  assert.equal(setCell(MAZE, SIDE + 1, "#").split("S").length - 1, 0, "a wall may cover the start");
});

test("clearPath opens path cells and counts them", () => {
  const drawn = setCell(setCell(MAZE, SIDE + 2, "o"), SIDE + 3, "o");
  assert.deepEqual(clearPath(drawn), { board: MAZE, cleared: 2 });
  assert.deepEqual(clearPath(MAZE), { board: MAZE, cleared: 0 });
});

test("position and moveIndex count rows and columns", () => {
  assert.deepEqual(position(0), { row: 1, column: 1 });
  assert.deepEqual(position(SIDE + 4), { row: 2, column: 5 });
  assert.deepEqual(position(CELLS - 1), { row: 30, column: 30 });
  assert.equal(moveIndex(0, 1, 0), SIDE);
  assert.equal(moveIndex(0, -1, -1), 0);
  assert.equal(moveIndex(SIDE - 1, 0, 1), SIDE - 1, "no wrap to the next row");
  assert.equal(moveIndex(CELLS - 1, 1, 1), CELLS - 1);
});

test("saved maze round trip", () => {
  const storage = new MemoryStorage();
  assert.equal(loadMaze(/** @type {any} */ (storage)), null);
  saveMaze(/** @type {any} */ (storage), { maze: MAZE, seed: 4 });
  assert.deepEqual(loadMaze(/** @type {any} */ (storage)), { maze: MAZE, seed: 4 });
});

test("corrupt saved maze is dropped", () => {
  const storage = new MemoryStorage();
  storage.setItem(MAZE_STORAGE_KEY, "{");
  let loaded;
  let warnings = collectWarnings(() => (loaded = loadMaze(/** @type {any} */ (storage))));
  assert.equal(loaded, null);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^Ponder: ignoring ponder\.maze\.v1 in localStorage because it is not valid JSON/);

  storage.setItem(MAZE_STORAGE_KEY, JSON.stringify({ maze: MAZE.replace("S", "x"), seed: 1 }));
  warnings = collectWarnings(() => (loaded = loadMaze(/** @type {any} */ (storage))));
  assert.equal(loaded, null);
  assert.deepEqual(warnings, [
    'Ponder: ignoring ponder.maze.v1 in localStorage because its maze is not 900 cells of "# SGo"',
  ]);

  storage.setItem(MAZE_STORAGE_KEY, JSON.stringify({ maze: MAZE, seed: -3 }));
  assert.deepEqual(loadMaze(/** @type {any} */ (storage)), { maze: MAZE, seed: 0 }, "a bad seed falls back to 0");
});
