//! `ponder convert`: splits an official checkpoint into the network weights
//! and per-task shards of the puzzle-embedding table, so that the browser
//! downloads about 27 MB of network plus the rows of the task at hand instead
//! of the whole 1.8 GB table of a released ARC checkpoint.
//!
//! Output folder:
//!
//! - `model.safetensors`: every tensor except the puzzle-embedding table,
//!   under its canonical key (see `ponder_model::checkpoint`);
//! - `puzzle_emb/index.json`, `puzzle_emb/mean.safetensors` and
//!   `puzzle_emb/tasks/*.safetensors`: the table in the format documented in
//!   `ponder_model::checkpoint::puzzle_emb`, read back with `read_shard` and
//!   `read_mean_row`.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use memmap2::Mmap;
use ponder_model::checkpoint::{
    Checkpoint, FloatFormat, PUZZLE_EMB_INDEX_FORMAT, PUZZLE_EMB_KEY, PuzzleEmbIndex,
    PuzzleEmbShard, ShardEntry, StateDict, TensorView, encode_mean_row, encode_shard,
    group_rows_by_task, mean_row, parse_identifiers, shard_file_name, write_safetensors,
};

/// File name of the network weights in the output folder.
const NETWORK_FILE: &str = "model.safetensors";
/// Folder of the puzzle-embedding files in the output folder.
const PUZZLE_EMB_DIR: &str = "puzzle_emb";
/// File name of the mean row inside [`PUZZLE_EMB_DIR`].
const MEAN_FILE: &str = "mean.safetensors";
/// Folder of the task shards inside [`PUZZLE_EMB_DIR`].
const TASKS_DIR: &str = "tasks";

#[derive(clap::Args)]
pub struct Args {
    /// Official checkpoint: a `torch.save` file (`.pt`, or `step_N` as the
    /// training script names them) or a `.safetensors` file.
    #[arg(long)]
    checkpoint: PathBuf,
    /// The training dataset's `identifiers.json`, whose entry i names row i
    /// of the puzzle-embedding table. Required when the checkpoint has one.
    #[arg(long)]
    identifiers: Option<PathBuf>,
    /// Output folder for `model.safetensors` and `puzzle_emb/`; created if
    /// missing, and files of the same name are overwritten.
    #[arg(long)]
    out: PathBuf,
    /// Store float tensors as f16 instead of f32, which halves the files.
    #[arg(long)]
    f16: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let checkpoint_name = args.checkpoint.display().to_string();
    let file = File::open(&args.checkpoint)
        .with_context(|| format!("failed to open checkpoint {checkpoint_name}"))?;
    // SAFETY: the map is only read. A checkpoint modified by another process
    // while this command runs would make the read values undefined, as with
    // any memory-mapped input; mapping avoids holding a 1.8 GB table in memory.
    let bytes = unsafe { Mmap::map(&file) }
        .with_context(|| format!("failed to map checkpoint {checkpoint_name}"))?;
    let checkpoint = Checkpoint::parse(&bytes, &checkpoint_name)?;
    let format = if args.f16 { FloatFormat::F16 } else { FloatFormat::F32 };

    fs::create_dir_all(&args.out)
        .with_context(|| format!("failed to create {}", args.out.display()))?;
    let network_path = args.out.join(NETWORK_FILE);
    let tensor_count = write_network(&checkpoint, format, &checkpoint_name, &network_path)?;
    println!("wrote {} ({tensor_count} tensors)", network_path.display());

    let Some(table) = checkpoint.get(PUZZLE_EMB_KEY) else {
        if args.identifiers.is_some() {
            eprintln!(
                "warning: {checkpoint_name} has no `{PUZZLE_EMB_KEY}` table, so --identifiers \
                 is not used"
            );
        }
        return Ok(ExitCode::SUCCESS);
    };
    let Some(identifiers_path) = args.identifiers else {
        bail!(
            "{checkpoint_name} has a puzzle-embedding table of {} rows: pass \
             --identifiers with the identifiers.json of the dataset it was trained on",
            table.shape().first().copied().unwrap_or(0)
        );
    };

