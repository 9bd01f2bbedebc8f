// @ts-check
// The app's state, in one object, and every action that changes it. Each
// action ends in `update()`, which redraws the page from the state and saves
// the work to localStorage. The exported functions at the end are the
// interface for other panels (the Solve panel) to read the task and write the
// editor's grid.

import {
  countDifferences,
  createGrid,
  cropGrid,
  fillRect,
  floodFill,
  formatSize,
  gridSize,
  isGrid,
  pasteGrid,
  rectFromCorners,
  resizeGrid,
  setCell,
} from "./grid.js";
import { Editor, parseDimension } from "./editor.js";
import { editorKey, loadSaved, putGrid, writeSaved } from "./storage.js";
import { fetchBundledTask, fetchIndex, idFromFileName, parseTaskText, taskKey } from "./tasks.js";
import { render } from "./view.js";

/** @typedef {import("./grid.js").Grid} Grid */
/** @typedef {import("./grid.js").Rect} Rect */
/** @typedef {import("./tasks.js").Task} Task */
/** @typedef {import("./tasks.js").TaskSource} TaskSource */
/** @typedef {import("./tasks.js").TaskIndex} TaskIndex */
/** @typedef {import("./tasks.js").Validator} Validator */

/** @typedef {"paint" | "select" | "fill"} Tool */

/**
 * A message shown next to the control it is about.
 * @typedef {{ text: string, kind: "info" | "error" | "success" }} Message
 */

/**
 * Everything the page shows.
 * @typedef {object} AppState
 * @property {Validator | null} validator the wasm `parseTask`, once loaded
 * @property {TaskIndex | null} index
 * @property {{ dataset: string, query: string }} browser
 * @property {TaskSource | null} source
 * @property {Task | null} task
 * @property {string | null} taskKey
 * @property {number} testIndex
 * @property {Map<string, Editor>} editors by `editorKey()`, for this visit
 * @property {import("./storage.js").Saved} saved the record kept in localStorage
 * @property {Tool} tool
 * @property {number} symbol the colour that painting uses, 0-9
 * @property {{ target: "input" | "output", rect: Rect } | null} selection
 * @property {{ target: "input" | "output", row: number, column: number } | null} anchor where a selection drag started
 * @property {{ row: number, column: number }} cursor the keyboard cursor in the output grid
 * @property {Grid | null} clipboard
 * @property {Record<"browser" | "file" | "paste" | "resize" | "check" | "editor", Message | null>} messages
 */

/** The dataset the browser shows first. */
const DEFAULT_DATASET = "arc-agi-1/training";

/** The size of a fresh or reset output grid, as in the ARC testing interface. */
const BLANK_SIZE = 3;

/** @type {AppState} */
const state = {
  validator: null,
  index: null,
  browser: { dataset: DEFAULT_DATASET, query: "" },
  source: null,
  task: null,
  taskKey: null,
  testIndex: 0,
  editors: new Map(),
  saved: { current: null, grids: {}, showNumbers: false },
  tool: "paint",
  symbol: 0,
  selection: null,
  anchor: null,
  cursor: { row: 0, column: 0 },
  clipboard: null,
  messages: { browser: null, file: null, paste: null, resize: null, check: null, editor: null },
};

/** @type {Set<(task: Task, testIndex: number) => void>} */
const taskListeners = new Set();

/** Counts task loads, so that a slow load never replaces a later one. */
let loadCounter = 0;

/**
 * Starts the app: restores saved work, then opens the task that the URL
 * names, else the saved task, else the first bundled task.
 * @param {Validator} validator
 */
export async function startApp(validator) {
  state.validator = validator;
  state.saved = loadSaved(localStorage);
  update({ persist: false });

  try {
    state.index = await fetchIndex();
  } catch (error) {
    state.messages.browser = { text: errorText(error), kind: "error" };
  }

  const params = new URLSearchParams(location.search);
  const dataset = params.get("dataset");
  const id = params.get("task");
  let linkProblem = null;
  if (dataset && id && state.index) {
    if (await openBundled(dataset, id)) return;
    linkProblem = state.messages.browser;
  }

  if (!restoreSaved()) {
    const first = state.index?.datasets.find((d) => d.name === DEFAULT_DATASET)?.tasks[0];
    if (first) await openBundled(DEFAULT_DATASET, first.id);
  }
  // Say why the link's task did not open, after the fallback task cleared the message.
  if (linkProblem) state.messages.browser = linkProblem;
  update({ persist: false });
}

