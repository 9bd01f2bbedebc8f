// Copies the Sudoku model (models/sudoku/config.json and model.safetensors)
// into the built page, where Sudoku mode downloads it on its first Solve.
//
// Trunk runs it as a post_build hook and sets TRUNK_STAGING_DIR to the folder
// that becomes dist/. Run by hand: `node web/tools/copy-models.mjs OUT_DIR`.
// A hook rather than a Trunk `copy-dir` link, because that link fails the
// whole build while the folder is missing: then the page builds without the
// model, this prints a warning, and Sudoku mode reports the missing download.

import { access, copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SOURCE = fileURLToPath(new URL("../../models/sudoku/", import.meta.url));
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

const missing = [];
for (const file of FILES) {
  if (!(await exists(join(SOURCE, file)))) missing.push(file);
}
if (missing.length > 0) {
  console.warn(`copy-models: ${SOURCE} has no ${missing.join(" or ")}, so the page is built without the Sudoku model`);
} else {
  const target = join(outDir, "models", "sudoku");
  await mkdir(target, { recursive: true });
  for (const file of FILES) await copyFile(join(SOURCE, file), join(target, file));
  console.log(`copy-models: copied the Sudoku model into ${target}`);
}
