// Solving in the page that `cargo xtask serve` builds with the embedded
// default model (Ponder's ARC architecture, hidden 64) in the solver worker,
// on WebGPU and on the CPU fallback with WebGPU disabled: a prediction after
// every ACT step, the vote tally, two attempts and "Use this". One
// augmentation and two ACT steps.

import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { ARTIFACTS, launchChromium } from "../e2e/browser.mjs";
import { serveDirectory } from "../e2e/server.mjs";

const DIST = process.env.PONDER_DIST;
const TASK_LINK = "?dataset=arc-agi-1/training&task=007bbfb7";
/** An ACT step of the default model takes seconds on wasm CPU and up to a minute under SwiftShader. */
const SOLVE_TIMEOUT_MS = 5 * 60_000;

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
 * Opens the task with the solver on `backend`, runs a short solve and
 * returns what the panel showed after every step and at the end.
 * @param {{ webgpu: boolean, backend: string, screenshot: string }} options
 */
async function solveInPage(options) {
  const browser = await launchChromium({ webgpu: options.webgpu });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${server.url}${TASK_LINK}&backend=${options.backend}`);
    await page.waitForSelector("#solve-start");

    await page.fill("#solve-augmentations", "1");
    await page.fill("#solve-steps", "2");
    // Record every status line the panel shows while solving.
    await page.evaluate(() => {
      const seen = (/** @type {any} */ (window).solveStatuses = []);
      const status = document.getElementById("solve-status");
      new MutationObserver(() => seen.push(status?.textContent)).observe(/** @type {Node} */ (status), {
        childList: true,
        characterData: true,
        subtree: true,
      });
    });
    await page.click("#solve-start");
    await page.waitForFunction(() => document.getElementById("solve-status")?.textContent === "done", null, {
      timeout: SOLVE_TIMEOUT_MS,
    });

    const shown = {
      statuses: await page.evaluate(() => /** @type {any} */ (window).solveStatuses),
      backend: await page.textContent("#solve-backend"),
      model: await page.textContent("#solve-model"),
      fallback: (await page.isVisible("#solve-fallback")) ? await page.textContent("#solve-fallback") : null,
      untrained: await page.isVisible("#solve-untrained"),
      stepFigures: await page.locator("#solve-step figure").count(),
      attempts: await page.locator("#solve-attempts figure").count(),
      tallyVotes: await page.$$eval("#solve-tally tbody tr td:nth-child(3)", (cells) =>
        cells.map((cell) => Number(cell.textContent)),
      ),
      progress: await page.$eval("#solve-progress", (bar) => /** @type {HTMLProgressElement} */ (bar).value),
      errors,
    };
    await page.screenshot({ path: fileURLToPath(new URL(options.screenshot, ARTIFACTS)), fullPage: true });

    // "Use this" copies attempt 1 into the output editor.
    const attempt = await page.$eval("#solve-attempts figure:first-child [data-rows]", (grid) => [
      /** @type {HTMLElement} */ (grid).dataset.rows,
      /** @type {HTMLElement} */ (grid).dataset.columns,
    ]);
    await page.click("#solve-attempts figure:first-child .solve-use");
    shown.editorSize = await page.$eval("#output", (grid) => [
      /** @type {HTMLElement} */ (grid).dataset.rows,
      /** @type {HTMLElement} */ (grid).dataset.columns,
    ]);
    shown.attemptSize = attempt;
    return shown;
  } finally {
    await browser.close();
  }
}

/** @param {Awaited<ReturnType<typeof solveInPage>>} shown */
function assertSolved(shown) {
  assert.deepEqual(shown.errors, []);
  // The parameters of `TrmConfig::ponder_arc` without its puzzle-embedding rows.
  assert.equal(shown.model, "untrained TRM, hidden 64, seed 0 (TRM, 132,866 parameters)");
  assert.equal(shown.untrained, true, "the page must say that the default model is untrained");
  // One augmentation, two ACT steps: a status line per step.
  assert.ok(shown.statuses.includes("step 1 of 2, augmentations 1-1 of 1"), JSON.stringify(shown.statuses));
  assert.ok(shown.statuses.includes("step 2 of 2, augmentations 1-1 of 1"), JSON.stringify(shown.statuses));
  assert.equal(shown.stepFigures, 1, "one prediction per augmentation of the last step");
  // With one vote, both attempts are that prediction.
  assert.equal(shown.attempts, 2);
  assert.equal(
    shown.tallyVotes.reduce((sum, votes) => sum + votes, 0),
    1,
  );
  assert.equal(shown.progress, 1);
  assert.deepEqual(shown.editorSize, shown.attemptSize);
}

test("solve falls back to CPU without WebGPU", { timeout: SOLVE_TIMEOUT_MS + 60_000 }, async () => {
  const shown = await solveInPage({ webgpu: false, backend: "auto", screenshot: "solve-cpu.png" });

  assertSolved(shown);
  assert.equal(shown.backend, "cpu on CPU (burn Flex)");
  assert.match(shown.fallback ?? "", /^Running on the CPU because WebGPU is not available/);
});

test("solve with embedded model on WebGPU", { timeout: SOLVE_TIMEOUT_MS + 60_000 }, async () => {
  const shown = await solveInPage({ webgpu: true, backend: "webgpu", screenshot: "solve-webgpu.png" });

  assertSolved(shown);
  assert.match(shown.backend ?? "", /^webgpu on .*swiftshader/i);
  assert.equal(shown.fallback, null);
});
