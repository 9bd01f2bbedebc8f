// The page that `cargo xtask serve` builds: it must report the WebGPU adapter
// and the product it computed, and fall back to the CPU when WebGPU is off.

import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { ARTIFACTS, launchChromium } from "./browser.mjs";
import { serveDirectory } from "./server.mjs";

const DIST = process.env.PONDER_DIST;
const PRODUCT = "[[58,64],[139,154]]";

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
 * Opens the page in a fresh browser and waits until the check has a result.
 * @param {{ webgpu: boolean }} options
 * @param {string} screenshot
 */
async function openPage(options, screenshot) {
  const browser = await launchChromium(options);
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(server.url);
    await page.waitForFunction(() => document.getElementById("values")?.textContent !== "…", null, {
      timeout: 120_000,
    });
    const read = async (id) => (await page.textContent(`#${id}`))?.trim();
    const result = {
      backend: await read("backend"),
      adapter: await read("adapter"),
      values: await read("values"),
      notice: (await page.isVisible("#notice")) ? await read("notice") : null,
      errors,
    };
    await page.screenshot({ path: fileURLToPath(new URL(screenshot, ARTIFACTS)), fullPage: true });
    return result;
  } finally {
    await browser.close();
  }
}

test("page shows WebGPU adapter and product", async () => {
  const shown = await openPage({ webgpu: true }, "smoke-webgpu.png");

  assert.deepEqual(shown.errors, []);
  assert.equal(shown.backend, "webgpu");
  assert.match(shown.adapter ?? "", /SwiftShader/i);
  assert.equal(shown.values, PRODUCT);
  assert.equal(shown.notice, null);
});

test("page falls back to CPU without WebGPU", async () => {
  const shown = await openPage({ webgpu: false }, "smoke-cpu.png");

  assert.deepEqual(shown.errors, []);
  assert.equal(shown.backend, "cpu");
  assert.equal(shown.adapter, "CPU (burn Flex)");
  assert.equal(shown.values, PRODUCT);
  assert.match(shown.notice ?? "", /^Running on the CPU because WebGPU/);
});
