// @ts-check
// The solve panel of the one-board modes, Sudoku and Maze. On the first Solve
// it starts a solver worker and loads the mode's model from its folder under
// models/ (or, where a mode allows it, an untrained model when the folder
// has none). "Load" swaps in a model from the user's files. Each Solve runs
// the model's ACT steps on the editor's board, shows the predicted board and
// q_halt confidence after every step, then a verdict on the last one.
//
// Every element id is the mode's prefix and a fixed suffix (`sudoku-status`,
// `maze-status`), so the two modes share this code and keep their own DOM.

import { describeWebGpuAdapter } from "../device.js";
import { SolverClient } from "./client.js";

/** @typedef {import("./client.js").ModelInfo} ModelInfo */

/**
 * @template Step, Verdict
 * @typedef {object} BoardMode what differs between the modes
 * @property {string} prefix of every element id, and of the class of a step's figure
 * @property {string} label the mode's name in messages, as "Sudoku" or "maze"
 * @property {string} modelFolder relative to the page; the build copies the shipped model there
 * @property {((client: SolverClient) => Promise<ModelInfo>) | null} fallback loads a model when the folder has none; null makes the folder required
 * @property {(client: SolverClient, config: string, weights: ArrayBuffer, fileName: string) => Promise<ModelInfo>} load
 * @property {() => string} board the editor's board
 * @property {(client: SolverClient, board: string, onStep: (report: Step) => void, signal: AbortSignal) => Promise<Verdict>} solve
 * @property {(report: Step) => string} stepBoard the predicted board in a step report
 * @property {(container: HTMLElement, board: string, puzzle: string) => void} draw
 * @property {(verdict: Verdict) => { solved: boolean, text: string }} verdict
 */

/**
 * @typedef {object} PanelState
 * @property {SolverClient | null} client
 * @property {Promise<void> | null} ready resolves once the worker has started and loaded a model
 * @property {AbortController | null} running the solve in progress
 */

/**
 * Wires the panel's Solve, Cancel and Load buttons.
 * @template Step, Verdict
 * @param {BoardMode<Step, Verdict>} mode
 * @param {{ backend?: "webgpu" | "cpu" | "auto" }} [options]
 */
export function startBoardSolve(mode, options = {}) {
  /** @type {PanelState} */
  const state = { client: null, ready: null, running: null };
  const backend = options.backend ?? "auto";
  const $ = (/** @type {string} */ suffix) => element(mode, suffix);
  $("solve-start").addEventListener("click", () => runSolve(mode, state, backend));
  $("solve-cancel").addEventListener("click", () => state.running?.abort());
  document.getElementById(`${mode.prefix}-load`)?.addEventListener("click", () => loadFiles(mode, state, backend));
}

/**
 * @param {BoardMode<any, any>} mode
 * @param {string} suffix
 */
function element(mode, suffix) {
  const id = `${mode.prefix}-${suffix}`;
  const found = document.getElementById(id);
  if (!found) throw new Error(`the ${mode.label} view has no #${id}`);
  return found;
}

/**
 * Starts the worker and loads the mode's model, once; a failed start is retried on the next Solve.
 * @param {BoardMode<any, any>} mode
 * @param {PanelState} state
 * @param {"webgpu" | "cpu" | "auto"} backend
 */
function ensureReady(mode, state, backend) {
  if (!state.ready) {
    state.ready = (async () => {
      const client = new SolverClient();
      const info = await client.init(backend);
      const adapter = info.backend === "webgpu" ? await describeWebGpuAdapter(info.adapter) : info.adapter;
      element(mode, "backend").textContent = `${info.backend} on ${adapter}`;
      const fallback = element(mode, "fallback");
      fallback.hidden = info.fallbackReason === null;
      fallback.textContent = info.fallbackReason ? `Running on the CPU because ${info.fallbackReason}` : "";

      setStatus(mode, "downloading the model…");
      const base = new URL(mode.modelFolder, location.href);
      const config = await fetchBytes(mode, new URL("config.json", base), mode.fallback === null);
      setStatus(mode, "loading the model…");
      if (config) {
        const weights = /** @type {ArrayBuffer} */ (await fetchBytes(mode, new URL("model.safetensors", base), true));
        const model = await mode.load(client, new TextDecoder().decode(config), weights, "model.safetensors");
        showModel(mode, { ...model, name: `${mode.modelFolder}model.safetensors` });
      } else {
        showModel(mode, await /** @type {NonNullable<typeof mode.fallback>} */ (mode.fallback)(client));
      }
      state.client = client;
    })();
    state.ready.catch(() => {
      state.ready = null;
    });
  }
  return state.ready;
}

/**
 * Fetches `url`; a missing optional file gives null.
 * @param {BoardMode<any, any>} mode
 * @param {URL} url
 * @param {boolean} required
 * @returns {Promise<ArrayBuffer | null>}
 */
async function fetchBytes(mode, url, required) {
  const response = await fetch(url);
  if (response.ok) return response.arrayBuffer();
  if (!required && response.status === 404) return null;
  throw new Error(`Downloading the ${mode.label} model from ${url.href} failed: HTTP ${response.status} ${response.statusText}`.trim());
}

