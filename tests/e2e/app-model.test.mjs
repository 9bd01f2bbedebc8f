// The web app's DOM-free modules (grids, undo history, the editor model and
// saved state), imported straight from web/js/ and run in Node.

import assert from "node:assert/strict";
import { test } from "node:test";

import { MemoryStorage, collectWarnings } from "./fakes.mjs";

import { Editor, parseDimension } from "../../web/js/editor.js";
import {
  cropGrid,
  fillRect,
  floodFill,
  isGrid,
  pasteGrid,
  rectFromCorners,
  resizeGrid,
  setCell,
} from "../../web/js/grid.js";
import { History } from "../../web/js/history.js";
import { emptySaved, loadSaved, putGrid, STORAGE_KEY, writeSaved } from "../../web/js/storage.js";

const RING = [
  [1, 1, 1],
  [1, 0, 1],
  [1, 1, 0],
];

test("flood fill stays 4-connected", () => {
  // (1,1) and (2,2) touch only at a corner, so filling one leaves the other.
  assert.deepEqual(floodFill(RING, 1, 1, 5), [
    [1, 1, 1],
    [1, 5, 1],
    [1, 1, 0],
  ]);
  assert.deepEqual(floodFill(RING, 0, 0, 2), [
    [2, 2, 2],
    [2, 0, 2],
    [2, 2, 0],
  ]);
  assert.equal(floodFill(RING, 0, 0, 1), RING);
});

test("resize keeps the top-left part", () => {
  assert.deepEqual(resizeGrid(RING, 2, 4), [
    [1, 1, 1, 0],
    [1, 0, 1, 0],
  ]);
});

test("paste and crop clip at edges", () => {
  const patch = [
    [7, 8],
    [9, 6],
  ];
  assert.deepEqual(pasteGrid(RING, patch, 2, 2), [
    [1, 1, 1],
    [1, 0, 1],
    [1, 1, 7],
  ]);
  assert.deepEqual(cropGrid(RING, rectFromCorners(2, 2, 1, 1)), [
    [0, 1],
    [1, 0],
  ]);
  assert.deepEqual(cropGrid(RING, { top: 2, left: 1, bottom: 5, right: 9 }), [[1, 0]]);
});

test("fill rect and set cell", () => {
  assert.deepEqual(fillRect(RING, rectFromCorners(0, 2, 1, 1), 4), [
    [1, 4, 4],
    [1, 4, 4],
    [1, 1, 0],
  ]);
  assert.equal(setCell(RING, 0, 0, 1), RING);
  assert.equal(setCell(RING, 3, 0, 2), RING);
  assert.equal(setCell(RING, 0, 0, 2)[0][0], 2);
  assert.equal(RING[0][0], 1);
});

test("isGrid rejects invalid grids", () => {
  assert.equal(isGrid(RING), true);
  assert.equal(isGrid([]), false);
  assert.equal(isGrid([[]]), false);
  assert.equal(isGrid([[1, 2], [3]]), false);
  assert.equal(isGrid([[10]]), false);
  assert.equal(isGrid([[1.5]]), false);
  assert.equal(isGrid([["1"]]), false);
  assert.equal(isGrid(Array.from({ length: 31 }, () => [0])), false);
  assert.equal(isGrid([new Array(31).fill(0)]), false);
  assert.equal(isGrid([new Array(30).fill(9)]), true);
});

test("history redo cleared by new edit", () => {
  const history = new History();
  const a = [[1]];
  const b = [[2]];
  const c = [[3]];
  history.record(a);
  assert.equal(history.undo(b), a);
  assert.equal(history.canRedo, true);
  history.record(a);
  assert.equal(history.canRedo, false);
  assert.equal(history.redo(c), null);
});

