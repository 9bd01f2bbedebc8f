// @ts-check
// The bench page: profiles one ACT step of the embedded model in the solver's
// worker and shows each part's time with the WGSL kernels off and on. The
// finished table is also written as plain text, which `cargo xtask
// bench-browser` reads from `#bench-text`.

import { SolverClient } from "./solve/client.js";

/** @typedef {import("./solve/client.js").ProfileRow} ProfileRow */
/** @typedef {import("./solve/client.js").ProfileReport} ProfileReport */

const form = /** @type {HTMLFormElement} */ (document.getElementById("bench-form"));
const runButton = /** @type {HTMLButtonElement} */ (document.getElementById("bench-run"));
const cancelButton = /** @type {HTMLButtonElement} */ (document.getElementById("bench-cancel"));
const status = /** @type {HTMLElement} */ (document.getElementById("bench-status"));
const progress = /** @type {HTMLProgressElement} */ (document.getElementById("bench-progress"));
const table = /** @type {HTMLTableElement} */ (document.getElementById("bench-table"));
const text = /** @type {HTMLElement} */ (document.getElementById("bench-text"));

/**
 * Rows of the profile: the mixer, its core, the MLP, its activation, the
 * norms, and attention with its gradient as fine-tuning runs it.
 */
const EXPECTED_ROWS = 6;

/** @type {AbortController | null} */
let running = null;

/** @param {number} ms */
function formatMs(ms) {
  return `${ms.toFixed(1)} ms`;
}

/**
 * @param {number} part
 * @param {number} whole
 */
function formatShare(part, whole) {
  return whole > 0 ? `${Math.round((100 * part) / whole)}%` : "-";
}

/**
 * Lists the rows to show: each part, then, when the whole step was timed, what
 * the parts leave out and the step itself.
 * @param {ProfileReport} report
 */
function rowsOf(report) {
  const rows = report.parts.map((row) => ({ part: row.part, timed: `${row.timedCalls} of ${row.calls}`, off: row.offMs, on: row.onMs }));
  const sum = (/** @type {"offMs" | "onMs"} */ key) =>
    report.parts.filter((row) => !row.nested && row.inStep).reduce((total, row) => total + row[key], 0);
  if (report.stepOffMs !== undefined && report.stepOnMs !== undefined) {
    rows.push({
      part: "everything else",
      timed: "-",
      off: Math.max(0, report.stepOffMs - sum("offMs")),
      on: Math.max(0, report.stepOnMs - sum("onMs")),
    });
    rows.push({ part: "whole ACT step", timed: "1 of 1", off: report.stepOffMs, on: report.stepOnMs });
    return { rows, totalOff: report.stepOffMs, totalOn: report.stepOnMs };
  }
  rows.push({ part: "sum of the parts", timed: "-", off: sum("offMs"), on: sum("onMs") });
  return { rows, totalOff: sum("offMs"), totalOn: sum("onMs") };
}

/**
 * Fills the table and the plain-text copy from a finished report.
 * @param {ProfileReport} report
 * @param {string} title
 */
function showReport(report, title) {
  const { rows, totalOff, totalOn } = rowsOf(report);
  const cells = rows.map((row) => [
    row.part,
    row.timed,
    formatMs(row.off),
    formatShare(row.off, totalOff),
    formatMs(row.on),
    formatShare(row.on, totalOn),
    row.off > 0 ? (row.on / row.off).toFixed(2) : "-",
  ]);

  const body = /** @type {HTMLTableSectionElement} */ (table.tBodies[0]);
  body.replaceChildren(
    ...cells.map((values) => {
      const tr = document.createElement("tr");
      for (const value of values) {
        const td = document.createElement("td");
        td.textContent = value;
        tr.append(td);
      }
      return tr;
    }),
  );
  table.hidden = false;

  const header = ["part", "calls timed", "kernels off", "share", "kernels on", "share", "on / off"];
  const widths = header.map((name, column) => Math.max(name.length, ...cells.map((values) => values[column].length)));
  const line = (/** @type {string[]} */ values) =>
    values.map((value, column) => (column === 0 ? value.padEnd(widths[column]) : value.padStart(widths[column]))).join("  ");
  text.textContent = [title, line(header), ...cells.map(line)].join("\n");
}

/**
 * @param {string} message
 * @param {"running" | "done" | "error" | "cancelled"} state
 */
function setStatus(message, state) {
  status.textContent = message;
  status.classList.toggle("error", state === "error");
  document.body.dataset.benchState = state;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (running) return;
  const backend = /** @type {"webgpu" | "cpu"} */ (/** @type {HTMLSelectElement} */ (document.getElementById("bench-backend")).value);
  const batch = Number(/** @type {HTMLInputElement} */ (document.getElementById("bench-batch")).value);
  const sample = /** @type {HTMLInputElement} */ (document.getElementById("bench-sample")).value;
  const wholeStep = /** @type {HTMLInputElement} */ (document.getElementById("bench-step")).checked;
  /** @type {{ batch: number, sampleCalls?: number, wholeStep: boolean }} */
  const options = { batch, wholeStep };
  if (sample !== "") options.sampleCalls = Number(sample);

  running = new AbortController();
  runButton.disabled = true;
  cancelButton.disabled = false;
  progress.value = 0;
  table.hidden = true;
  text.textContent = "";
  const client = new SolverClient();
  try {
    setStatus("Starting the solver…", "running");
    const info = await client.init(backend);
    setStatus(`Building the model on ${info.adapter}…`, "running");
    await client.loadArcAgi1Shape();
    let done = 0;
    setStatus(`Profiling on ${info.adapter}, batch ${batch}…`, "running");
    const report = await client.profile(
      options,
      (row) => {
        done += 1;
        progress.value = done / EXPECTED_ROWS;
        setStatus(`Profiling on ${info.adapter}, batch ${batch}: ${row.part.trim()} done (${done} of ${EXPECTED_ROWS}).`, "running");
      },
      running.signal,
    );
    progress.value = 1;
    let title = `Profile: ${info.backend} (${info.adapter}), batch ${report.batch}, per ACT step`;
    if (info.backend === "cpu") title += "\nThe kernels run only on WebGPU, so on the CPU both columns time burn's operations.";
    else if (report.fusion) title += "\nThis build runs burn's fusion, and the kernels do not run on fused tensors, so both columns time burn's fused operations.";
    showReport(report, title);
    setStatus(`Done on ${info.adapter}.`, "done");
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    setStatus(running.signal.aborted ? "Cancelled." : `The profile failed: ${message}`, running.signal.aborted ? "cancelled" : "error");
  } finally {
    client.terminate();
    running = null;
    runButton.disabled = false;
    cancelButton.disabled = true;
  }
});

cancelButton.addEventListener("click", () => running?.abort());
