// @ts-check
// The page's three modes, ARC, Sudoku and Maze. The mode comes from the URL's
// `?mode=` parameter (ARC when it is absent or unknown), and the switch in the
// header changes it without a reload, writing it back to the URL so that a
// reload or a shared link opens the same mode. Each mode has its own <main>;
// the others stay hidden but keep their state.

/** @typedef {"arc" | "sudoku" | "maze"} Mode */

/** The <main> element of each mode. */
const SECTIONS = /** @type {Record<Mode, string>} */ ({ arc: "app", sudoku: "sudoku", maze: "maze" });

/** @type {Set<(mode: Mode) => void>} */
const listeners = new Set();

/**
 * Reads the mode from the page's URL.
 * @returns {Mode}
 */
export function modeFromUrl() {
  return asMode(new URLSearchParams(location.search).get("mode"));
}

/** @returns {Mode} */
export function currentMode() {
  return asMode(document.body.dataset.mode);
}

/**
 * Returns `value` when it names a mode, else ARC.
 * @param {string | null | undefined} value
 * @returns {Mode}
 */
function asMode(value) {
  return value === "sudoku" || value === "maze" ? value : "arc";
}

/**
 * Calls `listener` whenever the mode changes.
 * @param {(mode: Mode) => void} listener
 */
export function onModeChange(listener) {
  listeners.add(listener);
}

/**
 * Shows the mode that the URL names and wires the switch buttons
 * (`button[data-mode]` inside `#mode-switch`).
 */
export function bindModeSwitch() {
  const buttons = /** @type {HTMLButtonElement[]} */ ([...document.querySelectorAll("#mode-switch button[data-mode]")]);
  for (const button of buttons) {
    button.addEventListener("click", () => setMode(/** @type {Mode} */ (button.dataset.mode), true));
  }
  setMode(modeFromUrl(), false);
}

/**
 * @param {Mode} mode
 * @param {boolean} writeUrl whether to record the mode in the URL
 */
function setMode(mode, writeUrl) {
  document.body.dataset.mode = mode;
  for (const [name, id] of Object.entries(SECTIONS)) {
    const section = document.getElementById(id);
    if (section) section.hidden = name !== mode;
  }
  for (const button of document.querySelectorAll("#mode-switch button[data-mode]")) {
    button.setAttribute("aria-pressed", String(/** @type {HTMLElement} */ (button).dataset.mode === mode));
  }
  if (writeUrl) {
    const url = new URL(location.href);
    if (mode === "arc") url.searchParams.delete("mode");
    else url.searchParams.set("mode", mode);
    // URLSearchParams encodes the slash in `dataset=arc-agi-1/training`; a query may hold it as is.
    url.search = url.search.replaceAll("%2F", "/");
    history.replaceState(history.state, "", url);
  }
  for (const listener of listeners) listener(mode);
}
