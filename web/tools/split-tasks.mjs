// Splits the bundled Kaggle ARC files (data/arc/) into one single-task JSON
// file per task, with the test outputs merged in from the solutions file, and
// writes an index of every dataset, so the page fetches one small file per task.
//
// Trunk runs it as a post_build hook and sets TRUNK_STAGING_DIR to the folder
// that becomes dist/. Run by hand: `node web/tools/split-tasks.mjs OUT_DIR`.
// Output: OUT_DIR/tasks/index.json and OUT_DIR/tasks/<dataset>/<id>.json.

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const DATA = fileURLToPath(new URL("../../data/arc/", import.meta.url));

/**
 * The bundled datasets. The same id can name different tasks in ARC-AGI-1 and
 * ARC-AGI-2, so each dataset gets its own folder.
 */
const DATASETS = [
  { name: "arc-agi-1/training", title: "ARC-AGI-1 training", file: "arc-agi_training" },
  { name: "arc-agi-1/evaluation", title: "ARC-AGI-1 evaluation", file: "arc-agi_evaluation" },
  { name: "arc-agi-2/training", title: "ARC-AGI-2 training", file: "arc-agi_training2" },
  { name: "arc-agi-2/evaluation", title: "ARC-AGI-2 evaluation", file: "arc-agi_evaluation2" },
];

/** @param {string} name */
async function readJson(name) {
  const path = join(DATA, name);
  try {
    return JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new Error(`cannot read ${path}: ${error instanceof Error ? error.message : error}`);
  }
}

/**
 * Writes one file per task of `dataset` and returns its index entry.
 * @param {typeof DATASETS[number]} dataset
 * @param {string} outDir
 */
async function splitDataset(dataset, outDir) {
  const challenges = await readJson(`${dataset.file}_challenges.json`);
  const solutions = await readJson(`${dataset.file}_solutions.json`);
  const folder = join(outDir, "tasks", dataset.name);
  await mkdir(folder, { recursive: true });

  const ids = Object.keys(challenges).sort();
  const tasks = [];
  for (const id of ids) {
    const challenge = challenges[id];
    const outputs = solutions[id] ?? [];
    const test = challenge.test.map((pair, i) => (outputs[i] ? { input: pair.input, output: outputs[i] } : { input: pair.input }));
    await writeFile(join(folder, `${id}.json`), JSON.stringify({ train: challenge.train, test }));
    tasks.push({ id, train: challenge.train.length, test: test.length });
  }
  return { name: dataset.name, title: dataset.title, tasks };
}

async function main() {
  const outDir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
  if (!outDir) {
    throw new Error("no output folder: pass one as the first argument or set TRUNK_STAGING_DIR");
  }
  const datasets = [];
  for (const dataset of DATASETS) datasets.push(await splitDataset(dataset, outDir));

  const index = join(outDir, "tasks", "index.json");
  await mkdir(dirname(index), { recursive: true });
  await writeFile(index, JSON.stringify({ version: 1, datasets }));
  const counts = datasets.map((d) => `${d.name} ${d.tasks.length}`).join(", ");
  console.log(`split-tasks: wrote ${counts} tasks under ${join(outDir, "tasks")}`);
}

main().catch((error) => {
  console.error(`split-tasks: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
