// Sudoku mode of the page that `cargo xtask serve` builds, driven as a user
// would: the `?mode=sudoku` link and the mode switch, a pasted puzzle, keys
// in the editor, malformed text and a reload. A solve with the Sudoku model
// from models/sudoku/ runs on the CPU fallback and must show a board and a
// q_halt value after every ACT step, then a verdict. The shipped model solves
// this puzzle, so its last board must be the unique solution, on the CPU
// fallback and on WebGPU (about 25 seconds under SwiftShader).

import assert from "node:assert/strict";
import { access } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { launchChromium } from "./browser.mjs";
import { pageFixture } from "./page.mjs";

const DIST = process.env.PONDER_DIST;

/** 50 givens, blanks as ".", taken from a known solution (`Board::parse` accepts it). */
const PUZZLE = "5.4..8.1.6..1..34.19.342.6..597..423426.53791.1...4.569.15...842874..63534.28.1.9";
/** The puzzle's only solution (checked with a backtracking search). */
const SOLUTION = "534678912672195348198342567859761423426853791713924856961537284287419635345286179";
/** The ACT steps of the Sudoku model: `halt_max_steps` in models/sudoku/config.json. */
const STEPS = 8;
/** Loading the model and 8 ACT steps on wasm CPU take seconds; the rest is headroom for a loaded machine. */
const SOLVE_TIMEOUT_MS = 5 * 60_000;

// Most tests run on the CPU fallback; the WebGPU solve starts a browser of its own.
const fixture = pageFixture("sudoku", { width: 1440, height: 1000 });

/**
 * Opens the page in a fresh context (empty localStorage) and waits until the Sudoku editor shows.
 * @param {string} [query]
 */
function openSudoku(query = "?mode=sudoku") {
  return fixture.open(query, waitForEditor);
}

/** @param {import("playwright-core").Page} page */
async function waitForEditor(page) {
  await page.waitForFunction(() => document.querySelectorAll("#sudoku-grid .sudoku-cell").length === 81, null, {
    timeout: 60_000,
  });
}

/**
 * @param {import("playwright-core").Page} page
 * @param {string} name
 */
function screenshot(page, name) {
  return fixture.screenshot(page, name);
}

/**
 * Reads the editor: the board it draws, cell by cell, and which cells are givens.
 * @param {import("playwright-core").Page} page
 */
async function readEditor(page) {
  return page.$eval("#sudoku-grid", (grid) => {
    const cells = [...grid.querySelectorAll(".sudoku-cell")];
    return {
      board: cells.map((cell) => cell.textContent || ".").join(""),
      givens: cells.filter((cell) => cell.classList.contains("given")).length,
      cursor: cells.findIndex((cell) => cell.classList.contains("cursor")),
      text: document.getElementById("sudoku-text")?.textContent,
    };
  });
}

/**
 * Pastes `text` into the puzzle box and loads it.
 * @param {import("playwright-core").Page} page
 * @param {string} text
 */
async function paste(page, text) {
  await page.fill("#sudoku-paste", text);
  await page.click("#sudoku-load-paste");
}

/**
 * Replaces cell `index` of a board string.
 * @param {string} board
 * @param {number} index
 * @param {string} value
 */
function withCell(board, index, value) {
  return board.slice(0, index) + value + board.slice(index + 1);
}

test("mode link opens Sudoku", async () => {
  const { context, page, errors } = await openSudoku();
  try {
    assert.equal(await page.isVisible("#sudoku"), true);
    assert.equal(await page.isVisible("#app"), false);
    assert.equal(await page.getAttribute('#mode-switch [data-mode="sudoku"]', "aria-pressed"), "true");
    assert.equal(await page.getAttribute('#mode-switch [data-mode="arc"]', "aria-pressed"), "false");
    // A fresh visit starts with an empty board, with 3x3 boxes drawn by thick borders.
    assert.deepEqual(await readEditor(page), { board: ".".repeat(81), givens: 0, cursor: 0, text: ".".repeat(81) });
    const boxEdges = await page.$$eval("#sudoku-grid .sudoku-cell", (cells) =>
      cells.map((cell) => getComputedStyle(cell).borderRightWidth),
    );
    assert.equal(boxEdges[2], "2px");
    assert.equal(boxEdges[5], "2px");
    assert.equal(boxEdges[1], "1px");
    assert.deepEqual(errors, []);
    await screenshot(page, "mode-link");
  } finally {
    await context.close();
  }
});

