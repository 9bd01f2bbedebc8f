// @ts-check
// The maze editor: the maze in one state object, changed by clicks and
// drags with the chosen tool, keys, pasted text and the generator, redrawn
// from the state after every change and saved to localStorage. Pasted text
// is read by the wasm `parseMaze`, which applies the rules of
// `ponder_tasks::maze::Maze::parse_text`, and the wasm `shortestMazePath`
// checks whether the maze can be solved.

import { EMPTY_BOARD, TOOL_CELLS, clearPath, moveIndex, position, setCell, toLines } from "./board.js";
import { loadMaze, saveMaze } from "./storage.js";
import { drawMaze } from "./view.js";

/** @typedef {import("./board.js").Board} Board */
/** @typedef {import("./board.js").Tool} Tool */

/**
 * @typedef {object} MazeBindings the wasm module's exports that the editor uses
 * @property {(text: string) => string} parseMaze
 * @property {(text: string) => number} shortestMazePath
 * @property {(seed: number) => string} generateMaze
 *
 * @typedef {object} MazeState
 * @property {MazeBindings | null} wasm
 * @property {Board} maze
 * @property {number} seed the seed of the last generated maze
 * @property {Tool} tool
 * @property {number} cursor the selected cell, 0-899
 * @property {boolean} painting whether a pointer drag is painting
 * @property {{ text: string, kind: "error" | "success" } | null} pasteMessage
 */

/** Arrow keys as row and column steps. */
const ARROWS = /** @type {Record<string, [number, number]>} */ ({
  ArrowUp: [-1, 0],
  ArrowDown: [1, 0],
  ArrowLeft: [0, -1],
  ArrowRight: [0, 1],
});

/** Keys that write one kind of cell at the cursor, whatever the tool. */
const CELL_KEYS = /** @type {Record<string, Tool>} */ ({
  "#": "wall",
  w: "wall",
  W: "wall",
  Backspace: "open",
  Delete: "open",
  s: "start",
  S: "start",
  g: "goal",
  G: "goal",
});

/** @type {MazeState} */
const state = {
  wasm: null,
  maze: EMPTY_BOARD,
  seed: 1,
  tool: "wall",
  cursor: 0,
  painting: false,
  pasteMessage: null,
};

/** @param {string} id */
function element(id) {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the Maze view has no #${id}`);
  return found;
}

/** Returns the maze in the editor, 900 characters. */
export function getMaze() {
  return state.maze;
}

/**
 * Restores the saved maze, or generates one on a first visit, and wires the
 * editor's controls.
 * @param {MazeBindings} bindings
 */
export function startMazeEditor(bindings) {
  state.wasm = bindings;
  const saved = loadMaze(localStorage);
  if (saved) {
    state.maze = saved.maze;
    state.seed = saved.seed;
  } else {
    state.maze = bindings.generateMaze(state.seed);
  }

  const grid = element("maze-grid");
  grid.addEventListener("pointerdown", (event) => {
    const index = cellIndex(event.target);
    if (index === null) return;
    event.preventDefault();
    grid.focus();
    state.cursor = index;
    // Start and goal are single cells; only walls and open cells are painted by dragging.
    state.painting = state.tool === "wall" || state.tool === "open";
    paint(index);
  });
  grid.addEventListener("pointerover", (event) => {
    const index = cellIndex(event.target);
    if (!state.painting || index === null) return;
    state.cursor = index;
    paint(index);
  });
  addEventListener("pointerup", () => {
    state.painting = false;
  });
  grid.addEventListener("keydown", onKey);

  for (const radio of document.querySelectorAll('input[name="maze-tool"]')) {
    radio.addEventListener("change", () => {
      state.tool = /** @type {Tool} */ (/** @type {HTMLInputElement} */ (radio).value);
    });
  }
  element("maze-generate").addEventListener("click", () => {
    state.seed += 1;
    state.maze = bindings.generateMaze(state.seed);
    state.pasteMessage = null;
    update(true);
  });
  element("maze-clear").addEventListener("click", () => {
    state.maze = EMPTY_BOARD;
    state.pasteMessage = null;
    update(true);
  });
  element("maze-load-paste").addEventListener("click", loadPasted);
  update(!saved);
}

/**
 * @param {EventTarget | null} target
 * @returns {number | null}
 */
function cellIndex(target) {
  const cell = target instanceof Element ? target.closest("#maze-grid [data-index]") : null;
  return cell instanceof HTMLElement ? Number(cell.dataset.index) : null;
}

/**
 * Applies `tool` (the chosen one by default) to one cell.
 * @param {number} index
 * @param {Tool} [tool]
 */
function paint(index, tool = state.tool) {
  const next = setCell(state.maze, index, TOOL_CELLS[tool]);
  const changed = next !== state.maze;
  state.maze = next;
  update(changed);
}

/** @param {KeyboardEvent} event */
function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key in ARROWS) {
    state.cursor = moveIndex(state.cursor, ...ARROWS[event.key]);
    update(false);
  } else if (event.key === " " || event.key === "Enter") {
    paint(state.cursor);
  } else if (event.key in CELL_KEYS) {
    paint(state.cursor, CELL_KEYS[event.key]);
  } else {
    return;
  }
  // The ARC editor's shortcuts listen on the document; these keys are the maze editor's.
  event.preventDefault();
  event.stopPropagation();
}

function loadPasted() {
  const text = /** @type {HTMLTextAreaElement} */ (element("maze-paste")).value;
  if (!state.wasm) {
    state.pasteMessage = { text: "The page is still loading; try again in a moment.", kind: "error" };
    update(false);
    return;
  }
  try {
    const { board, cleared } = clearPath(state.wasm.parseMaze(text));
    state.maze = board;
    const cells = cleared === 1 ? "path cell is an open cell" : "path cells are open cells";
    const note = cleared > 0 ? ` Its ${cleared} ${cells} now: the model draws the path.` : "";
    state.pasteMessage = { text: `Loaded the maze.${note}`, kind: "success" };
    update(true);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    state.pasteMessage = { text: `Invalid maze: ${reason}.`, kind: "error" };
    update(false);
  }
}

/**
 * Redraws the editor from the state, and saves the maze when it changed.
 * @param {boolean} changed
 */
function update(changed) {
  drawMaze(element("maze-grid"), state.maze, { cursor: state.cursor });
  /** @type {HTMLTextAreaElement} */ (element("maze-text")).value = toLines(state.maze);
  const { row, column } = position(state.cursor);
  element("maze-cursor").textContent = `row ${row}, column ${column}`;

  const facts = element("maze-facts");
  try {
    const steps = /** @type {MazeBindings} */ (state.wasm).shortestMazePath(state.maze);
    facts.textContent = `Shortest path from S to G: ${steps} steps.`;
    delete facts.dataset.kind;
  } catch (error) {
    facts.textContent = `Not solvable yet: ${error instanceof Error ? error.message : String(error)}.`;
    facts.dataset.kind = "error";
  }

  const message = element("maze-paste-message");
  message.textContent = state.pasteMessage?.text ?? "";
  if (state.pasteMessage) message.dataset.kind = state.pasteMessage.kind;
  else delete message.dataset.kind;

  if (changed) saveMaze(localStorage, { maze: state.maze, seed: state.seed });
}
