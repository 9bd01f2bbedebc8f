// @ts-check
// The page's entry point: waits for the wasm module that Trunk loads, then
// checks which compute backend this browser offers and that it computes.

/**
 * @typedef {object} SmokeReport
 * @property {"webgpu" | "cpu"} backend
 * @property {string} adapter
 * @property {string | null} fallbackReason
 * @property {number[]} shape
 * @property {number[]} values
 */

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

/** @param {string} id */
function element(id) {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found;
}

/** @param {SmokeReport} report */
function showReport(report) {
  element("backend").textContent = report.backend;
  element("adapter").textContent = report.adapter;
  element("values").textContent = JSON.stringify([report.values.slice(0, 2), report.values.slice(2, 4)]);
  const notice = element("notice");
  notice.hidden = report.fallbackReason === null;
  notice.textContent = report.fallbackReason ? `Running on the CPU because ${report.fallbackReason}` : "";
}

/** @param {unknown} error */
function showError(error) {
  const message = error instanceof Error ? error.message : String(error);
  for (const id of ["backend", "adapter", "values"]) {
    const field = element(id);
    field.textContent = "failed";
    field.classList.add("error");
  }
  const notice = element("notice");
  notice.hidden = false;
  notice.textContent = message;
}

async function main() {
  const bindings = await wasmBindings();
  try {
    showReport(await bindings.smokeTest("auto"));
  } catch (error) {
    showError(error);
  }
}

main();
