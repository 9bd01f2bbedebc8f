// @ts-check
// Draws grids as DOM cells. Each cell carries one of the ten palette classes
// `symbol-0` .. `symbol-9` (colours in style.css) and its position in
// `data-row` and `data-column`, which the editor's pointer handling reads.

import { formatSize, gridSize, rectContains } from "./grid.js";

/** @typedef {import("./grid.js").Grid} Grid */
/** @typedef {import("./grid.js").Rect} Rect */

/**
 * @typedef {object} GridOptions
 * @property {boolean} numbers print each cell's symbol number
 * @property {number} maxPixels the maximum side length of the drawn grid, in CSS pixels
 * @property {Rect | null} [selection] cells to outline as selected
 * @property {{ row: number, column: number } | null} [cursor] the keyboard cursor
 */

/** Cells are never drawn larger than this, in CSS pixels, however small the grid. */
const MAX_CELL = 40;

/**
 * Draws `grid` into `element`, reusing its cells when the size is unchanged so
 * that painting a 30 x 30 grid stays cheap.
 * @param {HTMLElement} element
 * @param {Grid} grid
 * @param {GridOptions} options
 */
export function drawGrid(element, grid, options) {
  const { rows, columns } = gridSize(grid);
  const cell = Math.max(4, Math.min(MAX_CELL, Math.floor(options.maxPixels / Math.max(rows, columns))));
  element.classList.add("grid");
  element.style.setProperty("--rows", String(rows));
  element.style.setProperty("--columns", String(columns));
  element.style.setProperty("--cell", `${cell}px`);
  element.dataset.rows = String(rows);
  element.dataset.columns = String(columns);

  if (element.childElementCount !== rows * columns) {
    const cells = [];
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < columns; c++) {
        const div = document.createElement("div");
        div.dataset.row = String(r);
        div.dataset.column = String(c);
        cells.push(div);
      }
    }
    element.replaceChildren(...cells);
  }

  const children = /** @type {HTMLCollectionOf<HTMLElement>} */ (element.children);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const div = children[r * columns + c];
      const symbol = grid[r][c];
      const cursor = options.cursor?.row === r && options.cursor?.column === c;
      div.className = `cell symbol-${symbol}${selectionClasses(options.selection, r, c)}${cursor ? " cursor" : ""}`;
      div.dataset.symbol = String(symbol);
      div.textContent = options.numbers ? String(symbol) : "";
    }
  }
}

/**
 * Returns the classes that mark a selected cell and the selection's edges it lies on,
 * so the stylesheet can outline the rectangle rather than each cell.
 * @param {Rect | null | undefined} rect
 * @param {number} row
 * @param {number} column
 */
function selectionClasses(rect, row, column) {
  if (!rect || !rectContains(rect, row, column)) return "";
  let classes = " selected";
  if (row === rect.top) classes += " edge-top";
  if (row === rect.bottom) classes += " edge-bottom";
  if (column === rect.left) classes += " edge-left";
  if (column === rect.right) classes += " edge-right";
  return classes;
}

/**
 * Creates a captioned figure of a read-only grid; the caption gives its size
 * as rows x columns.
 * @param {string} title
 * @param {Grid} grid
 * @param {GridOptions} options
 */
export function gridFigure(title, grid, options) {
  const figure = document.createElement("figure");
  figure.className = "grid-figure";
  const drawn = document.createElement("div");
  drawn.setAttribute("role", "img");
  drawn.setAttribute("aria-label", `${title}, ${formatSize(grid)}`);
  drawGrid(drawn, grid, options);
  const caption = document.createElement("figcaption");
  const name = document.createElement("span");
  name.textContent = title;
  const size = document.createElement("span");
  size.className = "size";
  size.textContent = formatSize(grid);
  caption.append(name, " ", size);
  figure.append(drawn, caption);
  return figure;
}

/**
 * Finds the cell under a pointer event, if any.
 * @param {EventTarget | null} target
 * @returns {{ row: number, column: number } | null}
 */
export function cellAt(target) {
  if (!(target instanceof HTMLElement) || target.dataset.row === undefined) return null;
  return { row: Number(target.dataset.row), column: Number(target.dataset.column) };
}
