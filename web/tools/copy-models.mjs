// Copies the shipped models (models/sudoku/ and, once one ships,
// models/maze/: config.json and model.safetensors each) into the built page,
// where Sudoku and Maze mode download them on their first Solve.
//
// Trunk runs it as a post_build hook and sets TRUNK_STAGING_DIR to the folder
// that becomes dist/. Run by hand: `node web/tools/copy-models.mjs OUT_DIR`.
// A hook rather than a Trunk `copy-dir` link, because that link fails the
// whole build while a folder is missing: then the page builds without that
// model and this script prints a warning. Sudoku mode then reports the
// missing download, and Maze mode falls back to an untrained model.

import { access, copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const MODELS = fileURLToPath(new URL("../../models/", import.meta.url));
const FILES = ["config.json", "model.safetensors"];

const outDir = process.env.TRUNK_STAGING_DIR ?? process.argv[2];
if (!outDir) {
  console.error("usage: node web/tools/copy-models.mjs OUT_DIR (or set TRUNK_STAGING_DIR)");
  process.exit(2);
}

/** @param {string} path */
async function exists(path) {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

for (const name of ["sudoku", "maze"]) {
  const source = join(MODELS, name);
  const missing = [];
  for (const file of FILES) {
    if (!(await exists(join(source, file)))) missing.push(file);
  }
  if (missing.length > 0) {
    console.warn(`copy-models: ${source} has no ${missing.join(" or ")}, so the page is built without the ${name} model`);
    continue;
  }
  const target = join(outDir, "models", name);
  await mkdir(target, { recursive: true });
  for (const file of FILES) await copyFile(join(source, file), join(target, file));
  console.log(`copy-models: copied the ${name} model into ${target}`);
}
