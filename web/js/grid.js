// @ts-check
// ARC grids as plain arrays of rows of symbols 0-9, and the edits the output
// editor makes to them. Every function returns a new grid; none touches the DOM.

/** @typedef {number[][]} Grid */

/**
 * A rectangle of cells, both corners included.
 * @typedef {object} Rect
 * @property {number} top
 * @property {number} left
 * @property {number} bottom
 * @property {number} right
 */

/** The smallest and largest number of rows or columns in an ARC grid. */
export const MIN_SIZE = 1;
export const MAX_SIZE = 30;

/**
 * Creates a `rows` x `columns` grid filled with `symbol`.
 * @param {number} rows
 * @param {number} columns
 * @param {number} [symbol]
 * @returns {Grid}
 */
export function createGrid(rows, columns, symbol = 0) {
  return Array.from({ length: rows }, () => new Array(columns).fill(symbol));
}

/** @param {Grid} grid */
export function cloneGrid(grid) {
  return grid.map((row) => row.slice());
}

/** @param {Grid} grid */
export function gridSize(grid) {
  return { rows: grid.length, columns: grid[0]?.length ?? 0 };
}

/**
 * Formats a grid's size as "rows x columns".
 * @param {Grid} grid
 */
export function formatSize(grid) {
  const { rows, columns } = gridSize(grid);
  return `${rows} x ${columns}`;
}

/**
 * @param {Grid} a
 * @param {Grid} b
 */
export function gridsEqual(a, b) {
  return a.length === b.length && a.every((row, r) => row.length === b[r].length && row.every((cell, c) => cell === b[r][c]));
}

/**
 * Checks that `value` is a grid of 1..30 rows of equal length 1..30 holding
 * integers 0-9, as the output editor requires.
 * @param {unknown} value
 * @returns {value is Grid}
 */
export function isGrid(value) {
  if (!Array.isArray(value) || value.length < MIN_SIZE || value.length > MAX_SIZE) return false;
  const columns = Array.isArray(value[0]) ? value[0].length : 0;
  if (columns < MIN_SIZE || columns > MAX_SIZE) return false;
  return value.every(
    (row) =>
      Array.isArray(row) &&
      row.length === columns &&
      row.every((cell) => Number.isInteger(cell) && cell >= 0 && cell <= 9),
  );
}

/**
 * Sets one cell, or returns `grid` itself when the cell already contains `symbol`
 * or lies outside, so callers can skip recording a no-op.
 * @param {Grid} grid
 * @param {number} row
 * @param {number} column
 * @param {number} symbol
 */
export function setCell(grid, row, column, symbol) {
  if (grid[row]?.[column] === undefined || grid[row][column] === symbol) return grid;
  const next = cloneGrid(grid);
  next[row][column] = symbol;
  return next;
}

/**
 * Resizes to `rows` x `columns`, keeping the overlapping top-left part and
 * filling new cells with 0, as the ARC testing interface does.
 * @param {Grid} grid
 * @param {number} rows
 * @param {number} columns
 */
export function resizeGrid(grid, rows, columns) {
  return Array.from({ length: rows }, (_, r) => Array.from({ length: columns }, (_, c) => grid[r]?.[c] ?? 0));
}

/**
 * Fills the 4-connected region of equal symbols that contains (row, column).
 * @param {Grid} grid
 * @param {number} row
 * @param {number} column
 * @param {number} symbol
 */
export function floodFill(grid, row, column, symbol) {
  const target = grid[row]?.[column];
  if (target === undefined || target === symbol) return grid;
  const next = cloneGrid(grid);
  const stack = [[row, column]];
  while (stack.length > 0) {
    const [r, c] = /** @type {[number, number]} */ (stack.pop());
    if (next[r]?.[c] !== target) continue;
    next[r][c] = symbol;
    stack.push([r + 1, c], [r - 1, c], [r, c + 1], [r, c - 1]);
  }
  return next;
}

/**
 * Orders two corner cells into a rectangle.
 * @param {number} row0
 * @param {number} column0
 * @param {number} row1
 * @param {number} column1
 * @returns {Rect}
 */
export function rectFromCorners(row0, column0, row1, column1) {
  return {
    top: Math.min(row0, row1),
    left: Math.min(column0, column1),
    bottom: Math.max(row0, row1),
    right: Math.max(column0, column1),
  };
}

/**
 * @param {Rect} rect
 * @param {number} row
 * @param {number} column
 */
export function rectContains(rect, row, column) {
  return row >= rect.top && row <= rect.bottom && column >= rect.left && column <= rect.right;
}

/**
 * Fills the part of `rect` that lies inside the grid with `symbol`.
 * @param {Grid} grid
 * @param {Rect} rect
 * @param {number} symbol
 */
export function fillRect(grid, rect, symbol) {
  return grid.map((row, r) => row.map((cell, c) => (rectContains(rect, r, c) ? symbol : cell)));
}

/**
 * Returns the cells of `rect` that lie inside the grid, as a grid of their own.
 * @param {Grid} grid
 * @param {Rect} rect
 * @returns {Grid}
 */
export function cropGrid(grid, rect) {
  const bottom = Math.min(rect.bottom, grid.length - 1);
  const right = Math.min(rect.right, (grid[0]?.length ?? 0) - 1);
  const rows = [];
  for (let r = rect.top; r <= bottom; r++) rows.push(grid[r].slice(rect.left, right + 1));
  return rows;
}

/**
 * Pastes `patch` with its top-left cell at (row, column); cells that would
 * fall outside the grid are dropped.
 * @param {Grid} grid
 * @param {Grid} patch
 * @param {number} row
 * @param {number} column
 */
export function pasteGrid(grid, patch, row, column) {
  const next = cloneGrid(grid);
  patch.forEach((patchRow, r) =>
    patchRow.forEach((symbol, c) => {
      if (next[row + r]?.[column + c] !== undefined) next[row + r][column + c] = symbol;
    }),
  );
  return next;
}

/**
 * Counts the cells that differ between two grids of the same size.
 * @param {Grid} a
 * @param {Grid} b
 */
export function countDifferences(a, b) {
  let count = 0;
  a.forEach((row, r) => row.forEach((cell, c) => (count += cell === b[r][c] ? 0 : 1)));
  return count;
}
