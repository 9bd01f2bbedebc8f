// The task browser, grid display and output editor of the page that
// `cargo xtask serve` builds, driven as a user would: links, mouse, keys,
// files, pasted JSON and reloads. Expected grids come from data/arc/, the
// files the build splits into one task per file.

import assert from "node:assert/strict";
import { mkdir, readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { ARTIFACTS, launchChromium } from "./browser.mjs";
import { serveDirectory } from "./server.mjs";

const DIST = process.env.PONDER_DIST;
const DATA = new URL("../../data/arc/", import.meta.url);

/** The ARC palette as Chromium reports computed background colours. */
const PALETTE = [
  "rgb(0, 0, 0)",
  "rgb(0, 116, 217)",
  "rgb(255, 65, 54)",
  "rgb(46, 204, 64)",
  "rgb(255, 220, 0)",
  "rgb(170, 170, 170)",
  "rgb(240, 18, 190)",
  "rgb(255, 133, 27)",
  "rgb(127, 219, 255)",
  "rgb(135, 12, 37)",
];

/** 007bbfb7: five 3 x 3 -> 9 x 9 train pairs, one test input with a known answer. */
const TASK_ID = "007bbfb7";
const TASK_LINK = `?dataset=arc-agi-1/training&task=${TASK_ID}`;
const TEST_INPUT = [
  [7, 0, 7],
  [7, 0, 7],
  [7, 7, 0],
];

/** @type {{ url: string, close: () => Promise<void> }} */
let server;
/** @type {import("playwright-core").Browser} */
let browser;

before(async () => {
  assert.ok(DIST, "PONDER_DIST must name the built web app (cargo xtask test sets it)");
  server = await serveDirectory(DIST);
  await mkdir(ARTIFACTS, { recursive: true });
  // The device check is the smoke test's subject; here the CPU fallback keeps it quick.
  browser = await launchChromium({ webgpu: false });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/**
 * Reads one task the way the page must show it: challenges plus solutions.
 * @param {string} file e.g. "arc-agi_training"
 * @param {string} id
 */
async function readTask(file, id) {
  const challenges = JSON.parse(await readFile(new URL(`${file}_challenges.json`, DATA), "utf8"));
  const solutions = JSON.parse(await readFile(new URL(`${file}_solutions.json`, DATA), "utf8"));
  const task = challenges[id];
  return { train: task.train, test: task.test.map((pair, i) => ({ input: pair.input, output: solutions[id][i] })) };
}

/**
 * Opens the page in a fresh context (empty localStorage) and waits until a task shows.
 * @param {string} [query]
 */
async function openApp(query = TASK_LINK) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const page = await context.newPage();
  const errors = [];
  const warnings = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    // Chromium and wgpu log warnings of their own; only the page's own count here.
    if (message.type() === "warning" && message.text().startsWith("Ponder:")) warnings.push(message.text());
  });
  await page.goto(server.url + query);
  await waitForTask(page);
  return { context, page, errors, warnings };
}

/** @param {import("playwright-core").Page} page */
async function waitForTask(page) {
  await page.waitForFunction(() => document.getElementById("task-heading")?.textContent?.startsWith("Task "), null, {
    timeout: 60_000,
  });
}

/**
 * @param {import("playwright-core").Page} page
 * @param {string} name
 */
async function screenshot(page, name) {
  await page.screenshot({ path: fileURLToPath(new URL(`app-${name}.png`, ARTIFACTS)), fullPage: true });
}

/**
 * Reads a drawn grid: its size attributes, symbols and computed cell colours.
 * @param {import("playwright-core").Page} page
 * @param {string} selector the element with class "grid"
 */
async function readGrid(page, selector) {
  return page.$eval(selector, (grid) => {
    const rows = Number(grid.getAttribute("data-rows"));
    const columns = Number(grid.getAttribute("data-columns"));
    const symbols = [];
    const colours = [];
    for (let r = 0; r < rows; r++) {
      symbols.push([]);
      colours.push([]);
      for (let c = 0; c < columns; c++) {
        const cell = /** @type {HTMLElement} */ (grid.querySelector(`[data-row="${r}"][data-column="${c}"]`));
        symbols[r].push(Number(cell.dataset.symbol));
        colours[r].push(getComputedStyle(cell).backgroundColor);
      }
    }
    return { rows, columns, symbols, colours };
  });
}

