// @ts-check
// The Sudoku editor: the puzzle in one state object, changed by clicks, keys
// and pasted text, redrawn from the state after every change and saved to
// localStorage. Pasted text is checked by the wasm `parseSudoku`, which
// applies the rules of `ponder_tasks::sudoku::Board::parse`.

import { EMPTY_BOARD, countGivens, moveIndex, setCell } from "./board.js";
import { loadPuzzle, savePuzzle } from "./storage.js";
import { drawBoard } from "./view.js";

/** @typedef {import("./board.js").Board} Board */

/**
 * @typedef {object} SudokuState
 * @property {((text: string) => string) | null} parse the wasm `parseSudoku`, once loaded
 * @property {Board} puzzle
 * @property {number} cursor the selected cell, 0-80
 * @property {{ text: string, kind: "error" | "success" } | null} pasteMessage
 */

/** Arrow keys as row and column steps. */
const ARROWS = /** @type {Record<string, [number, number]>} */ ({
  ArrowUp: [-1, 0],
  ArrowDown: [1, 0],
  ArrowLeft: [0, -1],
  ArrowRight: [0, 1],
});

/** Keys that clear the selected cell. */
const CLEAR_KEYS = new Set(["0", ".", "Backspace", "Delete"]);

/** @type {SudokuState} */
const state = { parse: null, puzzle: EMPTY_BOARD, cursor: 0, pasteMessage: null };

/** @param {string} id */
function element(id) {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the Sudoku view has no #${id}`);
  return found;
}

/** Returns the puzzle in the editor, 81 characters with "." for blanks. */
export function getPuzzle() {
  return state.puzzle;
}

/**
 * Restores the saved puzzle and wires the editor's controls.
 * @param {{ parseSudoku: (text: string) => string }} bindings the wasm module's exports
 */
export function startSudokuEditor(bindings) {
  state.parse = bindings.parseSudoku;
  state.puzzle = loadPuzzle(localStorage);

  const grid = element("sudoku-grid");
  grid.addEventListener("click", (event) => {
    const cell = /** @type {HTMLElement} */ (event.target).closest("[data-index]");
    if (!(cell instanceof HTMLElement)) return;
    state.cursor = Number(cell.dataset.index);
    grid.focus();
    update(false);
  });
  grid.addEventListener("keydown", onKey);
  element("sudoku-load-paste").addEventListener("click", loadPasted);
  element("sudoku-clear").addEventListener("click", () => {
    state.puzzle = EMPTY_BOARD;
    state.pasteMessage = null;
    update(true);
  });
  update(false);
}

/** @param {KeyboardEvent} event */
function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key in ARROWS) {
    state.cursor = moveIndex(state.cursor, ...ARROWS[event.key]);
    update(false);
  } else if (/^[1-9]$/.test(event.key)) {
    state.puzzle = setCell(state.puzzle, state.cursor, Number(event.key));
    update(true);
  } else if (CLEAR_KEYS.has(event.key)) {
    state.puzzle = setCell(state.puzzle, state.cursor, 0);
    update(true);
  } else {
    return;
  }
  // The ARC editor's shortcuts listen on the document; these keys are the Sudoku editor's.
  event.preventDefault();
  event.stopPropagation();
}

function loadPasted() {
  const text = /** @type {HTMLTextAreaElement} */ (element("sudoku-paste")).value;
  if (!state.parse) {
    state.pasteMessage = { text: "The page is still loading; try again in a moment.", kind: "error" };
    update(false);
    return;
  }
  try {
    state.puzzle = state.parse(text);
    state.pasteMessage = { text: `Loaded a puzzle with ${countGivens(state.puzzle)} givens.`, kind: "success" };
    update(true);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    state.pasteMessage = { text: `Invalid puzzle: ${reason}.`, kind: "error" };
    update(false);
  }
}

/**
 * Redraws the editor from the state, and saves the puzzle when it changed.
 * @param {boolean} changed
 */
function update(changed) {
  drawBoard(element("sudoku-grid"), state.puzzle, { cursor: state.cursor });
  element("sudoku-text").textContent = state.puzzle;
  element("sudoku-givens").textContent = `${countGivens(state.puzzle)} givens`;

  const message = element("sudoku-paste-message");
  message.textContent = state.pasteMessage?.text ?? "";
  if (state.pasteMessage) message.dataset.kind = state.pasteMessage.kind;
  else delete message.dataset.kind;

  if (changed) savePuzzle(localStorage, state.puzzle);
}
