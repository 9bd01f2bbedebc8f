//! A task's trained puzzle-embedding rows, from one shard that `ponder
//! convert` wrote: the loaded network with the shard's rows as its table, and
//! the solve plan that runs each augmented test input with its own row.

use burn::module::Param;
use burn::tensor::{Device, Tensor, TensorData};
use ponder_model::checkpoint::{CheckpointError, read_shard};
use ponder_model::{Model, TrmConfig};
use ponder_tasks::augment::{AugmentError, parse_name};
use serde::Serialize;

use crate::solve::PlannedInput;

/// The loaded model with one task's rows, ready to solve that task.
#[derive(Debug, Clone)]
pub struct TaskShard {
    pub task_id: String,
    /// The network with the shard's rows as its whole puzzle-embedding table.
    pub model: Model,
    /// One input per row: the augmentation its name describes, and the row.
    pub plan: Vec<PlannedInput>,
}

/// The description that `loadEmbeddingShard()` returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShardInfo {
    pub task_id: String,
    pub rows: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    #[error("{0}")]
    Read(#[from] CheckpointError),
    #[error("the loaded model has no puzzle embedding (puzzle_emb_ndim is 0), so it has no use for an embedding shard")]
    NoPuzzleEmbedding,
    #[error("the shard's rows have {found} values, but the loaded model's puzzle_emb_ndim is {expected}: it belongs to another checkpoint")]
    RowWidth { expected: usize, found: usize },
    #[error("the shard of task {task_id} has no rows")]
    Empty { task_id: String },
    #[error("row {row} of the shard is named {name:?}, which is not a puzzle of task {task_id}")]
    OtherTask { row: usize, name: String, task_id: String },
    #[error("row {row} of the shard has an invalid name: {source}")]
    BadName { row: usize, source: AugmentError },
}

impl TaskShard {
    /// Reads a shard (`file_name` names it in errors) and puts its rows into
    /// a copy of `model`, on `device`.
    pub fn load(model: &Model, config: &TrmConfig, bytes: &[u8], file_name: &str, device: &Device) -> Result<Self, ShardError> {
        if config.puzzle_emb_ndim == 0 || model.embeddings().puzzle_emb.is_none() {
            return Err(ShardError::NoPuzzleEmbedding);
        }
        let shard = read_shard(bytes, file_name)?;
        if shard.puzzle_emb_ndim != config.puzzle_emb_ndim {
            return Err(ShardError::RowWidth { expected: config.puzzle_emb_ndim, found: shard.puzzle_emb_ndim });
        }
        if shard.is_empty() {
            return Err(ShardError::Empty { task_id: shard.task_id });
        }

        let mut plan = Vec::with_capacity(shard.len());
        for (row, name) in shard.names.iter().enumerate() {
            let (task_id, augmentation) = parse_name(name).map_err(|source| ShardError::BadName { row, source })?;
            if task_id != shard.task_id {
                return Err(ShardError::OtherTask { row, name: name.clone(), task_id: shard.task_id.clone() });
            }
            plan.push(PlannedInput { augmentation, puzzle_identifier: row });
        }

        // [rows, puzzle_emb_ndim]
        let table = Tensor::<2>::from_data(TensorData::new(shard.weights.clone(), [shard.len(), shard.puzzle_emb_ndim]), device);
        let mut model = model.clone();
        model.embeddings_mut().puzzle_emb = Some(Param::from_tensor(table));
        Ok(Self { task_id: shard.task_id, model, plan })
    }

    pub fn info(&self) -> ShardInfo {
        ShardInfo { task_id: self.task_id.clone(), rows: self.plan.len() }
    }
}