    let puzzle_emb_dir = args.out.join(PUZZLE_EMB_DIR);
    let index = write_puzzle_emb(table, &identifiers_path, format, &puzzle_emb_dir)?;
    println!(
        "wrote {} rows of {} values as {} task shards and the mean row to {}",
        index.rows,
        index.puzzle_emb_ndim,
        index.tasks.len(),
        puzzle_emb_dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes every tensor except the puzzle-embedding table and returns how many.
fn write_network(
    checkpoint: &Checkpoint,
    format: FloatFormat,
    checkpoint_name: &str,
    path: &Path,
) -> anyhow::Result<usize> {
    let mut network = StateDict::new();
    for (key, view) in checkpoint.iter().filter(|(key, _)| *key != PUZZLE_EMB_KEY) {
        let tensor = view.to_host(key)?;
        if let Some(values) = tensor.as_f32() {
            check_format_range(values, format, key)?;
        }
        network.insert(key, tensor);
    }

    let source = Path::new(checkpoint_name)
        .file_name()
        .map_or(checkpoint_name.to_string(), |name| name.to_string_lossy().into_owned());
    let metadata = HashMap::from([("converted_from".to_string(), source)]);
    let bytes = write_safetensors(network.iter(), format, Some(metadata))?;
    fs::write(path, bytes).with_context(|| format!("failed to write {}", path.display()))?;
    Ok(network.len())
}

/// Writes the task shards, the mean row and the index of a puzzle-embedding
/// table into `dir`.
fn write_puzzle_emb(
    table: &TensorView,
    identifiers_path: &Path,
    format: FloatFormat,
    dir: &Path,
) -> anyhow::Result<PuzzleEmbIndex> {
    let identifiers_name = identifiers_path.display().to_string();
    let identifiers_json = fs::read(identifiers_path)
        .with_context(|| format!("failed to read {identifiers_name}"))?;
    let identifiers = parse_identifiers(&identifiers_json, &identifiers_name)?;
    let (rows, puzzle_emb_ndim) = match table.shape() {
        &[rows, ndim] => (rows, ndim),
        shape => bail!("`{PUZZLE_EMB_KEY}` must have 2 dimensions, found shape {shape:?}"),
    };
    if u32::try_from(rows).is_err() {
        bail!("`{PUZZLE_EMB_KEY}` has {rows} rows, more than puzzle identifiers can address");
    }
    let tasks = group_rows_by_task(&identifiers, rows, &identifiers_name)?;

    let tasks_dir = dir.join(TASKS_DIR);
    fs::create_dir_all(&tasks_dir)
        .with_context(|| format!("failed to create {}", tasks_dir.display()))?;

    let mut index = PuzzleEmbIndex {
        format: PUZZLE_EMB_INDEX_FORMAT.to_string(),
        puzzle_emb_ndim,
        rows,
        dtype: format.dtype().name().to_string(),
        mean_file: MEAN_FILE.to_string(),
        tasks: Default::default(),
    };
    let mut taken_names = HashSet::new();
    for (task_id, task_rows) in tasks {
        let mut weights = Vec::with_capacity(task_rows.len() * puzzle_emb_ndim);
        for range in consecutive_ranges(&task_rows) {
            table.read_rows_f32(range, &mut weights)?;
        }
        check_format_range(&weights, format, &format!("{PUZZLE_EMB_KEY} of task {task_id}"))?;

        let file_name = shard_file_name(&task_id, &mut taken_names);
        let shard = PuzzleEmbShard {
            task_id: task_id.clone(),
            // Indices come from `group_rows_by_task`, so they are in range,
            // and the row count fits in u32 (checked above).
            names: task_rows.iter().map(|&row| identifiers[row].clone()).collect(),
            row_ids: task_rows.iter().map(|&row| row as u32).collect(),
            puzzle_emb_ndim,
            weights,
        };
        let path = tasks_dir.join(&file_name);
        fs::write(&path, encode_shard(&shard, format)?)
            .with_context(|| format!("failed to write {}", path.display()))?;

        let entry = ShardEntry {
            file: format!("{TASKS_DIR}/{file_name}"),
            rows: task_rows.len(),
        };
        index.tasks.insert(task_id, entry);
    }

    let mean = mean_row(table)?;
    check_format_range(&mean, format, "mean row")?;
    let mean_path = dir.join(MEAN_FILE);
    fs::write(&mean_path, encode_mean_row(&mean, format)?)
        .with_context(|| format!("failed to write {}", mean_path.display()))?;

    let index_path = dir.join("index.json");
    fs::write(&index_path, index.to_json())
        .with_context(|| format!("failed to write {}", index_path.display()))?;
    Ok(index)
}

/// Splits sorted row indices into ranges of consecutive rows, so that rows
/// stored one after another are read in one call.
fn consecutive_ranges(rows: &[usize]) -> Vec<Range<usize>> {
    let mut ranges: Vec<Range<usize>> = Vec::new();
    for &row in rows {
        match ranges.last_mut() {
            Some(range) if range.end == row => range.end += 1,
            _ => ranges.push(row..row + 1),
        }
    }
    ranges
}

/// Fails when a finite value would become infinite in `format`.
fn check_format_range(values: &[f32], format: FloatFormat, what: &str) -> anyhow::Result<()> {
    if format != FloatFormat::F16 {
        return Ok(());
    }
    let max = f32::from(half::f16::MAX);
    if let Some(value) = values.iter().find(|value| value.is_finite() && value.abs() > max) {
        bail!("{what} holds {value}, which is outside the f16 range (±{max}): convert without --f16");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_ranges_merge_neighbours() {
        assert_eq!(consecutive_ranges(&[1, 2, 3, 7, 9, 10]), vec![1..4, 7..8, 9..11]);
        assert_eq!(consecutive_ranges(&[]), Vec::<Range<usize>>::new());
    }

    #[test]
    fn f16_range_check_names_the_value() {
        let error = check_format_range(&[1.0, 70000.0], FloatFormat::F16, "lm_head.weight")
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "lm_head.weight holds 70000, which is outside the f16 range (±65504): convert \
             without --f16"
        );
        assert!(check_format_range(&[70000.0], FloatFormat::F32, "x").is_ok());
    }
}
