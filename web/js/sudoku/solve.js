// @ts-check
// The Sudoku solve panel. On the first Solve it loads the Sudoku model from
// models/sudoku/ into a solver worker. Each Solve runs the model's ACT steps
// on the editor's puzzle, shows the predicted board and q_halt confidence
// after every step, then shows whether the last board solves the puzzle.

import { describeWebGpuAdapter } from "../device.js";
import { SolverClient } from "../solve/client.js";
import { getPuzzle } from "./editor.js";
import { drawBoard } from "./view.js";

/** @typedef {import("../solve/client.js").SudokuStep} SudokuStep */
/** @typedef {import("../solve/client.js").SudokuVerdict} SudokuVerdict */

/** The folder of the Sudoku model, relative to the page; the build copies `models/sudoku/` there. */
const MODEL_FOLDER = "models/sudoku/";

/**
 * @typedef {object} SolveState
 * @property {SolverClient | null} client
 * @property {Promise<void> | null} ready resolves once the worker has started and loaded the model
 * @property {AbortController | null} running the solve in progress
 */

/** @param {string} id */
function element(id) {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the Sudoku view has no #${id}`);
  return found;
}

/**
 * Wires the Solve and Cancel buttons.
 * @param {{ backend?: "webgpu" | "cpu" | "auto" }} [options]
 */
export function startSudokuSolve(options = {}) {
  /** @type {SolveState} */
  const state = { client: null, ready: null, running: null };
  const backend = options.backend ?? "auto";
  element("sudoku-solve-start").addEventListener("click", () => runSolve(state, backend));
  element("sudoku-solve-cancel").addEventListener("click", () => state.running?.abort());
}

/**
 * Starts the worker and loads the Sudoku model, once; a failed start is retried on the next Solve.
 * @param {SolveState} state
 * @param {"webgpu" | "cpu" | "auto"} backend
 */
function ensureReady(state, backend) {
  if (!state.ready) {
    state.ready = (async () => {
      const client = new SolverClient();
      const info = await client.init(backend);
      const adapter = info.backend === "webgpu" ? await describeWebGpuAdapter(info.adapter) : info.adapter;
      element("sudoku-backend").textContent = `${info.backend} on ${adapter}`;
      const fallback = element("sudoku-fallback");
      fallback.hidden = info.fallbackReason === null;
      fallback.textContent = info.fallbackReason ? `Running on the CPU because ${info.fallbackReason}` : "";

      setStatus("downloading the model…");
      const base = new URL(MODEL_FOLDER, location.href);
      const [config, weights] = await Promise.all([
        fetchBytes(new URL("config.json", base)),
        fetchBytes(new URL("model.safetensors", base)),
      ]);
      setStatus("loading the model…");
      const model = await client.loadSudokuModel(new TextDecoder().decode(config), weights, "model.safetensors");
      element("sudoku-model").textContent =
        `${MODEL_FOLDER}model.safetensors (${model.family}, ${model.parameters.toLocaleString("en")} parameters, ` +
        `${model.haltMaxSteps} ACT steps)`;
      state.client = client;
    })();
    state.ready.catch(() => {
      state.ready = null;
    });
  }
  return state.ready;
}

/**
 * @param {URL} url
 * @returns {Promise<ArrayBuffer>}
 */
async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`Downloading the Sudoku model from ${url.href} failed: HTTP ${response.status} ${response.statusText}`.trim());
  }
  return response.arrayBuffer();
}

/**
 * @param {SolveState} state
 * @param {"webgpu" | "cpu" | "auto"} backend
 */
async function runSolve(state, backend) {
  const puzzle = getPuzzle();
  clearResults();
  setRunning(true);
  const controller = new AbortController();
  state.running = controller;
  try {
    setStatus("starting the solver…");
    await ensureReady(state, backend);
    const client = /** @type {SolverClient} */ (state.client);
    setStatus("solving…");
    const verdict = await client.solveSudoku(puzzle, undefined, (report) => showStep(puzzle, report), controller.signal);
    showVerdict(verdict);
    setStatus("done");
  } catch (error) {
    if (controller.signal.aborted) {
      setStatus("cancelled");
    } else {
      setStatus("failed");
      showError(error instanceof Error ? error.message : String(error));
    }
  } finally {
    state.running = null;
    setRunning(false);
  }
}

/**
 * Adds the board of one ACT step to the list.
 * @param {string} puzzle
 * @param {SudokuStep} report
 */
function showStep(puzzle, report) {
  /** @type {HTMLProgressElement} */ (element("sudoku-progress")).value = report.step / report.steps;
  setStatus(`step ${report.step} of ${report.steps}`);

  const board = document.createElement("div");
  drawBoard(board, report.board, { puzzle });
  const caption = document.createElement("figcaption");
  caption.textContent = `Step ${report.step} of ${report.steps}: q_halt ${report.qHalt.toFixed(3)}`;
  const figure = document.createElement("figure");
  figure.className = "sudoku-step";
  figure.dataset.step = String(report.step);
  figure.dataset.qHalt = String(report.qHalt);
  figure.append(board, caption);
  const item = document.createElement("li");
  item.append(figure);
  element("sudoku-steps").append(item);
}

/** @param {SudokuVerdict} verdict */
function showVerdict(verdict) {
  const line = element("sudoku-verdict");
  line.dataset.solved = String(verdict.solved);
  if (verdict.solved) {
    line.textContent = `Solved: after ${verdict.steps} ACT steps the board is a valid, complete solution of the puzzle.`;
    return;
  }
  const problems = [];
  if (verdict.blanks > 0) problems.push(plural(verdict.blanks, "blank cell"));
  if (verdict.conflicts > 0) problems.push(plural(verdict.conflicts, "pair") + " of equal digits in one row, column or box");
  if (verdict.changedGivens > 0) problems.push(plural(verdict.changedGivens, "changed given"));
  line.textContent = `Not solved: after ${verdict.steps} ACT steps the board has ${problems.join(", ")}.`;
}

/**
 * @param {number} count
 * @param {string} noun
 */
function plural(count, noun) {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** @param {boolean} running */
function setRunning(running) {
  /** @type {HTMLButtonElement} */ (element("sudoku-solve-start")).disabled = running;
  /** @type {HTMLButtonElement} */ (element("sudoku-solve-cancel")).disabled = !running;
}

function clearResults() {
  element("sudoku-error").hidden = true;
  /** @type {HTMLProgressElement} */ (element("sudoku-progress")).value = 0;
  element("sudoku-steps").replaceChildren();
  const verdict = element("sudoku-verdict");
  verdict.textContent = "";
  delete verdict.dataset.solved;
  setStatus("");
}

/** @param {string} text */
function setStatus(text) {
  element("sudoku-status").textContent = text;
}

/** @param {string} message */
function showError(message) {
  const error = element("sudoku-error");
  error.hidden = false;
  error.textContent = message;
}
