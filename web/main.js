// @ts-check
// The page's entry point: shows the mode the URL names, waits for the wasm
// module that Trunk loads, then starts the device check, the Sudoku and Maze
// views and the task app side by side.

import { startApp } from "./js/app.js";
import { bindControls } from "./js/controls.js";
import { checkDevice } from "./js/device.js";
import { bindKeys } from "./js/keys.js";
import { bindModeSwitch } from "./js/mode.js";
import { startMazeEditor } from "./js/maze/editor.js";
import { startMazeSolve } from "./js/maze/solve.js";
import { startSolvePanel } from "./js/solve/panel.js";
import { startSudokuEditor } from "./js/sudoku/editor.js";
import { startSudokuSolve } from "./js/sudoku/solve.js";

/** Resolves to the wasm-bindgen exports once Trunk has instantiated the module. */
function wasmBindings() {
  return new Promise((resolve) => {
    const ready = /** @type {any} */ (window).wasmBindings;
    if (ready) {
      resolve(ready);
      return;
    }
    addEventListener("TrunkApplicationStarted", () => resolve(/** @type {any} */ (window).wasmBindings), {
      once: true,
    });
  });
}

/**
 * The solver's backend from the page's `?backend=` parameter (`webgpu`, `cpu`
 * or `auto`); `auto` when it is absent or unknown.
 * @returns {"webgpu" | "cpu" | "auto"}
 */
function requestedBackend() {
  const value = new URLSearchParams(location.search).get("backend");
  return value === "webgpu" || value === "cpu" ? value : "auto";
}

async function main() {
  bindModeSwitch();
  bindControls();
  bindKeys();
  const bindings = await wasmBindings();
  checkDevice(bindings);
  startSudokuEditor(bindings);
  startSudokuSolve({ backend: requestedBackend() });
  startMazeEditor(bindings);
  startMazeSolve({ backend: requestedBackend() });
  await startApp(bindings);
  startSolvePanel({ backend: requestedBackend() });
}

main();
