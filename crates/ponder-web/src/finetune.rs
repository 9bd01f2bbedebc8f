//! Short fine-tuning on one task's demonstration pairs, driven from the
//! solver's worker: steps run until a step count or a time budget is used up,
//! each step is reported, a cancel stops after the current step, and the
//! best state so far is kept in every case.
//!
//! Like `solve`, everything reads back with `into_data_async`, so the same
//! code runs in the browser and natively.

use std::ops::ControlFlow;

use burn::module::Module;
use burn::tensor::Device;
use ponder_model::checkpoint::StateDict;
use ponder_model::train::{AugmentedTask, FinetuneConfig, FinetuneError, FinetuneMode, Finetuner, StepReport};
use ponder_model::{LoadError, Model, TrmConfig};
use ponder_tasks::{Grid, Task};
use serde::Serialize;

use crate::solve::{PlannedInput, RunSettings, SolveError, SolveResult, solve_planned};

/// How long and how to fine-tune.
#[derive(Debug, Clone, PartialEq)]
pub struct FinetuneOptions {
    /// Maximum number of steps to run, at least 1.
    pub steps: usize,
    /// Stop once this many milliseconds have passed, when set.
    pub time_budget_ms: Option<f64>,
    /// Augmentations of the demonstrations, the identity included (1 to 64).
    pub augmentations: usize,
    pub mode: FinetuneMode,
    /// Base learning rate of AdamW in full fine-tuning.
    pub lr: f64,
    /// Base learning rate of the puzzle-embedding rows (sign-SGD).
    pub puzzle_emb_lr: f64,
    pub batch_size: usize,
    /// Steps of linear warm-up of both learning rates.
    pub warmup_steps: usize,
    /// Place each demonstration at a random offset on the canvas.
    pub translate: bool,
    /// Let augmentations permute the colours; off, they are dihedral only.
    pub permute_colours: bool,
    pub seed: u64,
}

impl Default for FinetuneOptions {
    fn default() -> Self {
        let official = FinetuneConfig::default();
        Self {
            steps: 100,
            time_budget_ms: None,
            augmentations: official.augmentations,
            mode: official.mode,
            lr: official.lr,
            puzzle_emb_lr: official.puzzle_emb_lr,
            batch_size: official.batch_size,
            warmup_steps: official.warmup_steps,
            translate: official.translate,
            permute_colours: official.permute_colours,
            seed: official.seed,
        }
    }
}

/// The reason fine-tuning stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum StopReason {
    /// Every requested step ran.
    Steps,
    /// The time budget was used up.
    TimeBudget,
    /// The caller cancelled.
    Cancelled,
}

/// The progress report passed to the caller after every step.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FinetuneProgress {
    /// Step just finished, from 1.
    pub step: usize,
    pub steps: usize,
    /// The official loss per example on the step's batch of demonstrations.
    pub loss: f32,
    /// Its cross-entropy part, without the q_halt term.
    pub lm_loss: f32,
    /// Share of right tokens on the batch.
    pub accuracy: f32,
    /// Share of demonstrations with every token right.
    pub exact_accuracy: f32,
    pub is_best: bool,
    /// Milliseconds since fine-tuning started.
    pub elapsed_ms: f64,
}

/// The outcome of a fine-tuning run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FinetuneSummary {
    pub steps_run: usize,
    pub stopped: StopReason,
    /// The step whose state was kept: the one with the lowest cross-entropy.
    pub best: Option<FinetuneProgress>,
    /// Augmented copies of the task, each with its own puzzle-embedding row,
    /// that solving the task now votes over.
    pub augmentations: usize,
}

/// A model fine-tuned on one task, ready to solve that task's test inputs.
#[derive(Debug, Clone)]
pub struct Finetuned {
    /// On the plain (inference) device; its puzzle rows are the task's augmentations.
    pub model: Model,
    pub data: AugmentedTask,
}

