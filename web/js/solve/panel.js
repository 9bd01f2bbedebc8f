// @ts-check
// The Solve panel: runs the model on the open task's test input in the
// solver worker, shows every ACT step's prediction with its q_halt
// confidence, the vote tally and the two attempts, and copies an attempt
// into the editor on request.

import { getCurrentTask, getTestIndex, onTaskChange, setEditorGrid } from "../app.js";
import { describeWebGpuAdapter } from "../device.js";
import { gridFigure } from "../render.js";
import { SolverClient } from "./client.js";

/** @typedef {import("./client.js").StepReport} StepReport */
/** @typedef {import("./client.js").SolveResult} SolveResult */

const GRID_PIXELS = 180;

const PANEL = `
  <h2>Solve</h2>
  <dl class="solve-facts">
    <dt>Backend</dt><dd id="solve-backend">not started</dd>
    <dt>Model</dt><dd id="solve-model">not loaded</dd>
  </dl>
  <p id="solve-fallback" class="solve-notice" hidden></p>
  <p id="solve-untrained" class="solve-notice" hidden>
    This model is untrained: its weights are random, drawn from a fixed seed, so its predictions show how
    the recursion runs, not answers. Load a trained checkpoint below to solve tasks.
  </p>
  <div class="solve-options">
    <label>Augmentations <input id="solve-augmentations" type="number" min="1" max="64" value="4" /></label>
    <label>ACT steps <input id="solve-steps" type="number" min="1" max="64" value="8" /></label>
    <label><input id="solve-early-halting" type="checkbox" /> Stop an augmentation once q_halt &gt; 0</label>
  </div>
  <div class="solve-actions">
    <button id="solve-start" type="button">Solve</button>
    <button id="solve-cancel" type="button" disabled>Cancel</button>
    <progress id="solve-progress" max="1" value="0" aria-label="Solve progress"></progress>
    <span id="solve-status" aria-live="polite"></span>
  </div>
  <p id="solve-error" class="error" role="alert" hidden></p>
  <div id="solve-step" class="solve-step"></div>
  <div id="solve-tally" class="solve-tally"></div>
  <div id="solve-attempts" class="solve-attempts"></div>
  <details class="solve-load">
    <summary>Load a checkpoint</summary>
    <p>A config as JSON with the official field names, weights as <code>.safetensors</code> or PyTorch
      <code>.pt</code>, and optionally the <code>mean.safetensors</code> that <code>ponder convert</code> writes.</p>
    <label>Config <input id="solve-config-file" type="file" accept=".json,application/json" /></label>
    <label>Weights <input id="solve-weights-file" type="file" accept=".safetensors,.pt" /></label>
    <label>Mean row <input id="solve-mean-file" type="file" accept=".safetensors" /></label>
    <button id="solve-load" type="button">Load</button>
  </details>
`;

/**
 * @typedef {object} PanelState
 * @property {SolverClient | null} client
 * @property {Promise<void> | null} ready resolves once the backend and a model are loaded
 * @property {AbortController | null} running the solve in progress
 */

/** @param {string} id */
function element(id) {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the Solve panel has no #${id}`);
  return found;
}

/** @param {string} id */
function input(id) {
  return /** @type {HTMLInputElement} */ (element(id));
}

/**
 * Builds the panel inside `#solve` and wires its controls.
 * @param {{ backend?: "webgpu" | "cpu" | "auto" }} [options]
 */
export function startSolvePanel(options = {}) {
  const section = element("solve");
  section.innerHTML = PANEL;
  /** @type {PanelState} */
  const state = { client: null, ready: null, running: null };
  const backend = options.backend ?? "auto";

  element("solve-start").addEventListener("click", () => runSolve(state, backend));
  element("solve-cancel").addEventListener("click", () => state.running?.abort());
  element("solve-load").addEventListener("click", () => loadCheckpoint(state, backend));
  onTaskChange(() => clearResults());
}

/**
 * Starts the worker and loads the embedded default model, once.
 * @param {PanelState} state
 * @param {"webgpu" | "cpu" | "auto"} backend
 */
function ensureReady(state, backend) {
  if (!state.ready) {
    state.ready = (async () => {
      const client = new SolverClient();
      const info = await client.init(backend);
      const adapter = info.backend === "webgpu" ? await describeWebGpuAdapter(info.adapter) : info.adapter;
      element("solve-backend").textContent = `${info.backend} on ${adapter}`;
      const fallback = element("solve-fallback");
      fallback.hidden = info.fallbackReason === null;
      fallback.textContent = info.fallbackReason ? `Running on the CPU because ${info.fallbackReason}` : "";
      showModel(await client.loadDefaultModel());
      state.client = client;
    })();
    // A failed start is retried on the next click.
    state.ready.catch(() => {
      state.ready = null;
    });
  }
  return state.ready;
}

/** @param {import("./client.js").ModelInfo} model */
function showModel(model) {
  element("solve-model").textContent = `${model.name} (${model.family}, ${model.parameters.toLocaleString("en")} parameters)`;
  element("solve-untrained").hidden = model.trained;
}

/**
 * @param {PanelState} state
 * @param {"webgpu" | "cpu" | "auto"} backend
 */
