// @ts-check
// The Solve panel: runs the model on the open task's test input in the
// solver worker, shows every ACT step's prediction with its q_halt
// confidence, the vote tally and the two attempts, and copies an attempt
// into the editor on request. It also fine-tunes the model on the task's
// demonstrations, with progress, a loss curve and cancel.

import { getCurrentTask, getCurrentTaskId, getTestIndex, onTaskChange, setEditorGrid } from "../app.js";
import { describeWebGpuAdapter } from "../device.js";
import { gridFigure } from "../render.js";
import { SolverClient } from "./client.js";

/** @typedef {import("./client.js").StepReport} StepReport */
/** @typedef {import("./client.js").SolveResult} SolveResult */
/** @typedef {import("./client.js").FinetuneProgress} FinetuneProgress */
/** @typedef {import("./client.js").FinetuneSummary} FinetuneSummary */

const GRID_PIXELS = 180;

const PANEL = `
  <h2>Solve</h2>
  <dl class="solve-facts">
    <dt>Backend</dt><dd id="solve-backend">not started</dd>
    <dt>Model</dt><dd id="solve-model">not loaded</dd>
    <dt>Puzzle rows</dt><dd id="solve-shard">none loaded: every augmentation uses row 0</dd>
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
  <details class="solve-finetune">
    <summary>Fine-tune on the demonstrations</summary>
    <p>Trains the model on this task's demonstration pairs under augmentations, each with its own
      puzzle-embedding row; Solve then votes over the same augmentations. Cancel keeps the best step so far.</p>
    <div class="solve-options">
      <label>Steps <input id="finetune-steps" type="number" min="1" max="100000" value="100" /></label>
      <label>Time budget (s) <input id="finetune-budget" type="number" min="1" value="600" /></label>
      <label>Augmentations <input id="finetune-augmentations" type="number" min="1" max="64" value="8" /></label>
      <label>Train
        <select id="finetune-mode">
          <option value="embedding">the puzzle rows only</option>
          <option value="full">every weight (small models)</option>
        </select>
      </label>
    </div>
    <div class="solve-actions">
      <button id="finetune-start" type="button">Fine-tune</button>
      <progress id="finetune-progress" max="1" value="0" aria-label="Fine-tuning progress"></progress>
      <span id="finetune-status" aria-live="polite"></span>
    </div>
    <svg id="finetune-curve" class="finetune-curve" viewBox="0 0 300 100" preserveAspectRatio="none"
      role="img" aria-label="Cross-entropy on the demonstrations per fine-tuning step"><polyline points="" /></svg>
  </details>
  <div id="solve-step" class="solve-step"></div>
  <div id="solve-tally" class="solve-tally"></div>
  <div id="solve-attempts" class="solve-attempts"></div>
  <details class="solve-load">
    <summary>Load a checkpoint</summary>
    <p>A config as JSON with the official field names, weights as <code>.safetensors</code> or PyTorch
      <code>.pt</code>, and optionally the <code>mean.safetensors</code> and this task's shard from the
      <code>puzzle_emb/</code> folder that <code>ponder convert</code> writes.</p>
    <label>Config <input id="solve-config-file" type="file" accept=".json,application/json" /></label>
    <label>Weights <input id="solve-weights-file" type="file" accept=".safetensors,.pt" /></label>
    <label>Mean row <input id="solve-mean-file" type="file" accept=".safetensors" /></label>
    <label>Task shard <input id="solve-shard-file" type="file" accept=".safetensors" /></label>
    <button id="solve-load" type="button">Load</button>
    <p>Or from a URL: a folder that holds <code>config.json</code> and <code>model.safetensors</code>, and
      optionally <code>puzzle_emb/</code> as <code>ponder convert</code> writes it. The shard of each task
      you solve is then fetched when you press Solve.</p>
    <label>Folder URL <input id="solve-model-url" type="url" placeholder="https://example.org/ponder-model/" /></label>
    <button id="solve-load-url" type="button">Load from URL</button>
  </details>
`;