#[derive(Debug, thiserror::Error)]
pub enum FinetuneWebError {
    #[error("invalid option {name} = {value}: {expected}")]
    InvalidOption { name: &'static str, value: String, expected: &'static str },
    #[error("the model cannot be loaded for training: {0}")]
    Load(#[from] LoadError),
    #[error("{0}")]
    Finetune(#[from] FinetuneError),
}

const MAX_AUGMENTATIONS: usize = 64;

impl FinetuneOptions {
    pub fn validate(&self) -> Result<(), FinetuneWebError> {
        let invalid = |name, value: String, expected| FinetuneWebError::InvalidOption { name, value, expected };
        if self.steps == 0 {
            return Err(invalid("steps", self.steps.to_string(), "expected at least 1"));
        }
        if !(1..=MAX_AUGMENTATIONS).contains(&self.augmentations) {
            return Err(invalid("augmentations", self.augmentations.to_string(), "expected 1 to 64"));
        }
        if self.batch_size == 0 {
            return Err(invalid("batchSize", self.batch_size.to_string(), "expected at least 1"));
        }
        if let Some(budget) = self.time_budget_ms
            && !(budget.is_finite() && budget > 0.0)
        {
            return Err(invalid("timeBudgetMs", budget.to_string(), "expected a positive number of milliseconds"));
        }
        Ok(())
    }

    fn config(&self) -> FinetuneConfig {
        FinetuneConfig {
            mode: self.mode,
            augmentations: self.augmentations,
            translate: self.translate,
            permute_colours: self.permute_colours,
            batch_size: self.batch_size,
            lr: self.lr,
            puzzle_emb_lr: self.puzzle_emb_lr,
            warmup_steps: self.warmup_steps,
            total_steps: self.steps,
            seed: self.seed,
            ..FinetuneConfig::default()
        }
    }
}

/// Fine-tunes the model that `config` and `weights` describe on `task`'s
/// demonstrations, on `device` with autodiff. Stops after `options.steps`
/// steps, when `options.time_budget_ms` has passed (by `elapsed_ms`), when
/// `on_step` returns `Break` or when `is_cancelled` turns true; in every case
/// it returns the state of the step with the lowest cross-entropy on the
/// demonstrations (`lm_loss`).
#[allow(clippy::too_many_arguments)]
pub async fn finetune(
    weights: &StateDict,
    config: &TrmConfig,
    device: &Device,
    task_id: &str,
    task: &Task,
    options: &FinetuneOptions,
    mut on_step: impl FnMut(&FinetuneProgress) -> ControlFlow<()>,
    is_cancelled: impl Fn() -> bool,
    elapsed_ms: impl Fn() -> f64,
) -> Result<(Finetuned, FinetuneSummary), FinetuneWebError> {
    options.validate()?;
    let model = Model::load(config, weights, &device.clone().autodiff())?;
    let mut finetuner = Finetuner::new(model, config, task_id, task, None, options.config())?;

    let mut best: Option<FinetuneProgress> = None;
    let stopped = loop {
        if finetuner.steps() >= options.steps {
            break StopReason::Steps;
        }
        if is_cancelled() {
            break StopReason::Cancelled;
        }
        if options.time_budget_ms.is_some_and(|budget| elapsed_ms() >= budget) {
            break StopReason::TimeBudget;
        }

        let report = finetuner.step_async().await?;
        let progress = progress(&report, options.steps, elapsed_ms());
        if progress.is_best {
            best = Some(progress);
        }
        if on_step(&progress).is_break() {
            break StopReason::Cancelled;
        }
        // Let the worker handle messages, a cancel among them, before the next step.
        crate::yield_now().await;
    };

    let trained = finetuner.best().map(|snapshot| snapshot.model.clone()).unwrap_or_else(|| finetuner.model().clone());
    let finetuned = Finetuned { model: trained.valid(), data: finetuner.data().clone() };
    let summary = FinetuneSummary {
        steps_run: finetuner.steps(),
        stopped,
        best,
        augmentations: finetuned.data.augmentations.len(),
    };
    Ok((finetuned, summary))
}

impl Finetuned {
    /// Returns whether this model was fine-tuned on `task`.
    pub fn is_for(&self, task: &Task) -> bool {
        self.data.task == *task
    }

    /// Solves test input `test_index` under the augmentations fine-tuning
    /// used, each with its own learned puzzle row, and votes.
    pub async fn solve(
        &self,
        device: &Device,
        test_index: usize,
        settings: RunSettings,
        on_step: impl FnMut(&crate::solve::StepReport) -> ControlFlow<()>,
        is_cancelled: impl Fn() -> bool,
    ) -> Result<SolveResult, SolveError> {
        let task = &self.data.task;
        let test = task.test.get(test_index).ok_or(SolveError::NoSuchTest { index: test_index, count: task.test.len() })?;
        let plan: Vec<PlannedInput> = self
            .data
            .augmentations
            .iter()
            .enumerate()
            .map(|(row, &augmentation)| PlannedInput { augmentation, puzzle_identifier: row })
            .collect();
        let input: &Grid = &test.input;
        solve_planned(&self.model, device, input, &plan, settings, on_step, is_cancelled).await
    }
}

fn progress(report: &StepReport, steps: usize, elapsed_ms: f64) -> FinetuneProgress {
    FinetuneProgress {
        step: report.step,
        steps,
        loss: report.loss,
        lm_loss: report.lm_loss,
        accuracy: report.accuracy,
        exact_accuracy: report.exact_accuracy,
        is_best: report.is_best,
        elapsed_ms,
    }
}