/** Opens the task saved by an earlier visit; returns false when there is none or it is invalid. */
function restoreSaved() {
  const current = state.saved.current;
  if (!current || !state.validator) return false;
  let task;
  try {
    task = parseTaskText(state.validator, current.task.id, JSON.stringify(current.task));
  } catch (error) {
    console.warn("Ponder: ignoring the saved task because it no longer validates:", error);
    return false;
  }
  if (current.source.kind === "bundled") state.browser.dataset = current.source.dataset;
  setTask(current.source, task, current.testIndex);
  return true;
}

// Loading tasks

/**
 * Opens a bundled task; on failure the browser shows why and the current task stays.
 * @param {string} dataset
 * @param {string} id
 * @returns {Promise<boolean>} whether the task opened
 */
export async function openBundled(dataset, id) {
  if (!state.validator || !state.index) return false;
  const load = ++loadCounter;
  state.messages.browser = { text: `Loading ${id}…`, kind: "info" };
  update({ persist: false });
  try {
    const task = await fetchBundledTask(state.validator, state.index, dataset, id);
    if (load !== loadCounter) return false;
    state.messages.browser = null;
    state.browser.dataset = dataset;
    setTask({ kind: "bundled", dataset, id }, task, 0);
    return true;
  } catch (error) {
    if (load === loadCounter) {
      state.messages.browser = { text: errorText(error), kind: "error" };
      update({ persist: false });
    }
    return false;
  }
}

export async function openRandom() {
  const tasks = state.index?.datasets.find((d) => d.name === state.browser.dataset)?.tasks ?? [];
  if (tasks.length === 0) return;
  const pick = tasks[Math.floor(Math.random() * tasks.length)];
  await openBundled(state.browser.dataset, pick.id);
}

/**
 * Opens a task file picked or dropped by the user.
 * @param {File} file
 */
export async function openFile(file) {
  if (!state.validator) return;
  const id = idFromFileName(file.name);
  try {
    const task = parseTaskText(state.validator, id, await file.text());
    state.messages.file = { text: `Opened ${file.name}.`, kind: "success" };
    setTask({ kind: "file", id }, task, 0);
  } catch (error) {
    state.messages.file = { text: errorText(error), kind: "error" };
    update({ persist: false });
  }
}

/**
 * Opens pasted task JSON; its id is "pasted".
 * @param {string} text
 */
export function openPasted(text) {
  if (!state.validator) return;
  try {
    const task = parseTaskText(state.validator, "pasted", text);
    state.messages.paste = { text: "Opened the pasted task.", kind: "success" };
    setTask({ kind: "pasted", id: "pasted" }, task, 0);
  } catch (error) {
    state.messages.paste = { text: errorText(error), kind: "error" };
    update({ persist: false });
  }
}

/**
 * @param {TaskSource} source
 * @param {Task} task
 * @param {number} testIndex
 */
function setTask(source, task, testIndex) {
  state.source = source;
  state.task = task;
  state.taskKey = taskKey(source, task);
  state.testIndex = Math.min(testIndex, task.test.length - 1);
  resetEditorView();
  showInUrl(source);
  update();
  for (const listener of taskListeners) listener(task, state.testIndex);
}

/**
 * Writes the task into the URL's `dataset` and `task` parameters, keeping
 * the others (`mode`, `backend`), so that a reload opens the same view.
 * @param {TaskSource} source
 */
function showInUrl(source) {
  const url = new URL(location.href);
  const params = [...url.searchParams]
    .filter(([key]) => key !== "dataset" && key !== "task")
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
  if (source.kind === "bundled") {
    // Slashes are valid in a query, and leaving them keeps the link readable.
    const dataset = encodeURIComponent(source.dataset).replaceAll("%2F", "/");
    params.unshift(`dataset=${dataset}`, `task=${encodeURIComponent(source.id)}`);
  }
  url.search = params.length > 0 ? `?${params.join("&")}` : "";
  history.replaceState(null, "", url);
}

/** @param {string} name */
export function setDataset(name) {
  state.browser.dataset = name;
  state.messages.browser = null;
  update({ persist: false });
}

/** @param {string} query */
export function setQuery(query) {
  state.browser.query = query;
  update({ persist: false });
}

