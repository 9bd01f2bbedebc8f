// Stand-ins that the Node tests of the page's DOM-free modules share.

/** A Map-backed stand-in for localStorage. */
export class MemoryStorage {
  constructor() {
    /** @type {Map<string, string>} */
    this.items = new Map();
  }
  /** @param {string} key */
  getItem(key) {
    return this.items.get(key) ?? null;
  }
  /** @param {string} key @param {string} value */
  setItem(key, value) {
    this.items.set(key, value);
  }
}

/**
 * Runs `body` and returns the messages it passed to console.warn.
 * @param {() => void} body
 */
export function collectWarnings(body) {
  /** @type {string[]} */
  const warnings = [];
  const original = console.warn;
  console.warn = (...args) => warnings.push(args.map(String).join(" "));
  try {
    body();
  } finally {
    console.warn = original;
  }
  return warnings;
}