/** @param {import("playwright-core").Page} page */
async function readOutput(page) {
  return (await readGrid(page, "#output")).symbols;
}

/** @param {number[][]} grid */
function coloursOf(grid) {
  return grid.map((row) => row.map((symbol) => PALETTE[symbol]));
}

/**
 * Returns the centre of a cell, for mouse gestures.
 * @param {import("playwright-core").Page} page
 * @param {string} grid
 * @param {number} row
 * @param {number} column
 */
async function cellCentre(page, grid, row, column) {
  const box = await page.locator(`${grid} [data-row="${row}"][data-column="${column}"]`).boundingBox();
  assert.ok(box, `cell ${row},${column} of ${grid} is not visible`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/**
 * Presses on one cell and releases on another, passing through the cells between.
 * @param {import("playwright-core").Page} page
 * @param {string} grid
 * @param {[number, number]} from
 * @param {[number, number]} to
 */
async function drag(page, grid, from, to) {
  const start = await cellCentre(page, grid, ...from);
  const end = await cellCentre(page, grid, ...to);
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move(end.x, end.y, { steps: 8 });
  await page.mouse.up();
}

/**
 * @param {import("playwright-core").Page} page
 * @param {number} rows
 * @param {number} columns
 */
async function resize(page, rows, columns) {
  await page.fill("#rows", String(rows));
  await page.fill("#columns", String(columns));
  await page.click("#resize-form button[type=submit]");
}

/** @param {import("playwright-core").Page} page */
async function message(page, id) {
  return (await page.textContent(`#${id}`))?.trim();
}

test("task link shows grids in palette", async () => {
  const expected = await readTask("arc-agi_training", TASK_ID);
  const { context, page, errors } = await openApp();
  try {
    assert.equal(await page.textContent("#task-heading"), `Task ${TASK_ID} · ARC-AGI-1 training`);
    assert.equal(await page.locator("#train-pairs .pair").count(), expected.train.length);
    for (const [i, pair] of expected.train.entries()) {
      for (const side of ["input", "output"]) {
        const index = side === "input" ? 1 : 2;
        const figure = `#train-pairs .pair[data-pair="${i}"] figure:nth-of-type(${index})`;
        const grid = await readGrid(page, `${figure} .grid`);
        assert.equal(grid.rows, pair[side].length, `train ${i} ${side} rows`);
        assert.equal(grid.columns, pair[side][0].length, `train ${i} ${side} columns`);
        assert.deepEqual(grid.symbols, pair[side], `train ${i} ${side} symbols`);
        assert.deepEqual(grid.colours, coloursOf(pair[side]), `train ${i} ${side} colours`);
        assert.equal(await page.textContent(`${figure} .size`), `${pair[side].length} x ${pair[side][0].length}`);
      }
    }
    const input = await readGrid(page, "#test-input .grid");
    assert.deepEqual(input.symbols, expected.test[0].input);
    assert.deepEqual(input.colours, coloursOf(expected.test[0].input));
    assert.equal(await page.textContent("#test-input .size"), "3 x 3");
    assert.equal(await page.textContent("#test-position"), "1 of 1");
    assert.equal(await page.getAttribute('#task-list button[data-task="007bbfb7"]', "aria-current"), "true");

    // The switch prints each cell's symbol number.
    assert.equal(await page.textContent("#test-input .grid"), "");
    await page.check("#show-numbers");
    assert.equal(await page.textContent("#test-input .grid"), expected.test[0].input.flat().join(""));
    await screenshot(page, "task-link");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("dataset link tells ARC-AGI-2 apart", async () => {
  // The id names different grids in ARC-AGI-1 and ARC-AGI-2 training; the link picks the set.
  const id = "dae9d2b5";
  const first = await readTask("arc-agi_training", id);
  const second = await readTask("arc-agi_training2", id);
  const { context, page, errors } = await openApp(`?dataset=arc-agi-2/training&task=${id}`);
  try {
    assert.equal(await page.textContent("#task-heading"), `Task ${id} · ARC-AGI-2 training`);
    assert.equal(await page.locator("#train-pairs .pair").count(), second.train.length);
    const input = await readGrid(page, '#train-pairs .pair[data-pair="0"] figure:nth-of-type(1) .grid');
    assert.deepEqual(input.symbols, second.train[0].input);
    assert.notDeepEqual(input.symbols, first.train[0].input);
    assert.equal(await page.inputValue("#dataset"), "arc-agi-2/training");
    await screenshot(page, "arc-agi-2");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("browser search, pick and random", async () => {
  const { context, page, errors } = await openApp();
  try {
    await page.selectOption("#dataset", "arc-agi-1/evaluation");
    await page.fill("#search", "00576224");
    assert.equal(await page.locator("#task-list button").count(), 1);
    // Digits typed in the search field must not pick a colour.
    assert.equal(await page.getAttribute('#palette [data-symbol="0"]', "aria-pressed"), "true");
    await page.click('#task-list button[data-task="00576224"]');
    await page.waitForFunction(() => document.getElementById("task-heading")?.textContent?.includes("00576224"));
    assert.equal(await page.textContent("#task-heading"), "Task 00576224 · ARC-AGI-1 evaluation");
    assert.equal(new URL(page.url()).search, "?dataset=arc-agi-1/evaluation&task=00576224");

    await page.fill("#search", "");
    await page.click("#random");
    await page.waitForFunction(() => !document.getElementById("task-heading")?.textContent?.includes("00576224"));
    const heading = await page.textContent("#task-heading");
    assert.match(heading ?? "", /^Task [0-9a-f]{8} · ARC-AGI-1 evaluation$/);
    assert.match(new URL(page.url()).search, /^\?dataset=arc-agi-1\/evaluation&task=[0-9a-f]{8}$/);

    await page.fill("#search", "zzzz");
    await page.press("#search", "Enter");
    assert.equal(await message(page, "browser-message"), 'No task id in arc-agi-1/evaluation contains "zzzz".');
    await screenshot(page, "browser");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("unknown task link shows a message", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(server.url + "?dataset=arc-agi-1/training&task=nothere0");
    await waitForTask(page);
    assert.equal(await message(page, "browser-message"), 'Task "nothere0" not found in arc-agi-1/training.');
    await screenshot(page, "unknown-task");

    await page.goto(server.url + "?dataset=arc-agi-3/training&task=007bbfb7");
    await waitForTask(page);
    assert.equal(
      await message(page, "browser-message"),
      'Dataset "arc-agi-3/training" not found; the bundled datasets are ' +
        "arc-agi-1/training, arc-agi-1/evaluation, arc-agi-2/training, arc-agi-2/evaluation.",
    );
    assert.equal(await page.inputValue("#dataset"), "arc-agi-1/training");
  } finally {
    await context.close();
  }
});

test("mouse paints, undo and redo", async () => {
  const { context, page, errors } = await openApp();
  try {
    assert.deepEqual(await readOutput(page), [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    await page.click('#palette [data-symbol="2"]');
    await page.click('#output [data-row="0"][data-column="0"]');
    await drag(page, "#output", [1, 0], [1, 2]);
    const painted = [
      [2, 0, 0],
      [2, 2, 2],
      [0, 0, 0],
    ];
    const grid = await readGrid(page, "#output");
    assert.deepEqual(grid.symbols, painted);
    assert.deepEqual(grid.colours, coloursOf(painted));

    // The drag is one undo step, the click another.
    await page.keyboard.press("Control+z");
    assert.deepEqual(await readOutput(page), [
      [2, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    await page.click("#undo");
    assert.deepEqual(await readOutput(page), [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    assert.equal(await page.isDisabled("#undo"), true);
    await page.keyboard.press("Control+Shift+Z");
    await page.click("#redo");
    assert.deepEqual(await readOutput(page), painted);
    assert.equal(await page.isDisabled("#redo"), true);
    await screenshot(page, "mouse-paint");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("keys pick colours and paint", async () => {
  const { context, page, errors } = await openApp();
  try {
    await page.keyboard.press("3");
    assert.equal(await page.getAttribute('#palette [data-symbol="3"]', "aria-pressed"), "true");
    await page.focus("#output");
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("Space");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("9");
    await page.keyboard.press("Enter");
    const grid = await readGrid(page, "#output");
    const expected = [
      [0, 3, 0],
      [0, 9, 0],
      [0, 0, 0],
    ];
    assert.deepEqual(grid.symbols, expected);
    assert.deepEqual(grid.colours, coloursOf(expected));

    await page.keyboard.press("Control+z");
    assert.equal((await readOutput(page))[1][1], 0);
    await page.keyboard.press("Control+y");
    assert.equal((await readOutput(page))[1][1], 9);

    // Keys typed into a text field stay there: no colour, no undo.
    await page.fill("#paste", "");
    await page.type("#paste", "5");
    await page.press("#paste", "Control+z");
    assert.equal(await page.getAttribute('#palette [data-symbol="9"]', "aria-pressed"), "true");
    assert.equal((await readOutput(page))[1][1], 9);
    await screenshot(page, "keys-paint");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("resize keeps cells and rejects bad sizes", async () => {
  const { context, page, errors } = await openApp();
  try {
    await page.click('#palette [data-symbol="4"]');
    await page.click('#output [data-row="2"][data-column="2"]');
    await resize(page, 5, 7);
    let grid = await readGrid(page, "#output");
    assert.equal(grid.rows, 5);
    assert.equal(grid.columns, 7);
    assert.equal(await page.textContent("#output-size"), "5 x 7");
    assert.equal(grid.symbols[2][2], 4);
    assert.equal(grid.symbols.flat().filter((s) => s !== 0).length, 1);

    await resize(page, 31, 7);
    assert.equal(await message(page, "resize-message"), 'Rows must be a whole number from 1 to 30, not "31".');
    await resize(page, 2, 0);
    assert.equal(await message(page, "resize-message"), 'Columns must be a whole number from 1 to 30, not "0".');
    await page.fill("#rows", "");
    await page.fill("#columns", "x");
    await page.click("#resize-form button[type=submit]");
    assert.equal(
      await message(page, "resize-message"),
      'Rows is empty: enter a whole number from 1 to 30. Columns must be a whole number from 1 to 30, not "x".',
    );
    grid = await readGrid(page, "#output");
    assert.equal(grid.rows, 5);
    assert.equal(grid.columns, 7);
    await screenshot(page, "resize");

    await resize(page, 1, 30);
    assert.equal(await page.textContent("#output-size"), "1 x 30");
    assert.equal(await message(page, "resize-message"), "");
    await page.click("#reset");
    assert.deepEqual(await readOutput(page), [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("copy from input and flood fill", async () => {
  const { context, page, errors } = await openApp();
  try {
    await page.click("#copy-input");
    assert.deepEqual(await readOutput(page), TEST_INPUT);
    assert.equal(await page.textContent("#output-size"), "3 x 3");

    // Only the 7s connected to the top-left cell change; the right column's 7s stay.
    await page.check('input[name="tool"][value="fill"]');
    await page.keyboard.press("3");
    await page.click('#output [data-row="0"][data-column="0"]');
    const filled = [
      [3, 0, 7],
      [3, 0, 7],
      [3, 3, 0],
    ];
    const grid = await readGrid(page, "#output");
    assert.deepEqual(grid.symbols, filled);
    assert.deepEqual(grid.colours, coloursOf(filled));
    await page.keyboard.press("Control+z");
    assert.deepEqual(await readOutput(page), TEST_INPUT);
    await screenshot(page, "flood-fill");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("rectangle select and fill", async () => {
  const { context, page, errors } = await openApp();
  try {
    await resize(page, 4, 4);
    await page.check('input[name="tool"][value="select"]');
    await drag(page, "#output", [2, 2], [1, 1]);
    assert.equal(await page.locator("#output .cell.selected").count(), 4);
    await page.keyboard.press("6");
    const expected = [
      [0, 0, 0, 0],
      [0, 6, 6, 0],
      [0, 6, 6, 0],
      [0, 0, 0, 0],
    ];
    const grid = await readGrid(page, "#output");
    assert.deepEqual(grid.symbols, expected);
    assert.deepEqual(grid.colours, coloursOf(expected));

    // The button fills the same selection with the colour picked by the palette.
    await page.keyboard.press("Escape");
    assert.equal(await page.locator("#output .cell.selected").count(), 0);
    await page.click("#fill-selection");
    assert.equal(await message(page, "editor-message"), "Nothing to fill: select cells of the output grid with the Select tool first.");
    await drag(page, "#output", [0, 0], [0, 3]);
    await page.click('#palette [data-symbol="8"]');
    assert.deepEqual((await readOutput(page))[0], [8, 8, 8, 8]);
    await screenshot(page, "select-fill");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("copy and paste a selection", async () => {
  const { context, page, errors } = await openApp();
  try {
    await resize(page, 4, 4);
    await page.check('input[name="tool"][value="select"]');
    await page.keyboard.press("v");
    assert.equal(await message(page, "editor-message"), "Nothing to paste: select cells and press C (Copy selection) first.");

    // From the test input into the output.
    await drag(page, "#test-input", [1, 1], [2, 2]);
    await page.keyboard.press("c");
    assert.equal(await message(page, "editor-message"), "Copied 2 x 2 cells from the test input.");
    await page.click('#output [data-row="0"][data-column="0"]');
    await page.keyboard.press("v");
    assert.deepEqual(await readOutput(page), [
      [0, 7, 0, 0],
      [7, 0, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);

    // Within the output; cells that would fall outside are dropped.
    await drag(page, "#output", [0, 0], [1, 1]);
    await page.click("#copy-selection");
    await page.click('#output [data-row="3"][data-column="2"]');
    await page.click("#paste-selection");
    const expected = [
      [0, 7, 0, 0],
      [7, 0, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 7],
    ];
    const grid = await readGrid(page, "#output");
    assert.deepEqual(grid.symbols, expected);
    assert.deepEqual(grid.colours, coloursOf(expected));
    await screenshot(page, "copy-paste");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("check against the answer", async () => {
  const expected = await readTask("arc-agi_training", TASK_ID);
  const answer = expected.test[0].output;
  const { context, page, errors } = await openApp();
  try {
    await page.click("#check-answer");
    assert.equal(await message(page, "check-message"), "Wrong size: the answer is 9 x 9, the output grid is 3 x 3.");

    await resize(page, 9, 9);
    await page.click("#check-answer");
    const differing = answer.flat().filter((symbol) => symbol !== 0).length;
    assert.equal(await message(page, "check-message"), `Wrong: ${differing} of 81 cells differ from the answer.`);

    // The Solve panel's interface writes a grid into the editor, as one undo step.
    await page.evaluate(async (grid) => {
      const app = await import("./js/app.js");
      app.setEditorGrid(grid);
    }, answer);
    assert.deepEqual(await readOutput(page), answer);
    await page.click("#check-answer");
    assert.equal(await message(page, "check-message"), "Correct: the output grid matches the answer.");
    await screenshot(page, "check");

    await page.keyboard.press("Control+z");
    assert.equal(await message(page, "check-message"), "");
    assert.equal(await page.textContent("#output-size"), "9 x 9");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("solve interface reads the task", async () => {
  const expected = await readTask("arc-agi_training", TASK_ID);
  const { context, page, errors } = await openApp();
  try {
    const seen = await page.evaluate(async () => {
      const app = await import("./js/app.js");
      let rejected = "";
      try {
        app.setEditorGrid([[1, 2], [3]]);
      } catch (error) {
        rejected = error instanceof Error ? error.message : String(error);
      }
      return { task: app.getCurrentTask(), testIndex: app.getTestIndex(), rejected };
    });
    assert.deepEqual(seen.task, { id: TASK_ID, ...expected });
    assert.equal(seen.testIndex, 0);
    assert.equal(seen.rejected, "setEditorGrid: expected 1 to 30 rows of equal length 1 to 30, holding integers 0-9.");

    // Listeners hear about every task opened afterwards.
    await page.evaluate(async () => {
      const app = await import("./js/app.js");
      const log = [];
      Object.assign(window, { taskLog: log });
      app.onTaskChange((task, testIndex) => log.push(`${task.id}#${testIndex}`));
    });
    await page.click('#task-list button[data-task="00d62c1b"]');
    await page.waitForFunction(() => document.getElementById("task-heading")?.textContent?.includes("00d62c1b"));
    assert.deepEqual(await page.evaluate(() => /** @type {any} */ (window).taskLog), ["00d62c1b#0"]);
    await screenshot(page, "solve-interface");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("malformed pasted JSON shows the message", async () => {
  const { context, page, errors } = await openApp();
  try {
    await page.click('#palette [data-symbol="1"]');
    await page.click('#output [data-row="0"][data-column="0"]');

    const bad = JSON.stringify({ train: [{ input: [[0, 10]], output: [[1]] }], test: [{ input: [[1]] }] });
    await page.fill("#paste", bad);
    await page.click("#load-paste");
    assert.equal(
      await message(page, "paste-message"),
      "task pasted, train pair 0, input grid: row 0, column 1: cell is 10, expected an integer from 0 to 9",
    );
    // The current task and the editor stay as they were.
    assert.equal(await page.textContent("#task-heading"), `Task ${TASK_ID} · ARC-AGI-1 training`);
    assert.equal((await readOutput(page))[0][0], 1);

    await page.fill("#paste", '{"train": [');
    await page.click("#load-paste");
    assert.equal(
      await message(page, "paste-message"),
      "file: invalid JSON at line 1, column 11 (byte offset 11): EOF while parsing a list",
    );
    await screenshot(page, "paste-error");

    // A task without a known answer opens, and Check says there is nothing to compare.
    const good = JSON.stringify({ train: [{ input: [[1, 2]], output: [[2, 1]] }], test: [{ input: [[3, 4]] }] });
    await page.fill("#paste", good);
    await page.click("#load-paste");
    assert.equal(await page.textContent("#task-heading"), "Task pasted · pasted JSON");
    assert.equal(await message(page, "paste-message"), "Opened the pasted task.");
    assert.equal(new URL(page.url()).search, "");
    await page.click("#check-answer");
    assert.equal(
      await message(page, "check-message"),
      "No known answer for test input 1 of this task, so there is nothing to check against.",
    );
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("file picker and drop open tasks", async () => {
  const { context, page, errors } = await openApp();
  try {
    const picked = { train: [{ input: [[5, 5]], output: [[6]] }], test: [{ input: [[1], [2]] }, { input: [[3]] }] };
    await page.setInputFiles("#file", {
      name: "my-task.json",
      mimeType: "application/json",
      buffer: Buffer.from(JSON.stringify(picked)),
    });
    await page.waitForFunction(() => document.getElementById("task-heading")?.textContent?.includes("my-task"));
    assert.equal(await page.textContent("#task-heading"), "Task my-task · from a file");
    assert.equal(await page.textContent("#test-position"), "1 of 2");
    assert.deepEqual((await readGrid(page, "#test-input .grid")).symbols, [[1], [2]]);
    await page.click("#next-test");
    assert.equal(await page.textContent("#test-position"), "2 of 2");
    assert.deepEqual((await readGrid(page, "#test-input .grid")).symbols, [[3]]);

    // A dropped file with a problem leaves the picked task open.
    const dropBad = JSON.stringify({ train: [], test: [{ input: [[1, 2], [3]] }] });
    await dropFile(page, "dropped.json", dropBad);
    await page.waitForFunction(() => document.getElementById("file-message")?.textContent !== "Opened my-task.json.");
    assert.equal(
      await message(page, "file-message"),
      "task dropped: `train` is an empty list, expected at least one pair\n" +
        "task dropped, test pair 0, input grid: row 1 has 1 cells, but row 0 has 2",
    );
    assert.equal(await page.textContent("#task-heading"), "Task my-task · from a file");

    const dropGood = JSON.stringify({ train: [{ input: [[2]], output: [[4]] }], test: [{ input: [[8, 8, 8]], output: [[8]] }] });
    await dropFile(page, "dropped.json", dropGood);
    await page.waitForFunction(() => document.getElementById("task-heading")?.textContent?.includes("dropped"));
    assert.equal(await page.textContent("#task-heading"), "Task dropped · from a file");
    const input = await readGrid(page, "#test-input .grid");
    assert.deepEqual(input.colours, [[PALETTE[8], PALETTE[8], PALETTE[8]]]);
    await screenshot(page, "file-drop");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

/**
 * Drops a file on the page as a drag from the desktop would.
 * @param {import("playwright-core").Page} page
 * @param {string} name
 * @param {string} text
 */
async function dropFile(page, name, text) {
  const transfer = await page.evaluateHandle(
    ({ name, text }) => {
      const data = new DataTransfer();
      data.items.add(new File([text], name, { type: "application/json" }));
      return data;
    },
    { name, text },
  );
  await page.dispatchEvent("#train-pairs", "dragover", { dataTransfer: transfer });
  await page.dispatchEvent("#train-pairs", "drop", { dataTransfer: transfer });
}

test("reload keeps task and edits", async () => {
  const { context, page, errors, warnings } = await openApp();
  try {
    await page.click('#palette [data-symbol="5"]');
    await drag(page, "#output", [0, 0], [2, 0]);
    const edited = [
      [5, 0, 0],
      [5, 0, 0],
      [5, 0, 0],
    ];
    await page.reload();
    await waitForTask(page);
    assert.deepEqual(await readOutput(page), edited);

    // A pasted task and its grid survive too, with no parameters in the URL.
    const pasted = { train: [{ input: [[1]], output: [[2]] }], test: [{ input: [[4, 4]] }] };
    await page.fill("#paste", JSON.stringify(pasted));
    await page.click("#load-paste");
    await page.click("#copy-input");
    await page.reload();
    await waitForTask(page);
    assert.equal(await page.textContent("#task-heading"), "Task pasted · pasted JSON");
    assert.deepEqual(await readOutput(page), [[4, 4]]);

    // Going back to the bundled task finds its grid again.
    await page.goto(server.url + TASK_LINK);
    await waitForTask(page);
    assert.deepEqual(await readOutput(page), edited);

    // Each test input keeps its own grid, and the open one is restored.
    const twoTests = { train: [{ input: [[1]], output: [[2]] }], test: [{ input: [[3]] }, { input: [[6, 6]] }] };
    await page.fill("#paste", JSON.stringify(twoTests));
    await page.click("#load-paste");
    await page.click("#next-test");
    await page.click("#copy-input");
    await page.reload();
    await waitForTask(page);
    assert.equal(await page.textContent("#test-position"), "2 of 2");
    assert.deepEqual(await readOutput(page), [[6, 6]]);
    await page.click("#previous-test");
    assert.deepEqual(await readOutput(page), [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);

    // Grids that were only looked at are not stored.
    const keys = await page.evaluate(() => Object.keys(JSON.parse(localStorage.getItem("ponder.app.v1") ?? "{}").grids));
    const withoutHashes = keys.map((key) => key.replace(/:[0-9a-f]{8}#/, ":HASH#"));
    assert.deepEqual(withoutHashes, ["arc-agi-1/training/007bbfb7#0", "pasted:pasted:HASH#0", "pasted:pasted:HASH#1"]);
    assert.notEqual(keys[1].slice(0, -2), keys[2].slice(0, -2));
    await screenshot(page, "reload");
    assert.deepEqual(errors, []);
    assert.deepEqual(warnings, []);
  } finally {
    await context.close();
  }
});

test("corrupt storage is ignored with a warning", async () => {
  const { context, page, errors, warnings } = await openApp();
  try {
    await page.evaluate(() => localStorage.setItem("ponder.app.v1", "{not json"));
    await page.reload();
    await waitForTask(page);
    assert.equal(await page.textContent("#task-heading"), `Task ${TASK_ID} · ARC-AGI-1 training`);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /^Ponder: ignoring ponder\.app\.v1 in localStorage because it is not valid JSON/);

    await page.evaluate(() =>
      localStorage.setItem("ponder.app.v1", JSON.stringify({ current: { source: 3 }, grids: { "x#0": [[12]] } })),
    );
    await page.goto(server.url);
    await waitForTask(page);
    assert.equal(await page.textContent("#task-heading"), "Task 007bbfb7 · ARC-AGI-1 training");
    assert.ok(warnings.some((w) => w.startsWith("Ponder: ignoring the saved editor grid x#0")));
    assert.ok(warnings.some((w) => w.startsWith("Ponder: ignoring the saved current task")));
    await screenshot(page, "corrupt-storage");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