/** Opens the task whose id matches the search exactly, else the only match. */
export async function openSearched() {
  const query = state.browser.query.trim().toLowerCase();
  const tasks = state.index?.datasets.find((d) => d.name === state.browser.dataset)?.tasks ?? [];
  const exact = tasks.find((t) => t.id === query);
  const matches = tasks.filter((t) => t.id.includes(query));
  const pick = exact ?? (matches.length === 1 ? matches[0] : undefined);
  if (pick) await openBundled(state.browser.dataset, pick.id);
  else {
    const text = matches.length === 0 ? `No task id in ${state.browser.dataset} contains "${query}".` : `${matches.length} tasks match; pick one from the list.`;
    state.messages.browser = { text, kind: matches.length === 0 ? "error" : "info" };
    update({ persist: false });
  }
}

/** @param {number} index */
export function setTestIndex(index) {
  if (!state.task || index < 0 || index >= state.task.test.length) return;
  state.testIndex = index;
  resetEditorView();
  update();
  for (const listener of taskListeners) listener(state.task, state.testIndex);
}

function resetEditorView() {
  state.selection = null;
  state.anchor = null;
  state.cursor = { row: 0, column: 0 };
  state.messages.check = null;
  state.messages.editor = null;
  state.messages.resize = null;
}

// Editing

/** Returns the editor for the current task and test input, created on first use. */
function currentEditor() {
  if (state.taskKey === null) return null;
  const key = editorKey(state.taskKey, state.testIndex);
  let editor = state.editors.get(key);
  if (!editor) {
    editor = new Editor(state.saved.grids[key] ?? createGrid(BLANK_SIZE, BLANK_SIZE));
    state.editors.set(key, editor);
  }
  return editor;
}

/** Returns the current test input grid, or null before a task is open. */
function testInput() {
  return state.task?.test[state.testIndex].input ?? null;
}

/**
 * Applies `change` to the editor's grid as one undo step.
 * @param {(grid: Grid) => Grid} change
 */
function edit(change) {
  const editor = currentEditor();
  if (!editor) return;
  if (editor.apply(change(editor.grid))) state.messages.check = null;
  clampEditorView(editor.grid);
  update();
}

/**
 * Keeps the cursor and the output selection inside the grid after a resize.
 * @param {Grid} grid
 */
function clampEditorView(grid) {
  const { rows, columns } = gridSize(grid);
  state.cursor = { row: Math.min(state.cursor.row, rows - 1), column: Math.min(state.cursor.column, columns - 1) };
  if (state.selection?.target === "output") {
    const { top, left } = state.selection.rect;
    if (top >= rows || left >= columns) state.selection = null;
    else state.selection.rect = rectFromCorners(top, left, Math.min(state.selection.rect.bottom, rows - 1), Math.min(state.selection.rect.right, columns - 1));
  }
}

/** @param {Tool} tool */
export function setTool(tool) {
  state.tool = tool;
  if (tool !== "select") {
    state.selection = null;
    state.anchor = null;
  }
  update({ persist: false });
}

/**
 * Picks the painting colour; with the Select tool and cells selected in the
 * output, also fills them with it, as the ARC testing interface does.
 * @param {number} symbol
 */
export function pickSymbol(symbol) {
  state.symbol = symbol;
  if (state.tool === "select" && state.selection?.target === "output") fillSelection();
  else update({ persist: false });
}

/**
 * Starts a pointer gesture on a cell of the test input or the output grid.
 * @param {"input" | "output"} target
 * @param {number} row
 * @param {number} column
 */
export function pointerDown(target, row, column) {
  const editor = currentEditor();
  if (!editor) return;
  if (target === "output") state.cursor = { row, column };
  if (state.tool === "select") {
    state.anchor = { target, row, column };
    state.selection = { target, rect: rectFromCorners(row, column, row, column) };
    update({ persist: false });
  } else if (target === "output" && state.tool === "paint") {
    editor.beginStroke();
    paintCell(editor, row, column);
  } else if (target === "output" && state.tool === "fill") {
    edit((grid) => floodFill(grid, row, column, state.symbol));
  }
}

/**
 * Continues a drag over a cell; cells of the other grid are ignored.
 * @param {"input" | "output"} target
 * @param {number} row
 * @param {number} column
 */
export function pointerEnter(target, row, column) {
  const editor = currentEditor();
  if (!editor) return;
  if (state.anchor && state.anchor.target === target) {
    state.selection = { target, rect: rectFromCorners(state.anchor.row, state.anchor.column, row, column) };
    update({ persist: false });
  } else if (editor.strokeStart !== null && target === "output") {
    paintCell(editor, row, column);
  }
}

