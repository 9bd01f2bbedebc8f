// @ts-check
// Keyboard shortcuts. Keys 0-9 pick a colour, C and V copy and paste the
// selection, and Escape clears it. Ctrl+Z undoes, Ctrl+Shift+Z and Ctrl+Y
// redo. In the focused output grid, the arrow keys move the cursor (Shift
// extends the selection) and Space or Enter applies the tool. No shortcut
// fires while the user types in a text field, or in Sudoku mode.

import * as app from "./app.js";
import { currentMode } from "./mode.js";

/** Input types that take typed text; keys typed there belong to the field. */
const TEXT_INPUTS = new Set(["text", "search", "number", "email", "password", "tel", "url"]);

/** @param {EventTarget | null} target */
function isTextField(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target instanceof HTMLInputElement) return TEXT_INPUTS.has(target.type);
  return target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement || target.isContentEditable;
}

/** Arrow keys as row and column steps. */
const ARROWS = /** @type {Record<string, [number, number]>} */ ({
  ArrowUp: [-1, 0],
  ArrowDown: [1, 0],
  ArrowLeft: [0, -1],
  ArrowRight: [0, 1],
});

export function bindKeys() {
  document.addEventListener("keydown", (event) => {
    if (isTextField(event.target) || event.altKey || currentMode() !== "arc") return;
    const key = event.key.toLowerCase();

    if (event.ctrlKey || event.metaKey) {
      if (key === "z" && !event.shiftKey) app.undo();
      else if ((key === "z" && event.shiftKey) || key === "y") app.redo();
      else return;
      event.preventDefault();
      return;
    }

    const inOutput = event.target instanceof HTMLElement && event.target.id === "output";
    if (/^[0-9]$/.test(key)) app.pickSymbol(Number(key));
    else if (key === "c") app.copySelection();
    else if (key === "v") app.pasteSelection();
    else if (key === "escape") app.clearSelection();
    else if (inOutput && event.key in ARROWS) app.moveCursor(...ARROWS[event.key], event.shiftKey);
    else if (inOutput && (key === " " || key === "enter")) app.applyAtCursor();
    else return;
    event.preventDefault();
  });
}
