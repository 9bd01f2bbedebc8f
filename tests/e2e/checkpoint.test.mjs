// Solving and fine-tuning in the page with a checkpoint loaded from files:
// the small HRM of the golden cases (hidden 64), which runs an ACT step in
// seconds under SwiftShader. The panel must name the model's family and show
// a prediction after every step and two attempts. On the CPU fallback it must
// also fine-tune with progress and a loss curve, stop on Cancel keeping the
// best step, and then solve over the augmentations it learned. Last, the
// small TRM loads from a folder URL on another origin, with the open task's
// embedding shard fetched when Solve is pressed.

import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { ARTIFACTS, launchChromium } from "./browser.mjs";
import { serveDirectory } from "./server.mjs";

const DIST = process.env.PONDER_DIST;
const TASK_LINK = "?dataset=arc-agi-1/training&task=007bbfb7";
const FIXTURES = new URL("../../crates/ponder-model/tests/fixtures/", import.meta.url);
const CONFIG = fileURLToPath(new URL("hrm_arc_small.config.json", FIXTURES));
const WEIGHTS = fileURLToPath(new URL("hrm_arc_small.safetensors", FIXTURES));
/** Starting the worker builds the full-size default model first; then each step takes seconds. */
const STEP_TIMEOUT_MS = 5 * 60_000;

/** @type {{ url: string, close: () => Promise<void> }} */
let server;

before(async () => {
  assert.ok(DIST, "PONDER_DIST must name the built web app (cargo xtask test sets it)");
  server = await serveDirectory(DIST);
  await mkdir(ARTIFACTS, { recursive: true });
});

after(async () => {
  await server?.close();
});

/**
 * Opens the task with the solver on `backend` and loads the HRM checkpoint from its files.
 * @param {import("playwright-core").Browser} browser
 * @param {string} backend
 */
async function openWithCheckpoint(browser, backend) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(`${server.url}${TASK_LINK}&backend=${backend}`);
  await page.waitForSelector("#solve-start");

  await page.click(".solve-load summary");
  await page.setInputFiles("#solve-config-file", CONFIG);
  await page.setInputFiles("#solve-weights-file", WEIGHTS);
  await page.click("#solve-load");
  await page.waitForFunction(() => document.getElementById("solve-status")?.textContent === "checkpoint loaded", null, {
    timeout: STEP_TIMEOUT_MS,
  });
  return { page, errors };
}

/**
 * Presses Solve with `augmentations` and 2 ACT steps and returns every
 * status line shown while it ran.
 * @param {import("playwright-core").Page} page
 * @param {number} augmentations
 */