/** Ends any drag: a selection stays, a paint stroke becomes one undo step. */
export function pointerUp() {
  state.anchor = null;
  const editor = currentEditor();
  if (editor?.strokeStart) {
    editor.endStroke();
    update();
  }
}

/**
 * @param {Editor} editor
 * @param {number} row
 * @param {number} column
 */
function paintCell(editor, row, column) {
  const next = setCell(editor.grid, row, column, state.symbol);
  if (next === editor.grid) return;
  editor.paint(next);
  state.messages.check = null;
  // The grid is saved when the stroke ends.
  update({ persist: false });
}

/**
 * Moves the keyboard cursor; with `extend` and the Select tool, grows the
 * output selection from where it started.
 * @param {number} dRow
 * @param {number} dColumn
 * @param {boolean} extend
 */
export function moveCursor(dRow, dColumn, extend) {
  const editor = currentEditor();
  if (!editor) return;
  const { rows, columns } = gridSize(editor.grid);
  const from = state.cursor;
  const row = Math.max(0, Math.min(rows - 1, from.row + dRow));
  const column = Math.max(0, Math.min(columns - 1, from.column + dColumn));
  state.cursor = { row, column };
  if (extend && state.tool === "select") {
    const start = state.selection?.target === "output" ? state.selection.rect : rectFromCorners(from.row, from.column, from.row, from.column);
    const anchorRow = start.top === from.row ? start.bottom : start.top;
    const anchorColumn = start.left === from.column ? start.right : start.left;
    state.selection = { target: "output", rect: rectFromCorners(anchorRow, anchorColumn, row, column) };
  }
  update({ persist: false });
}

/** Applies the current tool at the keyboard cursor: paints, fills, or selects that cell. */
export function applyAtCursor() {
  const { row, column } = state.cursor;
  if (state.tool === "select") {
    state.selection = { target: "output", rect: rectFromCorners(row, column, row, column) };
    update({ persist: false });
  } else if (state.tool === "paint") {
    edit((grid) => setCell(grid, row, column, state.symbol));
  } else {
    edit((grid) => floodFill(grid, row, column, state.symbol));
  }
}

export function undo() {
  const editor = currentEditor();
  if (!editor) return;
  if (editor.undo()) state.messages.check = null;
  clampEditorView(editor.grid);
  update();
}

export function redo() {
  const editor = currentEditor();
  if (!editor) return;
  if (editor.redo()) state.messages.check = null;
  clampEditorView(editor.grid);
  update();
}

export function copyFromInput() {
  const input = testInput();
  if (input) edit(() => input);
}

export function resetGrid() {
  edit(() => createGrid(BLANK_SIZE, BLANK_SIZE));
}

/**
 * Resizes the output grid to what the user typed, or explains what is wrong.
 * @param {string} rowsText
 * @param {string} columnsText
 */
export function resize(rowsText, columnsText) {
  const rows = parseDimension("Rows", rowsText);
  const columns = parseDimension("Columns", columnsText);
  if ("error" in rows || "error" in columns) {
    const problems = ["error" in rows ? rows.error : "", "error" in columns ? columns.error : ""];
    state.messages.resize = { text: problems.filter(Boolean).join(" "), kind: "error" };
    update({ persist: false });
    return;
  }
  state.messages.resize = null;
  edit((grid) => resizeGrid(grid, rows.value, columns.value));
}

export function fillSelection() {
  const selection = state.selection;
  if (selection?.target !== "output") {
    state.messages.editor = { text: "Nothing to fill: select cells of the output grid with the Select tool first.", kind: "error" };
    update({ persist: false });
    return;
  }
  state.messages.editor = null;
  edit((grid) => fillRect(grid, selection.rect, state.symbol));
}

export function copySelection() {
  const selection = state.selection;
  const source = selection?.target === "input" ? testInput() : currentEditor()?.grid;
  if (!selection || !source) {
    state.messages.editor = { text: "Nothing to copy: select cells of the test input or the output with the Select tool first.", kind: "error" };
  } else {
    state.clipboard = cropGrid(source, selection.rect);
    const where = selection.target === "input" ? "test input" : "output";
    state.messages.editor = { text: `Copied ${formatSize(state.clipboard)} cells from the ${where}.`, kind: "info" };
  }
  update({ persist: false });
}

