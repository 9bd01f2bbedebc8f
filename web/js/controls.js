// @ts-check
// Connects the page's controls, pointer gestures and file drops to the app's
// actions. Keyboard shortcuts live in keys.js.

import * as app from "./app.js";
import { cellAt } from "./render.js";

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
 * @param {() => void} action
 */
function onClick(id, action) {
  byId(id).addEventListener("click", action);
}

export function bindControls() {
  bindBrowser();
  bindOwnTask();
  bindEditorButtons();
  bindPointer(byId("output"), "output");
  bindPointer(byId("test-input"), "input");
}

function bindBrowser() {
  const dataset = /** @type {HTMLSelectElement} */ (byId("dataset"));
  dataset.addEventListener("change", () => app.setDataset(dataset.value));

  const search = /** @type {HTMLInputElement} */ (byId("search"));
  search.addEventListener("input", () => app.setQuery(search.value));
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") app.openSearched();
  });

  onClick("random", () => app.openRandom());
  byId("task-list").addEventListener("click", (event) => {
    const button = /** @type {HTMLElement} */ (event.target).closest("button[data-task]");
    if (button instanceof HTMLElement && button.dataset.task) app.openBundled(dataset.value, button.dataset.task);
  });
}

function bindOwnTask() {
  const file = /** @type {HTMLInputElement} */ (byId("file"));
  file.addEventListener("change", () => {
    const picked = file.files?.[0];
    if (picked) app.openFile(picked).finally(() => (file.value = ""));
  });

  // Files can be dropped anywhere on the page; the drop zone lights up meanwhile.
  const carriesFiles = (/** @type {DragEvent} */ event) => event.dataTransfer?.types.includes("Files") ?? false;
  document.addEventListener("dragover", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    document.body.classList.add("dragging");
  });
  document.addEventListener("dragleave", (event) => {
    if (event.relatedTarget === null) document.body.classList.remove("dragging");
  });
  document.addEventListener("drop", (event) => {
    document.body.classList.remove("dragging");
    const dropped = event.dataTransfer?.files[0];
    if (!dropped) return;
    event.preventDefault();
    app.openFile(dropped);
  });

  const paste = /** @type {HTMLTextAreaElement} */ (byId("paste"));
  onClick("load-paste", () => app.openPasted(paste.value));
}

function bindEditorButtons() {
  const numbers = /** @type {HTMLInputElement} */ (byId("show-numbers"));
  numbers.addEventListener("change", () => app.setShowNumbers(numbers.checked));

  onClick("previous-test", () => app.setTestIndex(app.getTestIndex() - 1));
  onClick("next-test", () => app.setTestIndex(app.getTestIndex() + 1));

  for (const radio of document.querySelectorAll('input[name="tool"]')) {
    radio.addEventListener("change", () => app.setTool(/** @type {app.Tool} */ (/** @type {HTMLInputElement} */ (radio).value)));
  }
  byId("palette").addEventListener("click", (event) => {
    const button = /** @type {HTMLElement} */ (event.target).closest("[data-symbol]");
    if (button instanceof HTMLElement) app.pickSymbol(Number(button.dataset.symbol));
  });

  onClick("undo", app.undo);
  onClick("redo", app.redo);
  onClick("copy-input", app.copyFromInput);
  onClick("reset", app.resetGrid);
  onClick("fill-selection", app.fillSelection);
  onClick("copy-selection", app.copySelection);
  onClick("paste-selection", app.pasteSelection);
  onClick("check-answer", app.check);

  byId("resize-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const rows = /** @type {HTMLInputElement} */ (byId("rows")).value;
    const columns = /** @type {HTMLInputElement} */ (byId("columns")).value;
    app.resize(rows, columns);
  });
}

/**
 * Turns presses and drags over the cells of `container` into the app's
 * pointer actions. Moves are hit-tested by position, because a touch keeps
 * sending events to the cell where it started.
 * @param {HTMLElement} container
 * @param {"input" | "output"} target
 */
function bindPointer(container, target) {
  let last = "";
  container.addEventListener("pointerdown", (event) => {
    const cell = cellAt(event.target);
    if (!cell || event.button !== 0) return;
    event.preventDefault();
    if (target === "output") container.focus();
    last = `${cell.row},${cell.column}`;
    app.pointerDown(target, cell.row, cell.column);
  });
  container.addEventListener("pointermove", (event) => {
    if (event.buttons !== 1) return;
    const cell = cellAt(document.elementFromPoint(event.clientX, event.clientY));
    if (!cell || !container.contains(document.elementFromPoint(event.clientX, event.clientY))) return;
    const key = `${cell.row},${cell.column}`;
    if (key === last) return;
    last = key;
    app.pointerEnter(target, cell.row, cell.column);
  });
  window.addEventListener("pointerup", () => {
    if (last === "") return;
    last = "";
    app.pointerUp();
  });
}
