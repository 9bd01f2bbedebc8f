// Maze mode of the page that `cargo xtask serve` builds, driven as a user
// would: the `?mode=maze` link, the generated first maze, drawing with the
// tools by click, drag and keys, pasted text good and bad, a reload, and a
// solve on the CPU backend. No trained maze model ships yet, so the solve
// runs the untrained fallback. The test checks that the page marks it and
// shows a board after every ACT step. The verdict on the last board must
// match an independent checker in this file.

import assert from "node:assert/strict";
import { test } from "node:test";

import { pageFixture } from "./page.mjs";

const SIDE = 30;
/** `halt_max_steps` of Ponder's maze architecture (`TrmConfig::ponder_maze`). */
const STEPS = 8;
/** Loading the model and 8 ACT steps take seconds on wasm CPU; the rest is headroom for a loaded machine. */
const SOLVE_TIMEOUT_MS = 5 * 60_000;

const fixture = pageFixture("maze", { width: 1440, height: 1100 });

/**
 * Opens the page in a fresh context and waits until the maze editor shows.
 * @param {string} [query]
 */
function openMaze(query = "?mode=maze") {
  return fixture.open(query, waitForEditor);
}

/** @param {import("playwright-core").Page} page */
async function waitForEditor(page) {
  await page.waitForFunction(() => document.querySelectorAll("#maze-grid .maze-cell").length === 900, null, {
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
 * Reads the board that the editor draws back from its cells' classes.
 * @param {import("playwright-core").Page} page
 */
async function readBoard(page) {
  return page.$$eval("#maze-grid .maze-cell", (cells) =>
    cells
      .map((cell) => {
        const kinds = /** @type {Record<string, string>} */ ({ wall: "#", open: " ", start: "S", goal: "G", path: "o" });
        const kind = Object.keys(kinds).find((name) => cell.classList.contains(name));
        return kind ? kinds[kind] : "?";
      })
      .join(""),
  );
}

/**
 * Returns the selector of the cell at `row` and `column`, counted from 1.
 * @param {number} row
 * @param {number} column
 */
function cell(row, column) {
  return `#maze-grid [data-index="${(row - 1) * SIDE + column - 1}"]`;
}

/** @param {string} board */
function lines(board) {
  return Array.from({ length: SIDE }, (_, row) => board.slice(row * SIDE, (row + 1) * SIDE)).join("\n");
}

/**
 * Breadth-first distances from `source` over the cells that `passable` allows.
 * @param {string} board
 * @param {number} source
 * @param {(cell: string) => boolean} passable
 */
function distances(board, source, passable) {
  /** @type {(number | undefined)[]} */
  const found = new Array(board.length);
  found[source] = 0;
  const queue = [source];
  while (queue.length > 0) {
    const at = /** @type {number} */ (queue.shift());
    const row = Math.floor(at / SIDE);
    const column = at % SIDE;
    const next = [
      row > 0 ? at - SIDE : -1,
      row < SIDE - 1 ? at + SIDE : -1,
      column > 0 ? at - 1 : -1,
      column < SIDE - 1 ? at + 1 : -1,
    ];
    for (const index of next) {
      if (index >= 0 && found[index] === undefined && passable(board[index])) {
        found[index] = /** @type {number} */ (found[at]) + 1;
        queue.push(index);
      }
    }
  }
  return found;
}

/**
 * Steps on a shortest path from S to G.
 * @param {string} maze
 */
function shortest(maze) {
  return distances(maze, maze.indexOf("S"), (cell) => cell !== "#")[maze.indexOf("G")];
}

/**
 * Returns what is wrong with a predicted board in the words of Ponder's
 * checker, or null for a shortest path. It is written apart from the Rust
 * code that it checks.
 * @param {string} maze
 * @param {string} board
 */
function expectedProblem(maze, board) {
  const where = (/** @type {number} */ index) => `row ${Math.floor(index / SIDE) + 1}, column ${(index % SIDE) + 1}`;
  const pad = [...board].flatMap((value, index) => (value === "?" ? [index] : []));
  if (pad.length > 0) {
    return `${pad.length} ${pad.length === 1 ? "cell is" : "cells are"} PAD in the prediction, the first at ${where(pad[0])}`;
  }
  for (let index = 0; index < board.length; index += 1) {
    if (board[index] !== maze[index] && !(maze[index] === " " && board[index] === "o")) {
      return `${where(index)} is '${board[index]}' in the prediction but '${maze[index]}' in the maze; only open cells may become path`;
    }
  }
  const reached = distances(board, board.indexOf("S"), (cell) => "oSG".includes(cell))[board.indexOf("G")];
  if (reached === undefined) return "path cells do not connect the start to the goal";
  const drawn = [...board].filter((cell) => cell === "o").length + 1;
  const steps = shortest(maze);
  return drawn === steps ? null : `path has ${drawn} cells, but the shortest path has ${steps}`;
}

test("first visit shows a generated maze", async () => {
  const { context, page, errors } = await openMaze();
  try {
    assert.equal(await page.isVisible("#maze"), true);
    assert.equal(await page.isVisible("#app"), false);
    assert.equal(await page.isVisible("#sudoku"), false);
    assert.equal(await page.getAttribute('#mode-switch [data-mode="maze"]', "aria-pressed"), "true");

    const board = await readBoard(page);
    const generated = await page.evaluate(() => /** @type {any} */ (window).wasmBindings.generateMaze(1));
    assert.equal(board, generated);
    assert.equal(board.split("S").length - 1, 1);
    assert.equal(board.split("G").length - 1, 1);
    const steps = shortest(board);
    assert.notEqual(steps, undefined);
    assert.ok(/** @type {number} */ (steps) >= 20, `shortest path ${steps}`);
    assert.equal(await page.textContent("#maze-facts"), `Shortest path from S to G: ${steps} steps.`);
    assert.equal(await page.inputValue("#maze-text"), lines(board));

    // Switching away and back keeps the mode's state. The URL names the mode
    // beside the task that the hidden ARC view opened.
    await page.waitForFunction(() => document.getElementById("task-heading")?.textContent?.startsWith("Task "));
    await page.click('#mode-switch [data-mode="sudoku"]');
    assert.equal(new URL(page.url()).searchParams.get("mode"), "sudoku");
    await page.click('#mode-switch [data-mode="maze"]');
    assert.equal(new URL(page.url()).search, "?dataset=arc-agi-1/training&task=007bbfb7&mode=maze");
    assert.equal(await readBoard(page), board);

    await page.click("#maze-generate");
    assert.equal(await readBoard(page), await page.evaluate(() => /** @type {any} */ (window).wasmBindings.generateMaze(2)));
    assert.deepEqual(errors, []);
    await screenshot(page, "first-visit");
  } finally {
    await context.close();
  }
});

test("tools, drag and keys draw the maze, and a reload keeps it", async () => {
  const { context, page, errors } = await openMaze();
  try {
    await page.click("#maze-clear");
    assert.equal(await page.textContent("#maze-facts"), "Not solvable yet: maze has 0 start cells, expected exactly one.");

    // A wall dragged along row 5 from column 4 to column 9.
    const from = /** @type {import("playwright-core").ElementHandle} */ (await page.$(cell(5, 4)));
    const to = /** @type {import("playwright-core").ElementHandle} */ (await page.$(cell(5, 9)));
    const a = /** @type {{ x: number, y: number, width: number, height: number }} */ (await from.boundingBox());
    const b = /** @type {{ x: number, y: number, width: number, height: number }} */ (await to.boundingBox());
    await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    await page.mouse.down();
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
    await page.mouse.up();
    const row5 = (await readBoard(page)).slice(4 * SIDE, 5 * SIDE);
    assert.equal(row5, `#  ${"#".repeat(6)}${" ".repeat(20)}#`);

    await page.check('input[name="maze-tool"][value="start"]');
    await page.click(cell(3, 3));
    await page.check('input[name="maze-tool"][value="goal"]');
    await page.click(cell(3, 20));
    assert.equal(await page.textContent("#maze-facts"), "Shortest path from S to G: 17 steps.");

    // Moving the start leaves one S.
    await page.check('input[name="maze-tool"][value="start"]');
    await page.click(cell(3, 2));
    await page.click(cell(3, 3));
    let board = await readBoard(page);
    assert.equal(board.split("S").length - 1, 1);
    assert.equal(board[2 * SIDE + 1], " ");

    // Keys: the cursor sits on the last clicked cell.
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    assert.equal(await page.textContent("#maze-cursor"), "row 3, column 5");
    await page.keyboard.press("#");
    assert.equal(await page.textContent("#maze-facts"), "Shortest path from S to G: 19 steps.");
    await page.keyboard.press("Backspace");
    assert.equal(await page.textContent("#maze-facts"), "Shortest path from S to G: 17 steps.");
    await page.keyboard.press("g");
    assert.equal(await page.textContent("#maze-facts"), "Shortest path from S to G: 2 steps.");

    board = await readBoard(page);
    await page.reload();
    await waitForEditor(page);
    assert.equal(await page.isVisible("#maze"), true, "a reload stays in Maze mode");
    assert.equal(await readBoard(page), board);
    assert.deepEqual(errors, []);
    await screenshot(page, "drawn");
  } finally {
    await context.close();
  }
});

test("pasted maze loads, and bad text is named", async () => {
  const { context, page, errors } = await openMaze();
  try {
    const maze = await page.evaluate(() => /** @type {any} */ (window).wasmBindings.generateMaze(5));
    const solved = [...maze].map((value, index) => (value === " " && index % SIDE === 1 ? "o" : value)).join("");
    const drawn = [...solved].filter((value, index) => value !== maze[index]).length;
    assert.ok(drawn > 1);

    await page.fill("#maze-paste", lines(solved));
    await page.click("#maze-load-paste");
    assert.equal(
      await page.textContent("#maze-paste-message"),
      `Loaded the maze. Its ${drawn} path cells are open cells now: the model draws the path.`,
    );
    assert.equal(await readBoard(page), maze);

    const typo = lines(maze).split("\n");
    typo[2] = `${typo[2].slice(0, 6)}x${typo[2].slice(7)}`;
    await page.fill("#maze-paste", typo.join("\n"));
    await page.click("#maze-load-paste");
    assert.equal(await page.textContent("#maze-paste-message"), "Invalid maze: row 3, column 7 is 'x', expected one of `# SGo`.");
    await page.fill("#maze-paste", typo.slice(0, 29).join("\n"));
    await page.click("#maze-load-paste");
    assert.equal(await page.textContent("#maze-paste-message"), "Invalid maze: expected 30 lines of 30 characters, found 29 lines.");
    assert.equal(await readBoard(page), maze, "a bad paste leaves the maze as it was");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("solve shows every ACT step of the untrained model and judges the last", { timeout: SOLVE_TIMEOUT_MS + 60_000 }, async () => {
  const { context, page, errors } = await openMaze("?mode=maze&backend=cpu");
  try {
    const maze = await readBoard(page);

    // Cancel while the solver starts: no step runs.
    await page.click("#maze-solve-start");
    await page.click("#maze-solve-cancel");
    await page.waitForFunction(() => document.getElementById("maze-status")?.textContent === "cancelled", null, {
      timeout: SOLVE_TIMEOUT_MS,
    });
    assert.equal(await page.$$eval("#maze-steps figure", (figures) => figures.length), 0);

    await page.click("#maze-solve-start");
    await page.waitForFunction(() => document.getElementById("maze-status")?.textContent === "done", null, {
      timeout: SOLVE_TIMEOUT_MS,
    });
    assert.equal(await page.textContent("#maze-backend"), "cpu on CPU (burn Flex)");
    assert.match(
      (await page.textContent("#maze-model")) ?? "",
      /^untrained maze TRM, hidden 64, seed 0 \(TRM, [\d,]+ parameters, 8 ACT steps\)$/,
    );
    assert.equal(await page.isVisible("#maze-model-notice"), true);

    const steps = await page.$$eval("#maze-steps figure", (figures) =>
      figures.map((figure) => ({
        caption: figure.querySelector("figcaption")?.textContent ?? "",
        qHalt: Number(/** @type {HTMLElement} */ (figure).dataset.qHalt),
        board: /** @type {HTMLElement} */ (figure.querySelector(".maze-board")).dataset.board ?? "",
        cells: figure.querySelectorAll(".maze-cell").length,
      })),
    );
    assert.equal(steps.length, STEPS);
    steps.forEach((step, index) => {
      assert.equal(step.caption, `Step ${index + 1} of ${STEPS}: q_halt ${step.qHalt.toFixed(3)}`);
      assert.ok(step.qHalt >= 0, `q_halt ${step.qHalt} is a probability`);
      assert.ok(step.qHalt <= 1, `q_halt ${step.qHalt} is a probability`);
      assert.match(step.board, /^[# SGo?]{900}$/);
      assert.equal(step.cells, 900);
    });

    const problem = expectedProblem(maze, steps[STEPS - 1].board);
    const verdict = (await page.textContent("#maze-verdict")) ?? "";
    if (problem === null) {
      assert.match(verdict, /^Solved: after 8 ACT steps the path of \d+ cells is a shortest path from S to G/);
    } else {
      assert.equal(verdict, `Not solved: after 8 ACT steps the board is no shortest path from S to G: ${problem}.`);
    }
    assert.equal(await page.getAttribute("#maze-verdict", "data-solved"), String(problem === null));
    assert.equal(await page.isVisible("#maze-error"), false);
    assert.deepEqual(errors, []);
    await screenshot(page, "solve-cpu");
  } finally {
    await context.close();
  }
});

test("a model for another puzzle is refused", async () => {
  const { context, page, errors } = await openMaze("?mode=maze&backend=cpu");
  try {
    const config = JSON.stringify({
      seq_len: 81, vocab_size: 11, puzzle_emb_ndim: 0, puzzle_emb_len: 0, num_puzzle_identifiers: 1,
      H_cycles: 2, L_cycles: 2, H_layers: 0, L_layers: 2, hidden_size: 64, expansion: 4, num_heads: 2,
      mlp_t: true, pos_encodings: "none", halt_max_steps: 8, halt_exploration_prob: 0.1,
      forward_dtype: "float32", no_ACT_continue: true,
    });
    await page.click("#maze .solve-load summary");
    await page.setInputFiles("#maze-config-file", { name: "config.json", mimeType: "application/json", buffer: Buffer.from(config) });
    await page.setInputFiles("#maze-weights-file", { name: "model.safetensors", mimeType: "application/octet-stream", buffer: Buffer.alloc(8) });
    await page.click("#maze-load");
    await page.waitForFunction(() => document.getElementById("maze-status")?.textContent === "failed", null, {
      timeout: SOLVE_TIMEOUT_MS,
    });
    assert.equal(
      await page.textContent("#maze-error"),
      "the model reads 81 tokens with a vocabulary of 11, but a maze model reads 900 tokens with a vocabulary of 6",
    );
    // The fallback loaded while the solver started, and stays.
    assert.match((await page.textContent("#maze-model")) ?? "", /^untrained maze TRM/);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
