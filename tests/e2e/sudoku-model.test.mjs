// The Sudoku mode's DOM-free modules (the board string and the saved
// puzzle), imported straight from web/js/sudoku/ and run in Node.

import assert from "node:assert/strict";
import { test } from "node:test";

import { MemoryStorage, collectWarnings } from "./fakes.mjs";

import { EMPTY_BOARD, countGivens, isBoard, moveIndex, setCell } from "../../web/js/sudoku/board.js";
import { SUDOKU_STORAGE_KEY, loadPuzzle, savePuzzle } from "../../web/js/sudoku/storage.js";

const PUZZLE = "5.4..8.1.6..1..34.19.342.6..597..423426.53791.1...4.569.15...842874..63534.28.1.9";

test("board format check", () => {
  assert.equal(isBoard(PUZZLE), true);
  assert.equal(isBoard(EMPTY_BOARD), true);
  assert.equal(isBoard(PUZZLE.replaceAll(".", "0")), false, "the page keeps blanks as '.'");
  assert.equal(isBoard(PUZZLE.slice(1)), false);
  assert.equal(isBoard(`${PUZZLE}1`), false);
  assert.equal(isBoard(null), false);
});

test("setCell and countGivens", () => {
  assert.equal(countGivens(PUZZLE), 50);
  const added = setCell(PUZZLE, 1, 3);
  assert.equal(added[1], "3");
  assert.equal(added.length, 81);
  assert.equal(countGivens(added), 51);
  const cleared = setCell(PUZZLE, 0, 0);
  assert.equal(cleared[0], ".");
  assert.equal(countGivens(cleared), 49);
});

test("moveIndex stays on the board", () => {
  assert.equal(moveIndex(0, 0, 1), 1);
  assert.equal(moveIndex(0, 1, 0), 9);
  assert.equal(moveIndex(0, -1, 0), 0);
  assert.equal(moveIndex(0, 0, -1), 0);
  assert.equal(moveIndex(8, 0, 1), 8, "no wrap to the next row");
  assert.equal(moveIndex(80, 1, 1), 80);
  assert.equal(moveIndex(40, -1, -1), 30);
});

test("saved puzzle round trip", () => {
  const storage = new MemoryStorage();
  assert.equal(loadPuzzle(/** @type {any} */ (storage)), EMPTY_BOARD);
  savePuzzle(/** @type {any} */ (storage), PUZZLE);
  assert.equal(loadPuzzle(/** @type {any} */ (storage)), PUZZLE);
});

test("corrupt saved puzzle is dropped", () => {
  const storage = new MemoryStorage();
  storage.setItem(SUDOKU_STORAGE_KEY, "{");
  let loaded;
  let warnings = collectWarnings(() => (loaded = loadPuzzle(/** @type {any} */ (storage))));
  assert.equal(loaded, EMPTY_BOARD);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^Ponder: ignoring ponder\.sudoku\.v1 in localStorage because it is not valid JSON/);

  storage.setItem(SUDOKU_STORAGE_KEY, JSON.stringify({ puzzle: PUZZLE.slice(2) }));
  warnings = collectWarnings(() => (loaded = loadPuzzle(/** @type {any} */ (storage))));
  assert.equal(loaded, EMPTY_BOARD);
  assert.deepEqual(warnings, [
    'Ponder: ignoring ponder.sudoku.v1 in localStorage because its puzzle is not 81 cells of 1-9 or "."',
  ]);
});