async function solve(page, augmentations) {
  await page.fill("#solve-augmentations", String(augmentations));
  await page.fill("#solve-steps", "2");
  await page.evaluate(() => {
    const seen = (/** @type {any} */ (window).solveStatuses = []);
    const status = /** @type {Node} */ (document.getElementById("solve-status"));
    new MutationObserver(() => seen.push(status.textContent)).observe(status, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
  await page.click("#solve-start");
  await page.waitForFunction(() => document.getElementById("solve-status")?.textContent === "done", null, {
    timeout: STEP_TIMEOUT_MS,
  });
  return {
    statuses: /** @type {string[]} */ (await page.evaluate(() => /** @type {any} */ (window).solveStatuses)),
    stepFigures: await page.locator("#solve-step figure").count(),
    attempts: await page.locator("#solve-attempts figure").count(),
    votes: await page.$$eval("#solve-tally tbody tr td:nth-child(3)", (cells) =>
      cells.reduce((sum, cell) => sum + Number(cell.textContent), 0),
    ),
  };
}

/**
 * Fine-tunes with the panel's controls and waits for the summary line.
 * @param {import("playwright-core").Page} page
 * @param {{ steps: number, cancelAfterFirstStep?: boolean }} options
 */
async function finetune(page, options) {
  if (!(await page.isVisible("#finetune-start"))) await page.click(".solve-finetune summary");
  await page.fill("#finetune-steps", String(options.steps));
  await page.fill("#finetune-augmentations", "2");
  await page.selectOption("#finetune-mode", "embedding");
  await page.click("#finetune-start");
  if (options.cancelAfterFirstStep) {
    await page.waitForFunction(() => document.getElementById("finetune-status")?.textContent?.startsWith("step 1 of"), null, {
      timeout: STEP_TIMEOUT_MS,
    });
    await page.click("#solve-cancel");
  }
  await page.waitForFunction(() => /^fine-tuned|^failed/.test(document.getElementById("finetune-status")?.textContent ?? ""), null, {
    timeout: STEP_TIMEOUT_MS,
  });
  return {
    status: await page.textContent("#finetune-status"),
    error: (await page.isVisible("#solve-error")) ? await page.textContent("#solve-error") : null,
    curvePoints: (await page.getAttribute("#finetune-curve polyline", "points"))?.trim().split(/\s+/).filter(Boolean).length ?? 0,
    progress: await page.$eval("#finetune-progress", (bar) => /** @type {HTMLProgressElement} */ (bar).value),
  };
}

test("an HRM checkpoint loaded from files solves on WebGPU", { timeout: 3 * STEP_TIMEOUT_MS }, async () => {
  const browser = await launchChromium({ webgpu: true });
  try {
    const { page, errors } = await openWithCheckpoint(browser, "webgpu");
    assert.match((await page.textContent("#solve-model")) ?? "", /^hrm_arc_small\.safetensors \(HRM, [\d,]+ parameters\)$/);
    assert.equal(await page.isVisible("#solve-untrained"), false);
    assert.match((await page.textContent("#solve-backend")) ?? "", /^webgpu on .*swiftshader/i);

    const solved = await solve(page, 2);
    assert.ok(solved.statuses.includes("step 1 of 2, augmentations 1-2 of 2"), JSON.stringify(solved.statuses));
    assert.ok(solved.statuses.includes("step 2 of 2, augmentations 1-2 of 2"), JSON.stringify(solved.statuses));
    assert.equal(solved.stepFigures, 2);
    assert.equal(solved.attempts, 2);
    assert.equal(solved.votes, 2);

    await page.screenshot({ path: fileURLToPath(new URL("checkpoint-webgpu.png", ARTIFACTS)), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

// Fine-tuning runs on the CPU fallback: under SwiftShader one training step
// of this model takes minutes on 2 cores, on the wasm CPU seconds.
test("an HRM checkpoint solves and fine-tunes on the CPU fallback", { timeout: 4 * STEP_TIMEOUT_MS }, async () => {
  const browser = await launchChromium({ webgpu: false });
  try {
    const { page, errors } = await openWithCheckpoint(browser, "auto");
    assert.equal(await page.textContent("#solve-backend"), "cpu on CPU (burn Flex)");
    assert.match((await page.textContent("#solve-fallback")) ?? "", /^Running on the CPU because WebGPU is not available/);

    const solved = await solve(page, 2);
    assert.ok(solved.statuses.includes("step 2 of 2, augmentations 1-2 of 2"), JSON.stringify(solved.statuses));
    assert.equal(solved.attempts, 2);

    const tuned = await finetune(page, { steps: 3 });
    assert.equal(tuned.error, null);
    assert.match(tuned.status ?? "", /^fine-tuned: 3 steps, all steps ran; kept step [123] \(cross-entropy \d+\.\d{4}\)\. Solve now uses it for this task\.$/);
    assert.equal(tuned.curvePoints, 3);
    assert.equal(tuned.progress, 1);

    const stopped = await finetune(page, { steps: 1000, cancelAfterFirstStep: true });
    assert.equal(stopped.error, null);
    assert.match(stopped.status ?? "", /^fine-tuned: \d+ steps, cancelled; kept step \d+ /);
    const stepsRun = Number(/fine-tuned: (\d+) steps/.exec(stopped.status ?? "")?.[1]);
    assert.ok(stepsRun >= 1, `no step ran before Cancel: ${stopped.status}`);
    assert.ok(stepsRun <= 3, `Cancel stops within a step or two, not after ${stepsRun} steps`);

    // Solve now votes over the two fine-tuned augmentations, whatever the Augmentations field is set to.
    const afterTuning = await solve(page, 5);
    assert.ok(afterTuning.statuses.includes("step 2 of 2, augmentations 1-2 of 2"), JSON.stringify(afterTuning.statuses));
    assert.equal(afterTuning.votes, 2);
    assert.equal(afterTuning.attempts, 2);

    await page.screenshot({ path: fileURLToPath(new URL("checkpoint-cpu.png", ARTIFACTS)), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

/**
 * Reads the tensors of a safetensors file as `{ name: { dtype, shape, bytes } }`.
 * @param {Buffer} file
 */
function readSafetensors(file) {
  const headerLength = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + headerLength).toString("utf8"));
  const data = file.subarray(8 + headerLength);
  /** @type {Record<string, { dtype: string, shape: number[], bytes: Buffer }>} */
  const tensors = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    tensors[name] = { dtype: entry.dtype, shape: entry.shape, bytes: data.subarray(entry.data_offsets[0], entry.data_offsets[1]) };
  }
  return tensors;
}

/**
 * Writes a safetensors file of `tensors` (in order) with `metadata`.
 * @param {[string, { dtype: string, shape: number[], bytes: Buffer }][]} tensors
 * @param {Record<string, string>} metadata
 */
function writeSafetensors(tensors, metadata) {
  /** @type {Record<string, unknown>} */
  const header = { __metadata__: metadata };
  let offset = 0;
  for (const [name, tensor] of tensors) {
    header[name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + tensor.bytes.length] };
    offset += tensor.bytes.length;
  }
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, ...tensors.map(([, tensor]) => tensor.bytes)]);
}

/**
 * Lays out the golden arc_small checkpoint as a model folder: `config.json`,
 * `model.safetensors`, and `puzzle_emb/` with a shard of task 007bbfb7 that
 * contains rows 1 and 3 of its table, in the format `ponder convert` writes.
 * @param {string} folder
 */
async function writeModelFolder(folder) {
  await mkdir(join(folder, "puzzle_emb", "tasks"), { recursive: true });
  await writeFile(join(folder, "config.json"), await readFile(new URL("arc_small.config.json", FIXTURES)));
  const weights = await readFile(new URL("arc_small.safetensors", FIXTURES));
  await writeFile(join(folder, "model.safetensors"), weights);

  const table = readSafetensors(weights)["_orig_mod.model.inner.puzzle_emb.weights"];
  const width = table.shape[1];
  const rows = [1, 3];
  const rowBytes = rows.map((row) => table.bytes.subarray(row * width * 4, (row + 1) * width * 4));
  const rowIds = Buffer.alloc(4 * rows.length);
  rows.forEach((row, index) => rowIds.writeInt32LE(row, 4 * index));
  const shard = writeSafetensors(
    [
      ["weights", { dtype: "F32", shape: [rows.length, width], bytes: Buffer.concat(rowBytes) }],
      ["row_ids", { dtype: "I32", shape: [rows.length], bytes: rowIds }],
    ],
    {
      format: "ponder-puzzle-emb/1",
      task_id: "007bbfb7",
      names: JSON.stringify(["007bbfb7", "007bbfb7|||t1|||0123456789"]),
    },
  );
  await writeFile(join(folder, "puzzle_emb", "tasks", "007bbfb7.safetensors"), shard);
  const index = {
    format: "ponder-puzzle-emb/1",
    puzzle_emb_ndim: width,
    rows: table.shape[0],
    dtype: "F32",
    mean_file: "mean.safetensors",
    tasks: { "007bbfb7": { file: "tasks/007bbfb7.safetensors", rows: rows.length } },
  };
  await writeFile(join(folder, "puzzle_emb", "index.json"), JSON.stringify(index));
}

test("a model folder URL loads with the open task's shard", { timeout: 3 * STEP_TIMEOUT_MS }, async () => {
  const folder = await mkdtemp(join(tmpdir(), "ponder-model-"));
  const models = await serveDirectory(folder, { cors: true });
  const browser = await launchChromium({ webgpu: true });
  try {
    await writeModelFolder(folder);
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${server.url}${TASK_LINK}&backend=webgpu`);
    await page.waitForSelector("#solve-start");

    await page.click(".solve-load summary");
    await page.fill("#solve-model-url", `${models.url}`);
    await page.click("#solve-load-url");
    await page.waitForFunction(() => /^(checkpoint loaded|failed)$/.test(document.getElementById("solve-status")?.textContent ?? ""), null, {
      timeout: STEP_TIMEOUT_MS,
    });
    const loadError = (await page.isVisible("#solve-error")) ? await page.textContent("#solve-error") : null;
    assert.equal(loadError, null);
    assert.match((await page.textContent("#solve-model")) ?? "", /^model\.safetensors \(TRM, [\d,]+ parameters\)$/);

    // The shard has two rows, so Solve runs two augmentations whatever the Augmentations field is set to.
    const solved = await solve(page, 5);
    assert.ok(solved.statuses.includes("downloading the puzzle rows of 007bbfb7…"), JSON.stringify(solved.statuses));
    assert.ok(solved.statuses.includes("step 2 of 2, augmentations 1-2 of 2"), JSON.stringify(solved.statuses));
    assert.equal(solved.votes, 2);
    assert.equal(await page.textContent("#solve-shard"), "2 trained rows of task 007bbfb7, used when that task is open");

    await page.screenshot({ path: fileURLToPath(new URL("checkpoint-url.png", ARTIFACTS)), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await models.close();
    await rm(folder, { recursive: true, force: true });
  }
});