test("editor stroke is one undo step", () => {
  const editor = new Editor([[0, 0, 0]]);
  editor.beginStroke();
  editor.paint(setCell(editor.grid, 0, 0, 1));
  editor.paint(setCell(editor.grid, 0, 1, 1));
  editor.endStroke();
  editor.apply(setCell(editor.grid, 0, 2, 2));
  assert.deepEqual(editor.grid, [[1, 1, 2]]);

  assert.equal(editor.undo(), true);
  assert.deepEqual(editor.grid, [[1, 1, 0]]);
  assert.equal(editor.undo(), true);
  assert.deepEqual(editor.grid, [[0, 0, 0]]);
  assert.equal(editor.undo(), false);
  assert.equal(editor.redo(), true);
  assert.deepEqual(editor.grid, [[1, 1, 0]]);

  // Replacing the grid with an equal one records nothing.
  assert.equal(editor.apply([[1, 1, 0]]), false);
  assert.equal(editor.history.past.length, 1);
});

test("dimension parsing messages", () => {
  assert.deepEqual(parseDimension("Rows", " 30 "), { value: 30 });
  assert.deepEqual(parseDimension("Rows", "1"), { value: 1 });
  assert.deepEqual(parseDimension("Rows", "0"), { error: 'Rows must be a whole number from 1 to 30, not "0".' });
  assert.deepEqual(parseDimension("Columns", "2.5"), { error: 'Columns must be a whole number from 1 to 30, not "2.5".' });
  assert.deepEqual(parseDimension("Columns", "-3"), { error: 'Columns must be a whole number from 1 to 30, not "-3".' });
  assert.deepEqual(parseDimension("Rows", ""), { error: "Rows is empty: enter a whole number from 1 to 30." });
});

test("storage round trip", () => {
  const storage = new MemoryStorage();
  const saved = emptySaved();
  saved.showNumbers = true;
  saved.current = {
    source: { kind: "pasted", id: "pasted" },
    task: { id: "pasted", train: [], test: [{ input: [[1]] }] },
    testIndex: 0,
  };
  putGrid(saved, "pasted:pasted:0000abcd#0", [[3, 3]]);
  writeSaved(storage, saved);
  assert.deepEqual(loadSaved(/** @type {any} */ (storage)), saved);
});

test("storage drops corrupt parts", () => {
  const storage = new MemoryStorage();
  storage.setItem(STORAGE_KEY, "[1, 2");
  let loaded;
  let warnings = collectWarnings(() => (loaded = loadSaved(/** @type {any} */ (storage))));
  assert.deepEqual(loaded, emptySaved());
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^Ponder: ignoring ponder\.app\.v1 in localStorage because it is not valid JSON/);

  const good = [[1, 2]];
  const current = { source: { kind: "bundled", dataset: "arc-agi-1/training" }, task: {}, testIndex: 0 };
  storage.setItem(STORAGE_KEY, JSON.stringify({ current, grids: { "a#0": good, "b#0": [[1], [2, 3]] } }));
  warnings = collectWarnings(() => (loaded = loadSaved(/** @type {any} */ (storage))));
  assert.deepEqual(loaded, { current: null, grids: { "a#0": good }, showNumbers: false });
  assert.deepEqual(warnings, [
    "Ponder: ignoring the saved editor grid b#0 because it is not a valid grid",
    "Ponder: ignoring the saved current task because its record is incomplete",
  ]);
});

test("storage evicts the oldest grids", () => {
  const storage = new MemoryStorage();
  const saved = emptySaved();
  for (let i = 0; i < 305; i++) putGrid(saved, `task${i}#0`, [[i % 10]]);
  // Editing an old grid again makes it the newest.
  putGrid(saved, "task2#0", [[7]]);
  writeSaved(storage, saved);
  const keys = Object.keys(loadSaved(/** @type {any} */ (storage)).grids);
  assert.equal(keys.length, 300);
  assert.equal(keys[0], "task6#0");
  assert.equal(keys.at(-1), "task2#0");
  assert.equal(keys.includes("task5#0"), false);
});
