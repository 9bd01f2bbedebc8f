//! Short fine-tuning on one task's demonstration pairs, driven step by step
//! by the caller (the CLI, or the browser's worker with async read-backs).

#![allow(non_snake_case)]

use burn::module::{Module, Param};
use burn::prelude::*;
use ponder_tasks::arc::Task;
use ponder_tasks::encoding::EncodingError;
use ponder_tasks::rng::Rng;

use crate::config::TrmConfig;
use crate::train::act::{ActSettings, TrainBatch, TrainCarry};
use crate::train::adamw::{AdamW, AdamWConfig};
use crate::train::optimise::{Optimisers, StepRates, optimise_step};
use crate::train::data::AugmentedTask;
use crate::train::schedule::LrSchedule;
use crate::train::sign_sgd::{PUZZLE_EMB_LR, SparseSignSgd};
use crate::model::Model;

/// Which weights fine-tuning changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinetuneMode {
    /// Only the puzzle-embedding rows, with sign-SGD; the network is frozen,
    /// as in the official `freeze_weights` mode.
    EmbeddingOnly,
    /// The puzzle rows with sign-SGD and every network weight with AdamW, as
    /// in official training. Meant for small models.
    Full,
}

/// Settings of a fine-tuning run. The defaults are the official ARC
/// settings, except the step counts, which a short run needs smaller.
#[derive(Debug, Clone, PartialEq)]
pub struct FinetuneConfig {
    pub mode: FinetuneMode,
    /// Augmentations of the demonstrations, the identity included; each gets
    /// its own puzzle-embedding row.
    pub augmentations: usize,
    /// Place each augmented pair at a random offset on the canvas.
    pub translate: bool,
    /// Let augmentations permute the colours (all but 0), as the official
    /// builder does. Off, they are dihedral transforms only, which keeps a
    /// rule about particular colours the same in every augmentation.
    pub permute_colours: bool,
    /// Examples per step.
    pub batch_size: usize,
    /// Base learning rate of AdamW (official `lr`).
    pub lr: f64,
    /// Base learning rate of the puzzle rows (official `puzzle_emb_lr`).
    pub puzzle_emb_lr: f64,
    pub puzzle_emb_weight_decay: f64,
    pub adamw: AdamWConfig,
    /// Steps of linear warm-up of both learning rates (official `lr_warmup_steps`).
    pub warmup_steps: usize,
    /// Steps the cosine decay spans; with `lr_min_ratio` 1 it changes nothing.
    pub total_steps: usize,
    pub lr_min_ratio: f64,
    /// Seeds the augmentations, the example order and the halting exploration.
    pub seed: u64,
}

