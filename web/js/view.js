// @ts-check
// Draws the app's state into the page. Parts that are costly to rebuild (the
// task's grids, the task list) are redrawn only when what they show changed;
// the output grid reuses its cells.

import { drawGrid, gridFigure } from "./render.js";
import { formatSize, gridSize } from "./grid.js";

/** @typedef {import("./app.js").AppState} AppState */
/** @typedef {import("./editor.js").Editor} Editor */

/** Colour names for the palette buttons' labels. */
const COLOUR_NAMES = ["black", "blue", "red", "green", "yellow", "grey", "magenta", "orange", "light blue", "maroon"];

/** The task list shows at most this many ids; the search narrows it. */
const LIST_LIMIT = 200;

/** Maximum side length of drawn grids, in CSS pixels. */
const TRAIN_PIXELS = 200;
const TEST_PIXELS = 360;

/** The state last drawn, so unchanged parts are not redrawn. */
const drawn = {
  /** @type {unknown} */ task: null,
  numbers: false,
  testIndex: -1,
  listKey: "",
  indexReady: false,
  sizeKey: "",
};

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element;
}

/**
 * @param {string} id
 * @returns {HTMLInputElement}
 */
function inputById(id) {
  return /** @type {HTMLInputElement} */ (byId(id));
}

/**
 * Draws `state`; `editor` is the current output editor, if a task is open.
 * @param {AppState} state
 * @param {Editor | null} editor
 */
export function render(state, editor) {
  const numbers = state.saved.showNumbers;
  document.body.dataset.tool = state.tool;
  inputById("show-numbers").checked = numbers;

  renderBrowser(state);
  renderMessages(state);
  renderTask(state, numbers);
  renderTestInput(state, numbers);
  renderEditor(state, editor, numbers);
}

/** @param {AppState} state */
function renderBrowser(state) {
  const select = /** @type {HTMLSelectElement} */ (byId("dataset"));
  if (state.index && !drawn.indexReady) {
    select.replaceChildren(...state.index.datasets.map((d) => new Option(`${d.title} (${d.tasks.length})`, d.name)));
    drawn.indexReady = true;
  }
  select.value = state.browser.dataset;

  const search = inputById("search");
  if (document.activeElement !== search) search.value = state.browser.query;

  const currentId = state.source?.kind === "bundled" && state.source.dataset === state.browser.dataset ? state.source.id : "";
  const listKey = `${drawn.indexReady}|${state.browser.dataset}|${state.browser.query}|${currentId}`;
  if (listKey === drawn.listKey) return;
  drawn.listKey = listKey;

  const query = state.browser.query.trim().toLowerCase();
  const tasks = state.index?.datasets.find((d) => d.name === state.browser.dataset)?.tasks ?? [];
  const matches = tasks.filter((t) => t.id.includes(query));
  const items = matches.slice(0, LIST_LIMIT).map((task) => {
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.task = task.id;
    button.textContent = task.id;
    button.title = `${task.train} train pairs, ${task.test} test input${task.test === 1 ? "" : "s"}`;
    if (task.id === currentId) button.setAttribute("aria-current", "true");
    const item = document.createElement("li");
    item.append(button);
    return item;
  });
  if (matches.length > LIST_LIMIT) {
    const more = document.createElement("li");
    more.className = "more";
    more.textContent = `${matches.length - LIST_LIMIT} more; type to narrow the list.`;
    items.push(more);
  }
  byId("task-list").replaceChildren(...items);
}

/** @param {AppState} state */
function renderMessages(state) {
  for (const [name, message] of Object.entries(state.messages)) {
    const element = byId(`${name}-message`);
    element.textContent = message?.text ?? "";
    element.dataset.kind = message?.kind ?? "";
  }
}

/**
 * @param {AppState} state
 * @param {boolean} numbers
 */
