// @ts-check
// The page's entry point: waits for the wasm module that Trunk loads, then
// starts the device check and the task app side by side.

import { startApp } from "./js/app.js";
import { bindControls } from "./js/controls.js";
import { checkDevice } from "./js/device.js";
import { bindKeys } from "./js/keys.js";

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

async function main() {
  bindControls();
  bindKeys();
  const bindings = await wasmBindings();
  checkDevice(bindings);
  await startApp(bindings);
}

main();
