// Runs the bench page (dist/bench.html) in headless Chromium with WebGPU on
// this machine's Vulkan driver (SwiftShader where there is no GPU), and
// prints the profile it measures. `cargo xtask bench-browser` builds dist/
// and runs this; run it directly on a dist/ that is already built:
//
//   node tools/bench-browser.mjs [--dist DIR] [--backend webgpu|cpu] [--batch N]
//                                [--sample-calls N] [--whole-step] [--timeout-min N]

import { resolve } from "node:path";
import { parseArgs } from "node:util";

import { launchChromium } from "../tests/e2e/browser.mjs";
import { serveDirectory } from "../tests/e2e/server.mjs";

const { values } = parseArgs({
  options: {
    dist: { type: "string", default: "dist" },
    backend: { type: "string", default: "webgpu" },
    batch: { type: "string", default: "1" },
    "sample-calls": { type: "string" },
    "whole-step": { type: "boolean", default: false },
    "timeout-min": { type: "string", default: "120" },
  },
});

/**
 * @param {string} name
 * @param {string} value
 */
function positiveInteger(name, value) {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`invalid --${name} ${JSON.stringify(value)}: expected a whole number of 1 or more`);
  return number;
}

if (values.backend !== "webgpu" && values.backend !== "cpu") {
  throw new Error(`invalid --backend ${JSON.stringify(values.backend)}: expected webgpu or cpu`);
}
const batch = positiveInteger("batch", values.batch);
const sampleCalls = values["sample-calls"] === undefined ? undefined : positiveInteger("sample-calls", values["sample-calls"]);
const timeoutMs = positiveInteger("timeout-min", values["timeout-min"]) * 60_000;

const server = await serveDirectory(resolve(values.dist));
const browser = await launchChromium({ webgpu: values.backend === "webgpu" });
try {
  const page = await browser.newPage();
  page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  await page.goto(`${server.url}bench.html`);
  await page.selectOption("#bench-backend", values.backend);
  await page.fill("#bench-batch", String(batch));
  await page.fill("#bench-sample", sampleCalls === undefined ? "" : String(sampleCalls));
  await page.setChecked("#bench-step", values["whole-step"]);
  await page.click("#bench-run");

  // Prints each new status line until the page reports an end state.
  const started = Date.now();
  let last = "";
  let state = "running";
  while (state === "running") {
    if (Date.now() - started > timeoutMs) {
      throw new Error(`the profile timed out after ${values["timeout-min"]} minutes`);
    }
    await page.waitForTimeout(2000);
    const status = (await page.textContent("#bench-status")) ?? "";
    if (status !== last) {
      console.log(status);
      last = status;
    }
    state = (await page.getAttribute("body", "data-bench-state")) ?? "running";
  }
  if (state !== "done") throw new Error(`the profile ended ${state}: ${last}`);
  console.log(`\n${await page.textContent("#bench-text")}`);
} finally {
  await browser.close();
  await server.close();
}