impl Default for FinetuneConfig {
    fn default() -> Self {
        Self {
            mode: FinetuneMode::EmbeddingOnly,
            augmentations: 8,
            translate: true,
            permute_colours: true,
            batch_size: 8,
            lr: 1e-4,
            puzzle_emb_lr: PUZZLE_EMB_LR,
            puzzle_emb_weight_decay: SparseSignSgd::default().weight_decay,
            adamw: AdamWConfig::default(),
            warmup_steps: 10,
            total_steps: 1000,
            lr_min_ratio: 1.0,
            seed: 0,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FinetuneError {
    #[error("fine-tuning needs a model on an autodiff device; load it on `device.clone().autodiff()`")]
    NotAutodiff,
    #[error("the model has no puzzle embedding (puzzle_emb_ndim is 0), so it cannot learn a new task's rows")]
    NoPuzzleEmbedding,
    #[error("the initial puzzle row has {found} values, expected puzzle_emb_ndim = {expected}")]
    RowWidth { expected: usize, found: usize },
    #[error("the task has no demonstration pairs to learn from")]
    NoDemonstrations,
    #[error("invalid fine-tuning setting `{field}` = {value}: {reason}")]
    InvalidSetting { field: &'static str, value: String, reason: &'static str },
    #[error("a demonstration cannot be encoded: {0}")]
    Encoding(#[from] EncodingError),
    #[error("reading the step's metrics from the device failed: {0}")]
    Read(String),
}

/// What one step measured on its batch of demonstrations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepReport {
    /// 1-based step number.
    pub step: usize,
    /// The official loss of the step divided by the batch size.
    pub loss: f32,
    /// The stablemax cross-entropy part of `loss`, divided by the batch size:
    /// how far the predicted demonstration outputs are from the right ones.
    /// Unlike `loss`, it leaves out the q_halt term, which grows while the
    /// Q-head learns that predictions turned right.
    pub lm_loss: f32,
    /// Mean fraction of right tokens over the batch's examples.
    pub accuracy: f32,
    /// Fraction of the batch's examples whose every token is right.
    pub exact_accuracy: f32,
    /// Whether this step's model is the best so far: the lowest `lm_loss`.
    /// The q_halt term is left out because it grows as predictions turn right.
    pub is_best: bool,
}

/// The model as it was at one step, with that step's report.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub model: Model,
    pub report: StepReport,
}

/// A running fine-tuning: call [`step`](Self::step) (native) or
/// [`step_async`](Self::step_async) (browser) as often as the budget allows,
/// then take [`best`](Self::best) or [`model`](Self::model).
#[derive(Debug)]
pub struct Finetuner {
    model: Model,
    config: FinetuneConfig,
    settings: ActSettings,
    data: AugmentedTask,
    /// All examples on the device: `[examples, seq]`, `[examples, seq]`, `[examples]`.
    inputs: Tensor<2, Int>,
    labels: Tensor<2, Int>,
    identifiers: Tensor<1, Int>,
    carry: Option<TrainCarry>,
    order: Vec<usize>,
    cursor: usize,
    rng: Rng,
    optimisers: Optimisers,
    step: usize,
    best: Option<Snapshot>,
}

/// A step that has run but whose metrics are still on the device.
struct PendingStep {
    /// `[4]`: loss per example, token accuracy, exact accuracy, lm_loss per example.
    metrics: Tensor<1>,
    /// The model the step measured, before its update.
    measured: Model,
}

impl Finetuner {
    /// Prepares fine-tuning of `model` (which must live on an autodiff
    /// device) on `task`'s demonstrations.
    ///
    /// The puzzle-embedding table is replaced by one row per augmentation,
    /// each a copy of `initial_row` (`[puzzle_emb_ndim]`) or, when it is
    /// `None`, of the mean of the model's current rows.
    pub fn new(model: Model, model_config: &TrmConfig, task_id: &str, task: &Task, initial_row: Option<Tensor<1>>, config: FinetuneConfig) -> Result<Self, FinetuneError> {
        validate(&config)?;
        if task.train.is_empty() {
            return Err(FinetuneError::NoDemonstrations);
        }
        let Some(table) = &model.embeddings().puzzle_emb else {
            return Err(FinetuneError::NoPuzzleEmbedding);
        };
        let device = table.val().device();
        if !device.is_autodiff() {
            return Err(FinetuneError::NotAutodiff);
        }

        let mut rng = Rng::new(config.seed);
        let data = AugmentedTask::build(task_id, task, config.augmentations, config.translate, config.permute_colours, &mut rng)?;

        // One row per augmentation, each starting from the same row.
        let [_, ndim] = table.dims();
        let initial_row = match initial_row {
            Some(row) => row.detach(),
            None => table.val().detach().mean_dim(0).reshape([ndim]),
        };
        let [found] = initial_row.dims();
        if found != ndim {
            return Err(FinetuneError::RowWidth { expected: ndim, found });
        }
        let rows = data.augmentations.len();
        let new_table = initial_row.reshape([1, ndim]).expand([rows, ndim]).inner().autodiff();

        let mut model = match config.mode {
            FinetuneMode::EmbeddingOnly => model.no_grad(),
            FinetuneMode::Full => model,
        };
        model.embeddings_mut().puzzle_emb = Some(Param::from_tensor(new_table).set_require_grad(false));

        let (inputs, labels, identifiers) = upload_examples(&data, &device);
        let order = Vec::new();
        Ok(Self {
            model,
            settings: ActSettings::from_config(model_config),
            optimisers: Optimisers {
                adamw: AdamW::new(config.adamw),
                sign_sgd: SparseSignSgd { weight_decay: config.puzzle_emb_weight_decay },
                train_weights: config.mode == FinetuneMode::Full,
            },
            config,
            data,
            inputs,
            labels,
            identifiers,
            carry: None,
            order,
            cursor: 0,
            rng,
            step: 0,
            best: None,
        })
    }

    /// Runs one training step and reads its metrics back synchronously.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn step(&mut self) -> Result<StepReport, FinetuneError> {
        let pending = self.run_step();
        let data = pending.metrics.clone().try_into_data().map_err(|error| FinetuneError::Read(error.to_string()))?;
        self.finish_step(pending, data)
    }

    /// Runs one training step and reads its metrics back asynchronously, as
    /// WebGPU in the browser requires.
    pub async fn step_async(&mut self) -> Result<StepReport, FinetuneError> {
        let pending = self.run_step();
        let data = pending.metrics.clone().into_data_async().await.map_err(|error| FinetuneError::Read(error.to_string()))?;
        self.finish_step(pending, data)
    }

    /// The model as trained so far (still on the autodiff device).
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The model of the step with the lowest `lm_loss` so far, with its report.
    pub fn best(&self) -> Option<&Snapshot> {
        self.best.as_ref()
    }

    /// The demonstrations and augmentations being learned.
    pub fn data(&self) -> &AugmentedTask {
        &self.data
    }

    /// Steps run so far.
    pub fn steps(&self) -> usize {
        self.step
    }

    fn run_step(&mut self) -> PendingStep {
        self.step += 1;
        let measured = self.model.clone();
        let batch = self.next_batch();

        // The same warm-up for both optimisers, each from its own base rate.
        let lr_factor = self.lr_schedule().lr(self.step);
        let rates = StepRates { lr: self.config.lr * lr_factor, puzzle_emb_lr: self.config.puzzle_emb_lr * lr_factor };
        let outcome = optimise_step(&self.model, self.carry.take(), &batch, self.settings, &mut self.rng, &mut self.optimisers, rates);

        self.model = outcome.model;
        self.carry = Some(outcome.carry);
        PendingStep { metrics: outcome.metrics, measured }
    }

    fn finish_step(&mut self, pending: PendingStep, data: TensorData) -> Result<StepReport, FinetuneError> {
        let values: Vec<f32> = data.convert::<f32>().try_into_vec().map_err(|error| FinetuneError::Read(format!("{error:?}")))?;
        let [loss, accuracy, exact_accuracy, lm_loss] = [values[0], values[1], values[2], values[3]];
        let is_best = self.best.as_ref().is_none_or(|best| lm_loss < best.report.lm_loss);
        let report = StepReport {
            step: self.step,
            loss,
            lm_loss,
            accuracy,
            exact_accuracy,
            is_best,
        };
        if is_best {
            self.best = Some(Snapshot { model: pending.measured, report });
        }
        Ok(report)
    }

    fn lr_schedule(&self) -> LrSchedule {
        LrSchedule {
            base_lr: 1.0,
            warmup_steps: self.config.warmup_steps,
            total_steps: self.config.total_steps,
            min_ratio: self.config.lr_min_ratio,
        }
    }

    /// The next `batch_size` examples of a shuffled pass over all of them,
    /// reshuffled at the end of each pass.
    fn next_batch(&mut self) -> TrainBatch {
        let count = self.data.examples.len();
        let mut picked = Vec::with_capacity(self.config.batch_size);
        while picked.len() < self.config.batch_size {
            if self.cursor >= self.order.len() {
                self.order = self.rng.permutation(count);
                self.cursor = 0;
            }
            picked.push(self.order[self.cursor] as i64);
            self.cursor += 1;
        }
        let device = self.inputs.device();
        let indices = Tensor::<1, Int>::from_data(TensorData::new(picked, [self.config.batch_size]), &device);
        TrainBatch {
            inputs: self.inputs.clone().select(0, indices.clone()),
            labels: self.labels.clone().select(0, indices.clone()),
            puzzle_identifiers: self.identifiers.clone().select(0, indices),
        }
    }
}

fn validate(config: &FinetuneConfig) -> Result<(), FinetuneError> {
    let invalid = |field, value: &dyn ToString, reason| FinetuneError::InvalidSetting { field, value: value.to_string(), reason };
    if config.augmentations == 0 {
        return Err(invalid("augmentations", &config.augmentations, "must be at least 1"));
    }
    if config.batch_size == 0 {
        return Err(invalid("batch_size", &config.batch_size, "must be at least 1"));
    }
    for (field, value) in [("lr", config.lr), ("puzzle_emb_lr", config.puzzle_emb_lr), ("puzzle_emb_weight_decay", config.puzzle_emb_weight_decay)] {
        if !(value.is_finite() && value >= 0.0) {
            return Err(invalid(field, &value, "must be a finite number, 0 or more"));
        }
    }
    Ok(())
}

fn upload_examples(data: &AugmentedTask, device: &Device) -> (Tensor<2, Int>, Tensor<2, Int>, Tensor<1, Int>) {
    let count = data.examples.len();
    let seq = data.examples[0].inputs.len();
    let inputs: Vec<i32> = data.examples.iter().flat_map(|example| example.inputs.iter().copied()).collect();
    let labels: Vec<i32> = data.examples.iter().flat_map(|example| example.labels.iter().copied()).collect();
    let identifiers: Vec<i32> = data.examples.iter().map(|example| example.puzzle_identifier).collect();
    (
        Tensor::from_data(TensorData::new(inputs, [count, seq]), device),
        Tensor::from_data(TensorData::new(labels, [count, seq]), device),
        Tensor::from_data(TensorData::new(identifiers, [count]), device),
    )
}