test("mode switch keeps ARC working", async () => {
  const { context, page, errors } = await openSudoku("?mode=sudoku&dataset=arc-agi-1/training&task=007bbfb7");
  try {
    await page.click('#mode-switch [data-mode="arc"]');
    assert.equal(await page.isVisible("#app"), true);
    assert.equal(await page.isVisible("#sudoku"), false);
    assert.equal(new URL(page.url()).searchParams.get("mode"), null);
    await page.waitForFunction(() => document.getElementById("task-heading")?.textContent?.startsWith("Task "));
    // The ARC link's task opened behind the Sudoku view.
    assert.equal(await page.textContent("#task-heading"), "Task 007bbfb7 · ARC-AGI-1 training");
    await screenshot(page, "switch-arc");

    await page.click('#mode-switch [data-mode="sudoku"]');
    assert.equal(await page.isVisible("#sudoku"), true);
    assert.equal(new URL(page.url()).searchParams.get("mode"), "sudoku");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("pasted puzzle shows in editor", async () => {
  const { context, page, errors } = await openSudoku();
  try {
    // "0" is a blank too; the editor keeps blanks as ".".
    await paste(page, PUZZLE.replaceAll(".", "0"));

    assert.deepEqual(await readEditor(page), { board: PUZZLE, givens: 50, cursor: 0, text: PUZZLE });
    assert.equal(await page.textContent("#sudoku-paste-message"), "Loaded a puzzle with 50 givens.");
    assert.equal(await page.textContent("#sudoku-givens"), "50 givens");
    assert.deepEqual(errors, []);
    await screenshot(page, "paste");
  } finally {
    await context.close();
  }
});

test("keys edit the selected cell", async () => {
  const { context, page, errors } = await openSudoku();
  try {
    await paste(page, PUZZLE);
    // Cell 1 (row 0, column 1) is blank.
    await page.click('#sudoku-grid [data-index="1"]');
    await page.keyboard.press("7");
    let expected = withCell(PUZZLE, 1, "7");
    assert.equal((await readEditor(page)).board, expected);

    // Right to cell 2, a given 4, which Backspace clears.
    await page.keyboard.press("ArrowRight");
    assert.equal((await readEditor(page)).cursor, 2);
    await page.keyboard.press("Backspace");
    expected = withCell(expected, 2, ".");
    assert.equal((await readEditor(page)).board, expected);

    // Down to cell 11, a blank: set 2, then "." and "0" clear it again.
    await page.keyboard.press("ArrowDown");
    assert.equal((await readEditor(page)).cursor, 11);
    await page.keyboard.press("2");
    assert.equal((await readEditor(page)).board, withCell(expected, 11, "2"));
    await page.keyboard.press(".");
    assert.equal((await readEditor(page)).board, expected);
    await page.keyboard.press("2");
    await page.keyboard.press("0");
    assert.equal((await readEditor(page)).board, expected);

    // The cursor stops at the board's edge.
    await page.click('#sudoku-grid [data-index="80"]');
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowDown");
    assert.equal((await readEditor(page)).cursor, 80);
    await page.keyboard.press("Delete");
    expected = withCell(expected, 80, ".");
    const shown = await readEditor(page);
    assert.equal(shown.board, expected);
    assert.equal(shown.text, expected);
    // 50 givens, one added at cell 1, cells 2 and 80 cleared.
    assert.equal(shown.givens, 49);
    assert.deepEqual(errors, []);
    await screenshot(page, "keys");
  } finally {
    await context.close();
  }
});

test("malformed paste names the problem", async () => {
  const { context, page, errors } = await openSudoku();
  try {
    await paste(page, PUZZLE);

    await paste(page, withCell(PUZZLE, 12, "x"));
    assert.equal(
      await page.textContent("#sudoku-paste-message"),
      "Invalid puzzle: cell 12 (row 1, column 3) is 'x', expected a digit 1-9, or `.` or `0` for a blank.",
    );
    assert.equal(await page.getAttribute("#sudoku-paste-message", "data-kind"), "error");
    // The editor keeps the puzzle it had.
    assert.equal((await readEditor(page)).board, PUZZLE);

    await paste(page, PUZZLE.slice(1));
    assert.equal(await page.textContent("#sudoku-paste-message"), "Invalid puzzle: expected 81 cells, found 80.");
    assert.deepEqual(errors, []);
    await screenshot(page, "paste-error");
  } finally {
    await context.close();
  }
});

test("reload keeps the puzzle", async () => {
  const { context, page, errors } = await openSudoku();
  try {
    await paste(page, PUZZLE);
    await page.click('#sudoku-grid [data-index="1"]');
    await page.keyboard.press("3");
    const edited = withCell(PUZZLE, 1, "3");

    await page.reload();
    await waitForEditor(page);
    assert.equal(await page.isVisible("#sudoku"), true, "a reload stays in Sudoku mode");
    assert.equal((await readEditor(page)).board, edited);

    // The ARC mode's saved work is separate: switching and reloading keeps both.
    await page.click('#mode-switch [data-mode="arc"]');
    await page.reload();
    await page.waitForFunction(() => document.getElementById("task-heading")?.textContent?.startsWith("Task "));
    assert.equal(await page.isVisible("#app"), true);
    await page.click('#mode-switch [data-mode="sudoku"]');
    assert.equal((await readEditor(page)).board, edited);
    assert.deepEqual(errors, []);
    await screenshot(page, "reload");
  } finally {
    await context.close();
  }
});

test("solve shows every ACT step on CPU", { timeout: SOLVE_TIMEOUT_MS + 60_000 }, async () => {
  const weights = join(/** @type {string} */ (DIST), "models", "sudoku", "model.safetensors");
  await access(weights).catch(() => {
    assert.fail(`${weights} is missing: the build copies it from models/sudoku/, which must hold the Sudoku model`);
  });
  const { context, page, errors } = await openSudoku("?mode=sudoku&backend=auto");
  try {
    await paste(page, PUZZLE);
    await page.click("#sudoku-solve-start");
    await page.waitForFunction(() => document.getElementById("sudoku-status")?.textContent === "done", null, {
      timeout: SOLVE_TIMEOUT_MS,
    });

    assert.equal(await page.textContent("#sudoku-backend"), "cpu on CPU (burn Flex)");
    assert.match(await page.textContent("#sudoku-fallback") ?? "", /^Running on the CPU because WebGPU is not available/);
    assert.match(await page.textContent("#sudoku-model") ?? "", /^models\/sudoku\/model\.safetensors \(TRM, [\d,]+ parameters, 8 ACT steps\)$/);

    const steps = await page.$$eval("#sudoku-steps figure", (figures) =>
      figures.map((figure) => {
        const board = /** @type {HTMLElement} */ (figure.querySelector(".sudoku-board"));
        const cells = [...board.querySelectorAll(".sudoku-cell")];
        return {
          caption: figure.querySelector("figcaption")?.textContent ?? "",
          qHalt: Number(/** @type {HTMLElement} */ (figure).dataset.qHalt),
          board: board.dataset.board ?? "",
          cells: cells.length,
          givens: cells.filter((cell) => cell.classList.contains("given")).length,
          predicted: cells.filter((cell) => cell.classList.contains("predicted")).map((cell) => Number(/** @type {HTMLElement} */ (cell).dataset.index)),
        };
      }),
    );
    assert.equal(steps.length, STEPS);
    steps.forEach((step, index) => {
      assert.equal(step.caption, `Step ${index + 1} of ${STEPS}: q_halt ${step.qHalt.toFixed(3)}`);
      assert.ok(step.qHalt >= 0, `q_halt ${step.qHalt} is a probability`);
      assert.ok(step.qHalt <= 1, `q_halt ${step.qHalt} is a probability`);
      assert.match(step.board, /^[1-9.]{81}$/);
      assert.equal(step.cells, 81);
      // The puzzle's 50 givens are marked as givens whatever the model predicts there.
      assert.equal(step.givens, 50);
      // Predicted digits appear only in the puzzle's blanks.
      for (const index of step.predicted) assert.equal(PUZZLE[index], ".", `cell ${index} is a given`);
    });

    assert.equal(steps[STEPS - 1].board, SOLUTION);

    const verdict = (await page.textContent("#sudoku-verdict")) ?? "";
    assert.match(verdict, /^Solved: after 8 ACT steps the board /);
    assert.equal(await page.getAttribute("#sudoku-verdict", "data-solved"), "true");
    assert.equal(await page.$eval("#sudoku-progress", (bar) => /** @type {HTMLProgressElement} */ (bar).value), 1);
    assert.equal(await page.isDisabled("#sudoku-solve-cancel"), true);
    assert.equal(await page.isVisible("#sudoku-error"), false);
    assert.deepEqual(errors, []);
    await screenshot(page, "solve-cpu");
  } finally {
    await context.close();
  }
});

test("a model loaded from files replaces the shipped one", { timeout: SOLVE_TIMEOUT_MS + 60_000 }, async () => {
  const { context, page, errors } = await openSudoku("?mode=sudoku&backend=cpu");
  try {
    const folder = fileURLToPath(new URL("../../models/sudoku/", import.meta.url));
    await page.click("#sudoku .solve-load summary");
    await page.setInputFiles("#sudoku-config-file", join(folder, "config.json"));
    await page.setInputFiles("#sudoku-weights-file", join(folder, "model.safetensors"));
    await page.click("#sudoku-load");
    await page.waitForFunction(() => document.getElementById("sudoku-status")?.textContent === "model loaded", null, {
      timeout: SOLVE_TIMEOUT_MS,
    });
    // The parameter count of the model card, models/sudoku/README.md.
    assert.equal(await page.textContent("#sudoku-model"), "model.safetensors (TRM, 224,386 parameters, 8 ACT steps)");

    await paste(page, PUZZLE);
    await page.click("#sudoku-solve-start");
    await page.waitForFunction(() => document.getElementById("sudoku-status")?.textContent === "done", null, {
      timeout: SOLVE_TIMEOUT_MS,
    });
    assert.equal(await page.textContent("#sudoku-model"), "model.safetensors (TRM, 224,386 parameters, 8 ACT steps)");
    const last = await page.$eval("#sudoku-steps li:last-child .sudoku-board", (board) => /** @type {HTMLElement} */ (board).dataset.board);
    assert.equal(last, SOLUTION);

    // A file that is no model is refused, and the loaded model stays.
    await page.setInputFiles("#sudoku-config-file", { name: "config.json", mimeType: "application/json", buffer: Buffer.from("{") });
    await page.click("#sudoku-load");
    await page.waitForFunction(() => document.getElementById("sudoku-status")?.textContent === "failed", null, {
      timeout: SOLVE_TIMEOUT_MS,
    });
    assert.match((await page.textContent("#sudoku-error")) ?? "", /^invalid model config: /);
    assert.equal(await page.textContent("#sudoku-model"), "model.safetensors (TRM, 224,386 parameters, 8 ACT steps)");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("solve on WebGPU gives the solution", { timeout: 2 * SOLVE_TIMEOUT_MS + 60_000 }, async () => {
  // A browser of its own, with WebGPU on (SwiftShader's Vulkan on a machine without a GPU).
  const webgpuBrowser = await launchChromium({ webgpu: true });
  try {
    const context = await webgpuBrowser.newContext({ viewport: { width: 1440, height: 1000 } });
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${fixture.url()}?mode=sudoku&backend=webgpu`);
    await waitForEditor(page);
    await paste(page, PUZZLE);
    await page.click("#sudoku-solve-start");
    await page.waitForFunction(() => document.getElementById("sudoku-status")?.textContent === "done", null, {
      timeout: 2 * SOLVE_TIMEOUT_MS,
    });

    assert.match(await page.textContent("#sudoku-backend") ?? "", /^webgpu on /);
    const boards = await page.$$eval("#sudoku-steps figure .sudoku-board", (boards) =>
      boards.map((board) => /** @type {HTMLElement} */ (board).dataset.board ?? ""),
    );
    assert.equal(boards.length, STEPS);
    assert.equal(boards[STEPS - 1], SOLUTION);
    assert.match((await page.textContent("#sudoku-verdict")) ?? "", /^Solved: after 8 ACT steps the board /);
    assert.deepEqual(errors, []);
    await screenshot(page, "solve-webgpu");
    await context.close();
  } finally {
    await webgpuBrowser.close();
  }
});
