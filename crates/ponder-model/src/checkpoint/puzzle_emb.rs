//! Per-task shards of the puzzle-embedding table, and its mean row.
//!
//! A released ARC checkpoint carries `puzzle_emb.weights`, one row of
//! `puzzle_emb_ndim` floats per puzzle identifier (about 876k rows of 512 in
//! the ARC-AGI-1 release). Row `i` belongs to the puzzle named by entry `i` of
//! the dataset's `identifiers.json`: `<blank>` for row 0, the plain task id for
//! the original puzzle, and `{task_id}|||{augmentation}...` for augmented
//! variants such as `007bbfcc|||t3|||0123456789`.
//!
//! `ponder convert` writes, in one folder:
//!
//! - `index.json`: a [`PuzzleEmbIndex`] listing every task and its shard;
//! - one safetensors shard per task with tensors `weights` `[rows,
//!   puzzle_emb_ndim]` and `row_ids` `[rows]` (I32, the rows' indices in the
//!   full table) and metadata `task_id` and `names` (a JSON list of the rows'
//!   identifiers), read back with [`read_shard`];
//! - `mean.safetensors` with tensor `mean` `[puzzle_emb_ndim]`, the mean of all
//!   rows, read back with [`read_mean_row`]. When a checkpoint's table does not
//!   match the dataset, the official TRM loader (`load_checkpoint` in
//!   `pretrain.py`) fills every row with this mean, so it is the embedding for
//!   a puzzle the table has no row for.
//!
//! Blank rows (`<blank>`) belong to no task and go into no shard.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::safetensors::{self, metadata};
use super::tensor::{DType, FloatFormat, HostTensor, TensorData, TensorView};
use super::CheckpointError;

/// Canonical key of the puzzle-embedding table.
pub const PUZZLE_EMB_KEY: &str = "puzzle_emb.weights";

/// Identifier of rows that belong to no puzzle (row 0 in official datasets).
pub const BLANK_IDENTIFIER: &str = "<blank>";

/// Value of `format` in the index and in every shard's metadata.
pub const PUZZLE_EMB_INDEX_FORMAT: &str = "ponder-puzzle-emb/1";

/// Separator between a task id and its augmentation in an identifier.
const AUGMENTATION_SEPARATOR: &str = "|||";

/// Rows read at once while computing the mean row.
const MEAN_BLOCK_ROWS: usize = 4096;

/// Contents of `index.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PuzzleEmbIndex {
    /// Always [`PUZZLE_EMB_INDEX_FORMAT`].
    pub format: String,
    /// Length of one embedding row.
    pub puzzle_emb_ndim: usize,
    /// Rows of the full table, blank rows included.
    pub rows: usize,
    /// Float type of the shards and of the mean row (`F32` or `F16`).
    pub dtype: String,
    /// File name of the mean row, relative to the index.
    pub mean_file: String,
    /// Shards by task id.
    pub tasks: BTreeMap<String, ShardEntry>,
}

/// One task's shard in the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardEntry {
    /// File name relative to the index.
    pub file: String,
    /// Number of rows in the shard.
    pub rows: usize,
}

impl PuzzleEmbIndex {
    /// Parses `index.json`; `file` names it in errors.
    pub fn from_json(bytes: &[u8], file: &str) -> Result<Self, CheckpointError> {
        let index: Self = serde_json::from_slice(bytes).map_err(|error| CheckpointError::PuzzleEmb {
            file: file.to_string(),
            message: format!("invalid puzzle-embedding index: {error}"),
        })?;
        if index.format != PUZZLE_EMB_INDEX_FORMAT {
            return Err(CheckpointError::PuzzleEmb {
                file: file.to_string(),
                message: format!(
                    "unsupported puzzle-embedding index format `{}`: expected `{PUZZLE_EMB_INDEX_FORMAT}`",
                    index.format
                ),
            });
        }
        Ok(index)
    }

    /// Serializes the index as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        // Serializing plain strings and numbers cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// All rows of one task.
#[derive(Debug, Clone, PartialEq)]
pub struct PuzzleEmbShard {
    pub task_id: String,
    /// Identifier of each row, as in `identifiers.json`.
    pub names: Vec<String>,
    /// Index of each row in the full table (the puzzle identifier).
    pub row_ids: Vec<u32>,
    pub puzzle_emb_ndim: usize,
    /// Rows one after another, `names.len() * puzzle_emb_ndim` values.
    pub weights: Vec<f32>,
}

impl PuzzleEmbShard {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Returns whether the shard has no rows.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Row `i` of the shard.
    pub fn row(&self, i: usize) -> Option<&[f32]> {
        let start = i.checked_mul(self.puzzle_emb_ndim)?;
        self.weights.get(start..start.checked_add(self.puzzle_emb_ndim)?)
    }