function renderTask(state, numbers) {
  if (drawn.task === state.task && drawn.numbers === numbers) return;
  drawn.task = state.task;
  drawn.numbers = numbers;
  drawn.testIndex = -1;

  const task = state.task;
  const source = state.source;
  let heading = "No task loaded";
  if (task && source) {
    const from =
      source.kind === "bundled"
        ? state.index?.datasets.find((d) => d.name === source.dataset)?.title ?? source.dataset
        : source.kind === "file"
          ? "from a file"
          : "pasted JSON";
    heading = `Task ${task.id} · ${from}`;
  }
  byId("task-heading").textContent = heading;

  const pairs = (task?.train ?? []).map((pair, i) => {
    const row = document.createElement("div");
    row.className = "pair";
    row.dataset.pair = String(i);
    const arrow = document.createElement("span");
    arrow.className = "arrow";
    arrow.setAttribute("aria-hidden", "true");
    arrow.textContent = "→";
    const options = { numbers, maxPixels: TRAIN_PIXELS };
    row.append(gridFigure(`Train ${i + 1} input`, pair.input, options), arrow, gridFigure(`Train ${i + 1} output`, pair.output, options));
    return row;
  });
  byId("train-pairs").replaceChildren(...pairs);
}

/**
 * @param {AppState} state
 * @param {boolean} numbers
 */
function renderTestInput(state, numbers) {
  const count = state.task?.test.length ?? 0;
  byId("test-position").textContent = count === 0 ? "0 of 0" : `${state.testIndex + 1} of ${count}`;
  /** @type {HTMLButtonElement} */ (byId("previous-test")).disabled = state.testIndex <= 0;
  /** @type {HTMLButtonElement} */ (byId("next-test")).disabled = state.testIndex >= count - 1;

  const container = byId("test-input");
  const input = state.task?.test[state.testIndex]?.input;
  if (!input) {
    container.replaceChildren();
    return;
  }
  const selection = state.selection?.target === "input" ? state.selection.rect : null;
  const options = { numbers, maxPixels: TEST_PIXELS, selection };
  if (drawn.testIndex !== state.testIndex) {
    drawn.testIndex = state.testIndex;
    container.replaceChildren(gridFigure(`Test ${state.testIndex + 1} input`, input, options));
  } else {
    const grid = /** @type {HTMLElement} */ (container.querySelector(".grid"));
    drawGrid(grid, input, options);
  }
}

/**
 * @param {AppState} state
 * @param {Editor | null} editor
 * @param {boolean} numbers
 */
function renderEditor(state, editor, numbers) {
  for (const radio of document.querySelectorAll('input[name="tool"]')) {
    /** @type {HTMLInputElement} */ (radio).checked = /** @type {HTMLInputElement} */ (radio).value === state.tool;
  }
  renderPalette(state.symbol);

  /** @type {HTMLButtonElement} */ (byId("undo")).disabled = !editor?.history.canUndo;
  /** @type {HTMLButtonElement} */ (byId("redo")).disabled = !editor?.history.canRedo;

  const output = byId("output");
  if (!editor) {
    output.replaceChildren();
    byId("output-size").textContent = "";
    return;
  }
  const selection = state.selection?.target === "output" ? state.selection.rect : null;
  drawGrid(output, editor.grid, { numbers, maxPixels: TEST_PIXELS, selection, cursor: state.cursor });
  const size = formatSize(editor.grid);
  byId("output-size").textContent = size;
  output.setAttribute("aria-label", `Output grid, ${size}. Arrow keys move the cursor, Space applies the tool.`);

  // Fill the resize fields only when the grid or the task changed, so typing is never overwritten.
  const sizeKey = `${state.taskKey}#${state.testIndex}#${size}`;
  if (sizeKey !== drawn.sizeKey) {
    drawn.sizeKey = sizeKey;
    const { rows, columns } = gridSize(editor.grid);
    inputById("rows").value = String(rows);
    inputById("columns").value = String(columns);
  }
}

/** @param {number} symbol */
function renderPalette(symbol) {
  const palette = byId("palette");
  if (palette.childElementCount === 0) {
    const buttons = COLOUR_NAMES.map((name, i) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = `swatch symbol-${i}`;
      button.dataset.symbol = String(i);
      button.setAttribute("aria-label", `${i} ${name}`);
      button.textContent = String(i);
      return button;
    });
    palette.replaceChildren(...buttons);
  }
  for (const button of palette.children) {
    button.setAttribute("aria-pressed", String(/** @type {HTMLElement} */ (button).dataset.symbol === String(symbol)));
  }
}