/**
 * @typedef {object} PanelState
 * @property {SolverClient | null} client
 * @property {Promise<void> | null} ready resolves once the backend and a model are loaded
 * @property {AbortController | null} running the solve in progress
 * @property {RemoteModel | null} remote the model loaded from a URL, whose task shards are fetched on demand
 * @property {string | null} shardTask the task whose shard is loaded
 *
 * @typedef {object} RemoteModel
 * @property {URL} base the folder, ending in a slash
 * @property {{ tasks: Record<string, { file: string, rows: number }> } | null} index `puzzle_emb/index.json`, if the folder has one
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
  const state = { client: null, ready: null, running: null, remote: null, shardTask: null };
  const backend = options.backend ?? "auto";

  element("solve-start").addEventListener("click", () => runSolve(state, backend));
  element("finetune-start").addEventListener("click", () => runFinetune(state, backend));
  element("solve-cancel").addEventListener("click", () => state.running?.abort());
  element("solve-load").addEventListener("click", () => loadCheckpoint(state, backend));
  element("solve-load-url").addEventListener("click", () => loadFromUrl(state, backend));
  onTaskChange(() => {
    clearResults();
    // What was fine-tuned belongs to the previous task.
    setFinetuneStatus("");
    /** @type {HTMLProgressElement} */ (element("finetune-progress")).value = 0;
    drawLossCurve([]);
  });
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
    const taskId = getCurrentTaskId();
    await fetchShardFor(state, client, taskId);
    setStatus("solving…");
    const result = await client.solve(
      JSON.stringify(task),
      getTestIndex(),
      { augmentations, steps, earlyHalting: input("solve-early-halting").checked, taskId: taskId ?? undefined },
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

/**
 * Reads a whole number from `id` in `min..max`, or shows an error naming the field.
 * @param {string} id
 * @param {string} name
 * @param {number} min
 * @param {number} max
 * @returns {number | null}
 */
function wholeNumber(id, name, min, max) {
  const text = input(id).value;
  const value = Number(text);
  if (text.trim() === "" || !Number.isInteger(value) || value < min || value > max) {
    showError(`${name} must be a whole number from ${min} to ${max}, not "${text}".`);
    return null;
  }
  return value;
}

/**
 * @param {PanelState} state
 * @param {"webgpu" | "cpu" | "auto"} backend
 */
async function runFinetune(state, backend) {
  const task = getCurrentTask();
  if (!task) {
    showError("Open a task first.");
    return;
  }
  hideError();
  const steps = wholeNumber("finetune-steps", "Steps", 1, 100000);
  const budget = steps === null ? null : wholeNumber("finetune-budget", "The time budget", 1, 86400);
  const augmentations = budget === null ? null : wholeNumber("finetune-augmentations", "Augmentations", 1, 64);
  if (steps === null || budget === null || augmentations === null) return;
  const mode = /** @type {"embedding" | "full"} */ (/** @type {HTMLSelectElement} */ (element("finetune-mode")).value);

  /** @type {FinetuneProgress[]} */
  const history = [];
  drawLossCurve(history);
  setRunning(true);
  const controller = new AbortController();
  state.running = controller;
  try {
    setFinetuneStatus("starting the solver…");
    await ensureReady(state, backend);
    const client = /** @type {SolverClient} */ (state.client);
    setFinetuneStatus("fine-tuning…");
    const summary = await client.finetune(
      JSON.stringify(task),
      { steps, timeBudgetMs: budget * 1000, augmentations, mode },
      (progress) => {
        history.push(progress);
        showFinetuneStep(progress);
        drawLossCurve(history);
      },
      controller.signal,
    );
    setFinetuneStatus(finetuneSummaryText(summary));
  } catch (error) {
    setFinetuneStatus("failed");
    showError(error instanceof Error ? error.message : String(error));
  } finally {
    state.running = null;
    setRunning(false);
  }
}

/** @param {FinetuneProgress} progress */
function showFinetuneStep(progress) {
  /** @type {HTMLProgressElement} */ (element("finetune-progress")).value = progress.step / progress.steps;
  setFinetuneStatus(
    `step ${progress.step} of ${progress.steps}: cross-entropy ${progress.lmLoss.toFixed(4)}, ` +
      `accuracy ${progress.accuracy.toFixed(3)}, exact ${progress.exactAccuracy.toFixed(3)}`,
  );
}

/** @param {FinetuneSummary} summary */
function finetuneSummaryText(summary) {
  const why = { steps: "all steps ran", timeBudget: "the time budget ran out", cancelled: "cancelled" }[summary.stopped];
  const best = summary.best
    ? `kept step ${summary.best.step} (cross-entropy ${summary.best.lmLoss.toFixed(4)})`
    : "no step finished, the model is unchanged";
  return `fine-tuned: ${summary.stepsRun} steps, ${why}; ${best}. Solve now uses it for this task.`;
}

/**
 * Draws the cross-entropy on the demonstrations of every step so far as a
 * line, scaled to the highest value. The official loss also has a q_halt
 * term, which grows while the Q-head learns that predictions turned right, so
 * the curve leaves it out.
 * @param {FinetuneProgress[]} history
 */
function drawLossCurve(history) {
  const line = /** @type {SVGPolylineElement} */ (element("finetune-curve").querySelector("polyline"));
  const highest = Math.max(...history.map((progress) => progress.lmLoss), Number.MIN_VALUE);
  const last = Math.max(history.length - 1, 1);
  const points = history.map((progress, index) => {
    const x = (index / last) * 300;
    const y = 100 - (progress.lmLoss / highest) * 95;
    return `${x.toFixed(1)},${y.toFixed(1)}`;
  });
  line.setAttribute("points", points.join(" "));
}

/** @param {string} text */
function setFinetuneStatus(text) {
  element("finetune-status").textContent = text;
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
  const shard = input("solve-shard-file").files?.[0];
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
    state.remote = null;
    showShard(state, null);
    if (shard) showShard(state, await client.loadEmbeddingShard(await shard.arrayBuffer(), shard.name));
    setStatus("checkpoint loaded");
  } catch (error) {
    setStatus("failed");
    showError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * Loads `config.json`, `model.safetensors` and, when present, the mean row and
 * the shard index from the folder URL in the Load section.
 * @param {PanelState} state
 * @param {"webgpu" | "cpu" | "auto"} backend
 */
async function loadFromUrl(state, backend) {
  const text = input("solve-model-url").value.trim();
  let base;
  try {
    base = new URL(text.endsWith("/") ? text : `${text}/`, location.href);
  } catch {
    showError(`"${text}" is not a valid URL.`);
    return;
  }
  hideError();
  try {
    setStatus("downloading the model…");
    const [config, weights, mean, index] = await Promise.all([
      fetchBytes(new URL("config.json", base), true),
      fetchBytes(new URL("model.safetensors", base), true),
      fetchBytes(new URL("puzzle_emb/mean.safetensors", base), false),
      fetchBytes(new URL("puzzle_emb/index.json", base), false),
    ]);
    await ensureReady(state, backend);
    const client = /** @type {SolverClient} */ (state.client);
    setStatus("loading the model…");
    const configText = new TextDecoder().decode(/** @type {ArrayBuffer} */ (config));
    showModel(await client.loadModel(configText, /** @type {ArrayBuffer} */ (weights), "model.safetensors", mean ?? undefined));
    state.remote = { base, index: index ? JSON.parse(new TextDecoder().decode(index)) : null };
    showShard(state, null);
    setStatus("checkpoint loaded");
  } catch (error) {
    setStatus("failed");
    showError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * Fetches `url`; a missing optional file gives null.
 * @param {URL} url
 * @param {boolean} required
 * @returns {Promise<ArrayBuffer | null>}
 */
async function fetchBytes(url, required) {
  const response = await fetch(url);
  if (response.ok) return response.arrayBuffer();
  if (!required && response.status === 404) return null;
  throw new Error(`Downloading ${url.href} failed: HTTP ${response.status} ${response.statusText}`.trim());
}

/**
 * Loads the open task's shard from the URL model's `puzzle_emb/`, when it has one
 * and it is not loaded yet.
 * @param {PanelState} state
 * @param {SolverClient} client
 * @param {string | null} taskId
 */
async function fetchShardFor(state, client, taskId) {
  const entry = taskId && state.remote?.index?.tasks[taskId];
  if (!state.remote || !entry || state.shardTask === taskId) return;
  setStatus(`downloading the puzzle rows of ${taskId}…`);
  const url = new URL(`puzzle_emb/${entry.file}`, state.remote.base);
  const bytes = /** @type {ArrayBuffer} */ (await fetchBytes(url, true));
  showShard(state, await client.loadEmbeddingShard(bytes, entry.file));
}

/**
 * @param {PanelState} state
 * @param {{ taskId: string, rows: number } | null} shard
 */
function showShard(state, shard) {
  state.shardTask = shard?.taskId ?? null;
  element("solve-shard").textContent = shard
    ? `${shard.rows} trained rows of task ${shard.taskId}, used when that task is open`
    : "none loaded: every augmentation uses row 0";
}

/** @param {boolean} running */
function setRunning(running) {
  /** @type {HTMLButtonElement} */ (element("solve-start")).disabled = running;
  /** @type {HTMLButtonElement} */ (element("solve-cancel")).disabled = !running;
  /** @type {HTMLButtonElement} */ (element("solve-load")).disabled = running;
  /** @type {HTMLButtonElement} */ (element("solve-load-url")).disabled = running;
  /** @type {HTMLButtonElement} */ (element("finetune-start")).disabled = running;
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
