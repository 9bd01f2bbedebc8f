// The bench page: it profiles the parts of an ACT step of the embedded model
// in the solver's worker, shows progress and a table with the kernels off and
// on, and stops on Cancel. The CPU backend keeps it short: one call of each
// part is timed.

import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { ARTIFACTS, launchChromium } from "./browser.mjs";
import { serveDirectory } from "./server.mjs";

const DIST = process.env.PONDER_DIST;

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
 * Opens the bench page with the CPU backend, one timed call per part, and starts it.
 * @param {import("playwright-core").Browser} browser
 */
async function startProfile(browser) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(`${server.url}bench.html`);
  await page.selectOption("#bench-backend", "cpu");
  await page.fill("#bench-sample", "1");
  await page.click("#bench-run");
  return { page, errors };
}

test("bench page profiles an ACT step on the CPU", async () => {
  const browser = await launchChromium({ webgpu: false });
  try {
    const { page, errors } = await startProfile(browser);
    await page.waitForSelector("body[data-bench-state='done']", { timeout: 600_000 });
    await page.screenshot({ path: fileURLToPath(new URL("bench-cpu.png", ARTIFACTS)), fullPage: true });

    assert.equal(await page.textContent("#bench-status"), "Done on CPU (burn Flex).");
    assert.equal(await page.getAttribute("#bench-progress", "value"), "1");
    const rows = await page.$$eval("#bench-table tbody tr", (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    assert.deepEqual(
      rows.map((row) => [row[0], row[1]]),
      [
        ["attention (30 calls)", "1 of 30"],
        ["  of which softmax(q k^T) v (30 calls)", "1 of 30"],
        ["SwiGLU MLP (30 calls)", "1 of 30"],
        ["  of which silu(gate) * up (30 calls)", "1 of 30"],
        ["residual add + RMSNorm (60 calls)", "1 of 60"],
        ["fine-tuning, not in the step: softmax(q k^T) v and its gradient (10 calls)", "1 of 10"],
        ["sum of the parts", "-"],
      ],
    );
    for (const row of rows) {
      assert.match(row[2] ?? "", /^\d+\.\d ms$/, `kernels off in ${row[0]}`);
      assert.match(row[4] ?? "", /^\d+\.\d ms$/, `kernels on in ${row[0]}`);
    }
    assert.equal(rows[6][3], "100%");
    const text = (await page.textContent("#bench-text")) ?? "";
    assert.ok(text.startsWith("Profile: cpu (CPU (burn Flex)), batch 1, per ACT step\n"), text);
    assert.ok(text.includes("\nThe kernels run only on WebGPU, so on the CPU both columns time burn's operations.\n"), text);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test("bench page stops on Cancel", async () => {
  const browser = await launchChromium({ webgpu: false });
  try {
    const { page, errors } = await startProfile(browser);
    await page.waitForFunction(() => document.getElementById("bench-status")?.textContent?.startsWith("Profiling"), null, {
      timeout: 300_000,
    });
    await page.click("#bench-cancel");
    await page.waitForSelector("body[data-bench-state='cancelled']", { timeout: 300_000 });
    await page.screenshot({ path: fileURLToPath(new URL("bench-cancelled.png", ARTIFACTS)), fullPage: true });

    assert.equal(await page.textContent("#bench-status"), "Cancelled.");
    assert.equal(await page.isDisabled("#bench-run"), false);
    assert.equal(await page.isDisabled("#bench-cancel"), true);
    assert.equal(await page.isHidden("#bench-table"), true);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
