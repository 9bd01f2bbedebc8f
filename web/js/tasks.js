// @ts-check
// Loads ARC tasks: the bundled datasets that the build splits into one file
// per task (web/tools/split-tasks.mjs), and task JSON from a file or pasted
// text. Every task goes through the wasm validator, `parseTask`, so the page
// reports the same problems as `ponder check`.

/** @typedef {import("./grid.js").Grid} Grid */

/**
 * One ARC task; `output` of a test pair is absent when the answer is unknown.
 * @typedef {object} Task
 * @property {string} id
 * @property {{ input: Grid, output: Grid }[]} train
 * @property {{ input: Grid, output?: Grid }[]} test
 */

/**
 * The origin of the current task.
 * @typedef {{ kind: "bundled", dataset: string, id: string }
 *   | { kind: "file", id: string }
 *   | { kind: "pasted", id: string }} TaskSource
 */

/**
 * The index that the build writes to tasks/index.json.
 * @typedef {object} TaskIndex
 * @property {{ name: string, title: string, tasks: { id: string, train: number, test: number }[] }[]} datasets
 */

/**
 * The wasm exports this module uses.
 * @typedef {object} Validator
 * @property {(id: string, text: string) => Omit<Task, "id">} parseTask
 */

/** The folder of the bundled tasks that the build writes, relative to the page. */
const TASKS_URL = new URL("tasks/", document.baseURI);

/** @returns {Promise<TaskIndex>} */
export async function fetchIndex() {
  const response = await fetch(new URL("index.json", TASKS_URL));
  if (!response.ok) throw new Error(`The task index failed to load: HTTP ${response.status} for tasks/index.json.`);
  return response.json();
}

/**
 * Fetches one bundled task and validates it.
 * @param {Validator} validator
 * @param {TaskIndex} index
 * @param {string} dataset e.g. "arc-agi-1/training"
 * @param {string} id
 * @returns {Promise<Task>}
 */
export async function fetchBundledTask(validator, index, dataset, id) {
  const entry = index.datasets.find((d) => d.name === dataset);
  if (!entry) {
    const names = index.datasets.map((d) => d.name).join(", ");
    throw new Error(`Dataset "${dataset}" not found; the bundled datasets are ${names}.`);
  }
  if (!entry.tasks.some((task) => task.id === id)) throw new Error(`Task "${id}" not found in ${dataset}.`);

  const response = await fetch(new URL(`${dataset}/${id}.json`, TASKS_URL));
  if (!response.ok) throw new Error(`Task ${dataset}/${id} failed to load: HTTP ${response.status}.`);
  return parseTaskText(validator, id, await response.text());
}

/**
 * Validates a single-task JSON text. On invalid input it throws the
 * validator's Error, whose message lists every problem one per line.
 * @param {Validator} validator
 * @param {string} id names the task in messages
 * @param {string} text
 * @returns {Task}
 */
export function parseTaskText(validator, id, text) {
  const parsed = validator.parseTask(id, text);
  return { id, train: parsed.train, test: parsed.test };
}

/**
 * Derives a task id from a file name by removing the .json extension.
 * @param {string} fileName
 */
export function idFromFileName(fileName) {
  return fileName.replace(/\.json$/i, "") || "file";
}

/**
 * Builds the key that identifies a task's saved editor grids: dataset and id
 * for bundled tasks, else id and a hash of the content, because two pasted
 * tasks may share an id.
 * @param {TaskSource} source
 * @param {Task} task
 */
export function taskKey(source, task) {
  if (source.kind === "bundled") return `${source.dataset}/${source.id}`;
  return `${source.kind}:${task.id}:${hashText(JSON.stringify({ train: task.train, test: task.test }))}`;
}

/**
 * 32-bit FNV-1a over UTF-16 code units, as 8 hex digits; enough to tell
 * a user's own tasks apart, not a cryptographic hash.
 * @param {string} text
 */
function hashText(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}