/**
 * Says which model is loaded, and warns when its weights are untrained.
 * @param {BoardMode<any, any>} mode
 * @param {ModelInfo} model
 */
function showModel(mode, model) {
  element(mode, "model").textContent =
    `${model.name} (${model.family}, ${model.parameters.toLocaleString("en")} parameters, ${model.haltMaxSteps} ACT steps)`;
  const notice = document.getElementById(`${mode.prefix}-model-notice`);
  if (notice) notice.hidden = model.trained;
}

/**
 * Loads the config and weights that the user chose in the Load section.
 * @param {BoardMode<any, any>} mode
 * @param {PanelState} state
 * @param {"webgpu" | "cpu" | "auto"} backend
 */
async function loadFiles(mode, state, backend) {
  const config = /** @type {HTMLInputElement} */ (element(mode, "config-file")).files?.[0];
  const weights = /** @type {HTMLInputElement} */ (element(mode, "weights-file")).files?.[0];
  if (!config || !weights) {
    showError(mode, "Choose a config file and a weights file first.");
    return;
  }
  element(mode, "error").hidden = true;
  try {
    setStatus(mode, "loading the model…");
    await ensureReady(mode, state, backend);
    const client = /** @type {SolverClient} */ (state.client);
    showModel(mode, await mode.load(client, await config.text(), await weights.arrayBuffer(), weights.name));
    setStatus(mode, "model loaded");
  } catch (error) {
    setStatus(mode, "failed");
    showError(mode, error instanceof Error ? error.message : String(error));
  }
}

/**
 * @param {BoardMode<any, any>} mode
 * @param {PanelState} state
 * @param {"webgpu" | "cpu" | "auto"} backend
 */
async function runSolve(mode, state, backend) {
  const puzzle = mode.board();
  clearResults(mode);
  setRunning(mode, true);
  const controller = new AbortController();
  state.running = controller;
  try {
    setStatus(mode, "starting the solver…");
    await ensureReady(mode, state, backend);
    // Cancel pressed while the worker started: no step runs.
    if (controller.signal.aborted) throw new Error("cancelled before the first step");
    const client = /** @type {SolverClient} */ (state.client);
    setStatus(mode, "solving…");
    const verdict = await mode.solve(client, puzzle, (report) => showStep(mode, puzzle, report), controller.signal);
    const { solved, text } = mode.verdict(verdict);
    const line = element(mode, "verdict");
    line.dataset.solved = String(solved);
    line.textContent = text;
    setStatus(mode, "done");
  } catch (error) {
    if (controller.signal.aborted) {
      setStatus(mode, "cancelled");
    } else {
      setStatus(mode, "failed");
      showError(mode, error instanceof Error ? error.message : String(error));
    }
  } finally {
    state.running = null;
    setRunning(mode, false);
  }
}

/**
 * Adds the board of one ACT step to the list.
 * @param {BoardMode<any, any>} mode
 * @param {string} puzzle
 * @param {{ step: number, steps: number, qHalt: number }} report
 */
function showStep(mode, puzzle, report) {
  /** @type {HTMLProgressElement} */ (element(mode, "progress")).value = report.step / report.steps;
  setStatus(mode, `step ${report.step} of ${report.steps}`);

  const board = document.createElement("div");
  mode.draw(board, mode.stepBoard(report), puzzle);
  const caption = document.createElement("figcaption");
  caption.textContent = `Step ${report.step} of ${report.steps}: q_halt ${report.qHalt.toFixed(3)}`;
  const figure = document.createElement("figure");
  figure.className = `${mode.prefix}-step`;
  figure.dataset.step = String(report.step);
  figure.dataset.qHalt = String(report.qHalt);
  figure.append(board, caption);
  const item = document.createElement("li");
  item.append(figure);
  element(mode, "steps").append(item);
}

/**
 * @param {BoardMode<any, any>} mode
 * @param {boolean} running
 */
function setRunning(mode, running) {
  /** @type {HTMLButtonElement} */ (element(mode, "solve-start")).disabled = running;
  /** @type {HTMLButtonElement} */ (element(mode, "solve-cancel")).disabled = !running;
}

/** @param {BoardMode<any, any>} mode */
function clearResults(mode) {
  element(mode, "error").hidden = true;
  /** @type {HTMLProgressElement} */ (element(mode, "progress")).value = 0;
  element(mode, "steps").replaceChildren();
  const verdict = element(mode, "verdict");
  verdict.textContent = "";
  delete verdict.dataset.solved;
  setStatus(mode, "");
}

/**
 * @param {BoardMode<any, any>} mode
 * @param {string} text
 */
function setStatus(mode, text) {
  element(mode, "status").textContent = text;
}

/**
 * @param {BoardMode<any, any>} mode
 * @param {string} message
 */
function showError(mode, message) {
  const error = element(mode, "error");
  error.hidden = false;
  error.textContent = message;
}