async function runSolve(state, backend) {
  const task = getCurrentTask();
  if (!task) {
    showError("Open a task first.");
    return;
  }
  const augmentations = Number(input("solve-augmentations").value);
  const steps = Number(input("solve-steps").value);
  if (!Number.isInteger(augmentations) || augmentations < 1 || augmentations > 64) {
    showError(`Augmentations must be a whole number from 1 to 64, not "${input("solve-augmentations").value}".`);
    return;
  }
  if (!Number.isInteger(steps) || steps < 1 || steps > 64) {
    showError(`ACT steps must be a whole number from 1 to 64, not "${input("solve-steps").value}".`);
    return;
  }

  clearResults();
  setRunning(true);
  const controller = new AbortController();
  state.running = controller;
  try {
    setStatus("starting the solver…");
    await ensureReady(state, backend);
    const client = /** @type {SolverClient} */ (state.client);
    setStatus("solving…");
    const result = await client.solve(
      JSON.stringify(task),
      getTestIndex(),
      { augmentations, steps, earlyHalting: input("solve-early-halting").checked },
      showStep,
      controller.signal,
    );
    showResult(result);
    setStatus("done");
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (controller.signal.aborted) setStatus("cancelled");
    else {
      setStatus("failed");
      showError(message);
    }
  } finally {
    state.running = null;
    setRunning(false);
  }
}

/** @param {StepReport} report */
function showStep(report) {
  const progress = /** @type {HTMLProgressElement} */ (element("solve-progress"));
  progress.value = report.progress;
  const last = report.firstAugmentation + report.predictions.length;
  setStatus(
    `step ${report.step} of ${report.steps}, augmentations ${report.firstAugmentation + 1}-${last} of ${report.augmentations}`,
  );

  const view = element("solve-step");
  view.replaceChildren();
  for (const prediction of report.predictions) {
    const title = `Augmentation ${prediction.augmentation + 1}, step ${report.step}: q_halt ${prediction.qHalt.toFixed(3)}`;
    view.append(predictionFigure(title, prediction.grid));
  }
}

/** @param {SolveResult} result */
function showResult(result) {
  const tally = element("solve-tally");
  const rows = result.tally.map(
    (entry, rank) =>
      `<tr><td>${rank + 1}</td><td>${entry.grid ? `${entry.grid.length} x ${entry.grid[0].length}` : "empty"}</td>` +
      `<td>${entry.votes}</td><td>${entry.meanConfidence.toFixed(3)}</td></tr>`,
  );
  tally.innerHTML =
    `<table><caption>Vote tally</caption><thead><tr><th>Rank</th><th>Size</th><th>Votes</th>` +
    `<th>Mean q_halt</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;

  const attempts = element("solve-attempts");
  attempts.replaceChildren();
  if (!result.attempts) {
    attempts.textContent = "Every prediction cropped to an empty grid, so there are no attempts.";
    return;
  }
  result.attempts.forEach((grid, index) => {
    const figure = predictionFigure(`Attempt ${index + 1}`, grid);
    const use = document.createElement("button");
    use.type = "button";
    use.textContent = "Use this";
    use.className = "solve-use";
    use.addEventListener("click", () => setEditorGrid(grid));
    figure.append(use);
    attempts.append(figure);
  });
}

/**
 * @param {string} title
 * @param {number[][] | null} grid
 */
function predictionFigure(title, grid) {
  if (grid) return gridFigure(title, grid, { numbers: false, maxPixels: GRID_PIXELS });
  const figure = document.createElement("figure");
  figure.className = "grid-figure";
  figure.textContent = `${title}: the prediction crops to an empty grid`;
  return figure;
}

/**
 * @param {PanelState} state
 * @param {"webgpu" | "cpu" | "auto"} backend
 */
async function loadCheckpoint(state, backend) {
  const config = input("solve-config-file").files?.[0];
  const weights = input("solve-weights-file").files?.[0];
  const mean = input("solve-mean-file").files?.[0];
  if (!config || !weights) {
    showError("Choose a config file and a weights file first.");
    return;
  }
  hideError();
  try {
    setStatus("loading the checkpoint…");
    await ensureReady(state, backend);
    const client = /** @type {SolverClient} */ (state.client);
    showModel(await client.loadModel(await config.text(), await weights.arrayBuffer(), weights.name, await mean?.arrayBuffer()));
    setStatus("checkpoint loaded");
  } catch (error) {
    setStatus("failed");
    showError(error instanceof Error ? error.message : String(error));
  }
}

/** @param {boolean} running */
function setRunning(running) {
  /** @type {HTMLButtonElement} */ (element("solve-start")).disabled = running;
  /** @type {HTMLButtonElement} */ (element("solve-cancel")).disabled = !running;
  /** @type {HTMLButtonElement} */ (element("solve-load")).disabled = running;
}

function clearResults() {
  hideError();
  /** @type {HTMLProgressElement} */ (element("solve-progress")).value = 0;
  element("solve-step").replaceChildren();
  element("solve-tally").replaceChildren();
  element("solve-attempts").replaceChildren();
  setStatus("");
}

/** @param {string} text */
function setStatus(text) {
  element("solve-status").textContent = text;
}

/** @param {string} message */
function showError(message) {
  const error = element("solve-error");
  error.hidden = false;
  error.textContent = message;
}

function hideError() {
  element("solve-error").hidden = true;
}
