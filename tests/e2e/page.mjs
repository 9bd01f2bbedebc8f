// The fixture that the Sudoku and Maze page tests share. Before a file's
// tests it serves the built page from PONDER_DIST and starts Chromium with
// WebGPU off, and after them it stops both. In between it opens the page in
// fresh contexts and saves screenshots.

import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";

import { ARTIFACTS, launchChromium } from "./browser.mjs";
import { serveDirectory } from "./server.mjs";

/**
 * @typedef {object} OpenPage
 * @property {import("playwright-core").BrowserContext} context close it when the test ends
 * @property {import("playwright-core").Page} page
 * @property {string[]} errors the messages of uncaught page errors
 */

/**
 * Registers the file's `before` and `after` hooks and returns the helpers.
 * @param {string} prefix of the screenshot names, such as "maze"
 * @param {{ width: number, height: number }} viewport
 */
export function pageFixture(prefix, viewport) {
  /** @type {{ url: string, close: () => Promise<void> } | null} */
  let server = null;
  /** @type {import("playwright-core").Browser | null} */
  let browser = null;

  before(async () => {
    const dist = process.env.PONDER_DIST;
    assert.ok(dist, "PONDER_DIST must name the built web app (cargo xtask test sets it)");
    server = await serveDirectory(dist);
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await launchChromium({ webgpu: false });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  return {
    /** Returns the address of the served page, ending in a slash. */
    url() {
      return /** @type {{ url: string }} */ (server).url;
    },

    /**
     * Opens the page with `query` in a fresh context (empty localStorage) and waits for `ready`.
     * @param {string} query
     * @param {(page: import("playwright-core").Page) => Promise<void>} ready
     * @returns {Promise<OpenPage>}
     */
    async open(query, ready) {
      const context = await /** @type {import("playwright-core").Browser} */ (browser).newContext({ viewport });
      const page = await context.newPage();
      /** @type {string[]} */
      const errors = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(this.url() + query);
      await ready(page);
      return { context, page, errors };
    },

    /**
     * Saves a full-page screenshot as ARTIFACTS/PREFIX-NAME.png.
     * @param {import("playwright-core").Page} page
     * @param {string} name
     */
    async screenshot(page, name) {
      await page.screenshot({ path: fileURLToPath(new URL(`${prefix}-${name}.png`, ARTIFACTS)), fullPage: true });
    },
  };
}