/** Pastes the copied cells with their top-left at the output selection's top-left, else at the cursor. */
export function pasteSelection() {
  const clipboard = state.clipboard;
  if (!clipboard) {
    state.messages.editor = { text: "Nothing to paste: select cells and press C (Copy selection) first.", kind: "error" };
    update({ persist: false });
    return;
  }
  const at = state.selection?.target === "output" ? { row: state.selection.rect.top, column: state.selection.rect.left } : state.cursor;
  state.messages.editor = { text: `Pasted ${formatSize(clipboard)} cells at row ${at.row + 1}, column ${at.column + 1}.`, kind: "info" };
  edit((grid) => pasteGrid(grid, clipboard, at.row, at.column));
}

export function clearSelection() {
  state.selection = null;
  state.anchor = null;
  update({ persist: false });
}

/** Compares the output grid with the known answer, when the task has one. */
export function check() {
  const editor = currentEditor();
  const answer = state.task?.test[state.testIndex].output;
  if (!editor || !state.task) return;
  const position = `test input ${state.testIndex + 1}`;
  if (!answer) {
    state.messages.check = { text: `No known answer for ${position} of this task, so there is nothing to check against.`, kind: "info" };
  } else if (formatSize(answer) !== formatSize(editor.grid)) {
    state.messages.check = { text: `Wrong size: the answer is ${formatSize(answer)}, the output grid is ${formatSize(editor.grid)}.`, kind: "error" };
  } else {
    const wrong = countDifferences(answer, editor.grid);
    const cells = answer.length * answer[0].length;
    state.messages.check =
      wrong === 0
        ? { text: "Correct: the output grid matches the answer.", kind: "success" }
        : { text: `Wrong: ${wrong} of ${cells} cells differ from the answer.`, kind: "error" };
  }
  update({ persist: false });
}

/** @param {boolean} show */
export function setShowNumbers(show) {
  state.saved.showNumbers = show;
  update();
}

// Drawing and saving

/**
 * Redraws the page from the state and saves the work unless `persist` is false.
 * @param {{ persist?: boolean }} [options]
 */
function update(options = {}) {
  const editor = currentEditor();
  render(state, editor);
  if (options.persist === false) return;
  if (state.task && state.source) state.saved.current = { source: state.source, task: state.task, testIndex: state.testIndex };
  // Only edited grids are saved, so browsing many tasks evicts no one's work.
  const key = state.taskKey === null ? null : editorKey(state.taskKey, state.testIndex);
  if (editor && key !== null && state.saved.grids[key] !== editor.grid && (editor.history.canUndo || key in state.saved.grids)) {
    putGrid(state.saved, key, editor.grid);
  }
  writeSaved(localStorage, state.saved);
}

/** @param {unknown} error */
function errorText(error) {
  return error instanceof Error ? error.message : String(error);
}

// The interface for other panels

/**
 * Returns the open task, or null before one is open. The object is shared
 * with the page: treat it as read-only.
 * @returns {Task | null}
 */
export function getCurrentTask() {
  return state.task;
}

/**
 * Returns the open task's id (a bundled task's id, or the name it was opened
 * under), or null before one is open.
 * @returns {string | null}
 */
export function getCurrentTaskId() {
  return state.task && state.source ? state.source.id : null;
}

/**
 * Returns the index into `getCurrentTask().test` of the test input that the
 * editor works on.
 * @returns {number}
 */
export function getTestIndex() {
  return state.testIndex;
}

/**
 * Writes `grid` into the output editor as one undo step (so Ctrl+Z restores
 * the previous grid) and saves it.
 * @param {Grid} grid 1..30 rows of equal length 1..30, symbols 0-9
 * @throws {Error} when no task is open or `grid` is not a valid grid
 */
export function setEditorGrid(grid) {
  if (!state.task) throw new Error("setEditorGrid: no task is open, so there is no output editor to write to.");
  if (!isGrid(grid)) throw new Error("setEditorGrid: expected 1 to 30 rows of equal length 1 to 30, holding integers 0-9.");
  const copy = grid.map((row) => row.slice());
  edit(() => copy);
}

/**
 * Calls `listener(task, testIndex)` whenever another task or test input is
 * opened. Returns a function that removes the listener.
 * @param {(task: Task, testIndex: number) => void} listener
 * @returns {() => void}
 */
export function onTaskChange(listener) {
  taskListeners.add(listener);
  return () => taskListeners.delete(listener);
}
