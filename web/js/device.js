// @ts-check
// The status area: which compute backend this browser offers, and a small
// matmul with known values that shows it computes.

/**
 * @typedef {object} SmokeReport
 * @property {"webgpu" | "cpu"} backend
 * @property {string} adapter
 * @property {string | null} fallbackReason
 * @property {number[]} shape
 * @property {number[]} values
 */

/** @param {string} id */
function element(id) {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found;
}

/**
 * Describes the browser's WebGPU adapter from `GPUAdapter.info` (vendor,
 * architecture, description), which the wasm side cannot see, after `base`,
 * the adapter as wgpu reports it.
 * @param {string} base
 * @returns {Promise<string>}
 */
export async function describeWebGpuAdapter(base) {
  try {
    const gpu = /** @type {any} */ (navigator).gpu;
    const adapter = gpu ? await gpu.requestAdapter() : null;
    const info = adapter?.info;
    if (!info) return base;
    const details = [info.vendor, info.architecture, info.description].filter((part) => part).join(" ");
    return details ? `${details} (${base})` : base;
  } catch {
    return base;
  }
}

/** @param {SmokeReport} report */
async function showReport(report) {
  element("backend").textContent = report.backend;
  element("adapter").textContent =
    report.backend === "webgpu" ? await describeWebGpuAdapter(report.adapter) : report.adapter;
  element("values").textContent = JSON.stringify([report.values.slice(0, 2), report.values.slice(2, 4)]);
  const notice = element("notice");
  notice.hidden = !report.fallbackReason;
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

/**
 * Runs the smoke check on the best backend available and shows the result.
 * @param {{ smokeTest: (backend: string) => Promise<SmokeReport> }} bindings
 */
export async function checkDevice(bindings) {
  try {
    await showReport(await bindings.smokeTest("auto"));
  } catch (error) {
    showError(error);
  }
}