    /// Row of the puzzle with identifier `name`.
    pub fn row_by_name(&self, name: &str) -> Option<&[f32]> {
        let i = self.names.iter().position(|candidate| candidate == name)?;
        self.row(i)
    }
}

/// Parses `identifiers.json`: a JSON list whose entry `i` names row `i`.
pub fn parse_identifiers(bytes: &[u8], file: &str) -> Result<Vec<String>, CheckpointError> {
    serde_json::from_slice(bytes).map_err(|error| CheckpointError::PuzzleEmb {
        file: file.to_string(),
        message: format!("expected a JSON list of puzzle identifiers: {error}"),
    })
}

/// Task id of a puzzle identifier: the text before the first `|||`, or
/// `None` for a blank or empty identifier.
pub fn task_id_of(name: &str) -> Option<&str> {
    let task_id = name.split(AUGMENTATION_SEPARATOR).next().unwrap_or(name);
    (!task_id.is_empty() && name != BLANK_IDENTIFIER).then_some(task_id)
}

/// Groups row indices by task id, checking that there is one identifier per
/// row of a table with `rows` rows. `file` names `identifiers.json` in errors.
pub fn group_rows_by_task(
    identifiers: &[String],
    rows: usize,
    file: &str,
) -> Result<BTreeMap<String, Vec<usize>>, CheckpointError> {
    if identifiers.len() != rows {
        return Err(CheckpointError::PuzzleEmb {
            file: file.to_string(),
            message: format!(
                "{} identifiers for a puzzle-embedding table of {rows} rows: \
                 use the identifiers.json of the dataset the checkpoint was trained on",
                identifiers.len()
            ),
        });
    }

    let mut tasks: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (row, name) in identifiers.iter().enumerate() {
        if let Some(task_id) = task_id_of(name) {
            tasks.entry(task_id.to_string()).or_default().push(row);
        }
    }
    Ok(tasks)
}

/// Mean of all rows of a `[rows, puzzle_emb_ndim]` table, summed in f64.
///
/// The table is read in blocks, so no copy of it is made.
pub fn mean_row(table: &TensorView) -> Result<Vec<f32>, CheckpointError> {
    let (rows, ndim) = table_shape(table)?;
    if rows == 0 {
        return Err(CheckpointError::InvalidTensor {
            message: "the puzzle-embedding table has no rows to average".to_string(),
        });
    }

    let mut sums = vec![0f64; ndim];
    let mut block = Vec::with_capacity(MEAN_BLOCK_ROWS.min(rows) * ndim);
    for start in (0..rows).step_by(MEAN_BLOCK_ROWS) {
        let end = (start + MEAN_BLOCK_ROWS).min(rows);
        block.clear();
        table.read_rows_f32(start..end, &mut block)?;
        for row in block.chunks_exact(ndim) {
            for (sum, &value) in sums.iter_mut().zip(row) {
                *sum += f64::from(value);
            }
        }
    }
    Ok(sums.into_iter().map(|sum| (sum / rows as f64) as f32).collect())
}

/// Rows and row length of a puzzle-embedding table.
pub(crate) fn table_shape(table: &TensorView) -> Result<(usize, usize), CheckpointError> {
    match table.shape() {
        &[rows, ndim] if table.dtype().is_float() => Ok((rows, ndim)),
        shape => Err(CheckpointError::InvalidTensor {
            message: format!(
                "the puzzle-embedding table must be a 2-D float tensor, found {} of shape {shape:?}",
                table.dtype()
            ),
        }),
    }
}

/// File name for a task's shard: the task id with characters other than
/// ASCII letters, digits, `-` and `_` replaced by `_`, made unique among
/// `taken` (compared case-insensitively, for case-insensitive file systems).
pub fn shard_file_name(task_id: &str, taken: &mut HashSet<String>) -> String {
    let stem: String = task_id
        .chars()
        .take(100)
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .collect();
    let mut name = format!("{stem}.safetensors");
    let mut suffix = 1;
    while !taken.insert(name.to_ascii_lowercase()) {
        suffix += 1;
        name = format!("{stem}-{suffix}.safetensors");
    }
    name
}

/// Serializes a shard, with its weights in `format`.
pub fn encode_shard(shard: &PuzzleEmbShard, format: FloatFormat) -> Result<Vec<u8>, CheckpointError> {
    let rows = shard.len();
    if shard.row_ids.len() != rows {
        return Err(CheckpointError::InvalidTensor {
            message: format!("{rows} row names but {} row ids", shard.row_ids.len()),
        });
    }
    let weights = HostTensor::from_f32(vec![rows, shard.puzzle_emb_ndim], shard.weights.clone())?;
    let row_ids = HostTensor::new(
        vec![rows],
        DType::I32,
        TensorData::I64(shard.row_ids.iter().map(|&id| i64::from(id)).collect()),
    )?;
    if shard.row_ids.iter().any(|&id| id > i32::MAX as u32) {
        return Err(CheckpointError::InvalidTensor {
            message: "row ids must fit in i32".to_string(),
        });
    }

    let names = serde_json::to_string(&shard.names).unwrap_or_default();
    let metadata = HashMap::from([
        ("format".to_string(), PUZZLE_EMB_INDEX_FORMAT.to_string()),
        ("task_id".to_string(), shard.task_id.clone()),
        ("names".to_string(), names),
    ]);
    safetensors::write([("weights", &weights), ("row_ids", &row_ids)], format, Some(metadata))
}

/// Reads a shard written by [`encode_shard`]; `file` names it in errors.
pub fn read_shard(bytes: &[u8], file: &str) -> Result<PuzzleEmbShard, CheckpointError> {
    let invalid = |message: String| CheckpointError::PuzzleEmb {
        file: file.to_string(),
        message: format!("invalid puzzle-embedding shard: {message}"),
    };
    let metadata = metadata(bytes, file)?;
    check_format(&metadata, file)?;
    let task_id = metadata
        .get("task_id")
        .cloned()
        .ok_or_else(|| invalid("metadata `task_id` is missing".to_string()))?;
    let names_json = metadata
        .get("names")
        .ok_or_else(|| invalid("metadata `names` is missing".to_string()))?;
    let names: Vec<String> = serde_json::from_str(names_json)
        .map_err(|error| invalid(format!("metadata `names` is not a JSON list of strings: {error}")))?;

    let tensors: HashMap<String, TensorView> = safetensors::parse(bytes, file)?.into_iter().collect();
    let weights = tensors
        .get("weights")
        .ok_or_else(|| invalid("tensor `weights` is missing".to_string()))?;
    let row_ids = tensors
        .get("row_ids")
        .ok_or_else(|| invalid("tensor `row_ids` is missing".to_string()))?;

    let (rows, puzzle_emb_ndim) = table_shape(weights)?;
    if row_ids.shape() != [rows] || row_ids.dtype().is_float() || names.len() != rows {
        return Err(invalid(format!(
            "`weights` has {rows} rows, `row_ids` is {} of shape {:?} and `names` has {} entries",
            row_ids.dtype(),
            row_ids.shape(),
            names.len()
        )));
    }

    let weights = weights
        .to_host("weights")?
        .into_f32()
        .unwrap_or_default();
    let row_ids = row_ids.to_host("row_ids")?;
    let row_ids = row_ids
        .as_i64()
        .unwrap_or_default()
        .iter()
        .map(|&id| u32::try_from(id).map_err(|_| invalid(format!("row id {id} is negative"))))
        .collect::<Result<Vec<u32>, _>>()?;

    Ok(PuzzleEmbShard {
        task_id,
        names,
        row_ids,
        puzzle_emb_ndim,
        weights,
    })
}

/// Serializes the mean row in `format`.
pub fn encode_mean_row(mean: &[f32], format: FloatFormat) -> Result<Vec<u8>, CheckpointError> {
    let tensor = HostTensor::from_f32(vec![mean.len()], mean.to_vec())?;
    let metadata = HashMap::from([("format".to_string(), PUZZLE_EMB_INDEX_FORMAT.to_string())]);
    safetensors::write([("mean", &tensor)], format, Some(metadata))
}

/// Reads the mean row written by [`encode_mean_row`]; `file` names it in errors.
pub fn read_mean_row(bytes: &[u8], file: &str) -> Result<Vec<f32>, CheckpointError> {
    check_format(&metadata(bytes, file)?, file)?;
    let tensors = safetensors::parse(bytes, file)?;
    let Some((_, mean)) = tensors.iter().find(|(key, _)| key == "mean") else {
        return Err(CheckpointError::PuzzleEmb {
            file: file.to_string(),
            message: "invalid mean row file: tensor `mean` is missing".to_string(),
        });
    };
    if mean.shape().len() != 1 || !mean.dtype().is_float() {
        return Err(CheckpointError::PuzzleEmb {
            file: file.to_string(),
            message: format!(
                "invalid mean row file: `mean` must be a 1-D float tensor, found {} of shape {:?}",
                mean.dtype(),
                mean.shape()
            ),
        });
    }
    Ok(mean.to_host("mean")?.into_f32().unwrap_or_default())
}

fn check_format(metadata: &HashMap<String, String>, file: &str) -> Result<(), CheckpointError> {
    match metadata.get("format") {
        Some(format) if format == PUZZLE_EMB_INDEX_FORMAT => Ok(()),
        found => Err(CheckpointError::PuzzleEmb {
            file: file.to_string(),
            message: format!(
                "metadata `format` is {}, expected `{PUZZLE_EMB_INDEX_FORMAT}`: this is not a \
                 file written by `ponder convert`",
                found.map_or("missing".to_string(), |format| format!("`{format}`"))
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_id_of_splits_augmentations() {
        assert_eq!(task_id_of("007bbfcc|||t3|||0123456789"), Some("007bbfcc"));
        assert_eq!(task_id_of("007bbfcc"), Some("007bbfcc"));
        assert_eq!(task_id_of(BLANK_IDENTIFIER), None);
        assert_eq!(task_id_of(""), None);
    }

    #[test]
    fn group_rows_checks_count() {
        let identifiers = vec!["<blank>".to_string(), "a".to_string()];
        let error = group_rows_by_task(&identifiers, 3, "identifiers.json").unwrap_err();
        assert_eq!(
            error.to_string(),
            "identifiers.json: 2 identifiers for a puzzle-embedding table of 3 rows: \
             use the identifiers.json of the dataset the checkpoint was trained on"
        );
    }

    #[test]
    fn group_rows_collects_augmentations() {
        let identifiers: Vec<String> = ["<blank>", "b|||t1|||0", "a", "b", "a|||t2|||1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let tasks = group_rows_by_task(&identifiers, 5, "identifiers.json").unwrap();
        assert_eq!(tasks.len(), 2);
        assert_eq!(tasks["a"], vec![2, 4]);
        assert_eq!(tasks["b"], vec![1, 3]);
    }

    #[test]
    fn shard_file_names_are_unique() {
        let mut taken = HashSet::new();
        assert_eq!(shard_file_name("007bbfcc", &mut taken), "007bbfcc.safetensors");
        assert_eq!(shard_file_name("a/b", &mut taken), "a_b.safetensors");
        assert_eq!(shard_file_name("a_b", &mut taken), "a_b-2.safetensors");
        assert_eq!(shard_file_name("A_B", &mut taken), "A_B-3.safetensors");
    }

    #[test]
    fn shard_round_trip() {
        let shard = PuzzleEmbShard {
            task_id: "a".to_string(),
            names: vec!["a".to_string(), "a|||t1|||0".to_string()],
            row_ids: vec![2, 7],
            puzzle_emb_ndim: 3,
            weights: vec![0.5, -1.0, 2.0, 3.25, 4.0, -0.125],
        };
        let bytes = encode_shard(&shard, FloatFormat::F32).unwrap();
        let read = read_shard(&bytes, "a.safetensors").unwrap();
        assert_eq!(read, shard);
        assert_eq!(read.row_by_name("a|||t1|||0").unwrap(), &[3.25, 4.0, -0.125]);
    }

    #[test]
    fn mean_row_round_trip_in_f16() {
        let bytes = encode_mean_row(&[0.5, -2.0, 1.0 / 3.0], FloatFormat::F16).unwrap();
        let mean = read_mean_row(&bytes, "mean.safetensors").unwrap();
        assert_eq!(mean, vec![0.5, -2.0, half::f16::from_f32(1.0 / 3.0).to_f32()]);
    }

    #[test]
    fn read_shard_rejects_other_safetensors() {
        let tensor = HostTensor::from_f32(vec![1], vec![1.0]).unwrap();
        let bytes = safetensors::write([("x", &tensor)], FloatFormat::F32, None).unwrap();
        let error = read_shard(&bytes, "model.safetensors").unwrap_err();
        assert_eq!(
            error.to_string(),
            "model.safetensors: metadata `format` is missing, expected `ponder-puzzle-emb/1`: \
             this is not a file written by `ponder convert`"
        );
    }
}
