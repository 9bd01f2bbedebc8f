// @ts-check
// Reads and writes one JSON value in localStorage for the Sudoku and Maze
// modes. A storage that cannot be read or written, and a value that is not
// JSON, cost the saved value with a console warning, never the page.

/**
 * Returns the parsed value stored under `key`, or undefined when there is
 * none or it cannot be read or parsed.
 * @param {Storage} storage
 * @param {string} key
 * @param {string} instead what the page does without it, for the warning: "starting with an empty Sudoku"
 * @returns {unknown}
 */
export function readStoredJson(storage, key, instead) {
  let text;
  try {
    text = storage.getItem(key);
  } catch (error) {
    console.warn(`Ponder: cannot read localStorage, ${instead}:`, error);
    return undefined;
  }
  if (text === null) return undefined;

  try {
    return JSON.parse(text);
  } catch (error) {
    console.warn(`Ponder: ignoring ${key} in localStorage because it is not valid JSON:`, error);
    return undefined;
  }
}

/**
 * Stores `value` as JSON under `key`.
 * @param {Storage} storage
 * @param {string} key
 * @param {unknown} value
 * @param {string} name the saved value's name, for the warning: "the Sudoku"
 */
export function writeStoredJson(storage, key, value, name) {
  try {
    storage.setItem(key, JSON.stringify(value));
  } catch (error) {
    console.warn(`Ponder: cannot save ${name} to localStorage, it will not survive a reload:`, error);
  }
}
