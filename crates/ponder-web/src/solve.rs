//! Solving one test input of an ARC task: the input under several
//! augmentations, ACT steps on each, every prediction mapped back to the
//! task's frame, then a vote.
//!
//! Everything here is async and reads results back only with
//! `into_data_async`, so the same code runs in a browser worker and natively.

use std::ops::ControlFlow;

use burn::tensor::{Device, Int, Tensor, TensorData};
use ponder_model::{ActOutput, Halting, Model, TrmBatch, TrmConfig};
use ponder_tasks::augment::{Augmentation, ColourMap, Dihedral};
use ponder_tasks::encoding::{Translation, decode_prediction, encode_grid};
use ponder_tasks::rng::Rng;
use ponder_tasks::vote::{Candidate, Ranked, attempts, rank};
use ponder_tasks::{Grid, Task};
use serde::Serialize;

/// How to solve: how many augmentations, how many ACT steps on each.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveOptions {
    /// Augmented copies of the test input to vote over, 1 to 64. The first
    /// eight are the dihedral transforms with unchanged colours; later ones
    /// add a colour permutation drawn from `seed`.
    pub augmentations: usize,
    /// ACT steps per augmentation, at least 1.
    pub steps: usize,
    /// Stop an augmentation early once its q_halt logit is positive.
    pub early_halting: bool,
    /// Augmentations run together on the device, at least 1.
    pub batch_size: usize,
    pub seed: u64,
    /// Row of the model's puzzle-embedding table to use. Row 0 is the blank
    /// row that the official code reserves for unknown puzzles.
    pub puzzle_identifier: usize,
}

impl Default for SolveOptions {
    fn default() -> Self {
        Self { augmentations: 8, steps: 16, early_halting: false, batch_size: 4, seed: 0, puzzle_identifier: 0 }
    }
}

/// The prediction of one augmentation after one ACT step.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Prediction {
    pub augmentation: usize,
    /// The cropped prediction mapped back to the task's frame, as rows, or
    /// `None` when the crop is empty.
    pub grid: Option<Vec<Vec<u8>>>,
    /// sigmoid(q_halt logit): the model's confidence that the answer is done.
    pub q_halt: f32,
    /// Whether this augmentation has halted (only with early halting).
    pub halted: bool,
    /// The raw q_halt logit, which voting ranks by.
    #[serde(skip)]
    pub q_halt_logit: f32,
}

/// What the caller hears after every ACT step.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepReport {
    /// ACT step just finished, from 1.
    pub step: usize,
    pub steps: usize,
    /// First augmentation of the batch that ran this step.
    pub first_augmentation: usize,
    pub augmentations: usize,
    /// Share of all planned ACT steps done, 0 to 1.
    pub progress: f64,
    pub predictions: Vec<Prediction>,
}

/// A distinct final prediction and its votes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tally {
    pub grid: Option<Vec<Vec<u8>>>,
    pub votes: usize,
    pub mean_confidence: f64,
}

/// The voted result for one test input.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SolveResult {
    /// The two attempts to submit, or `None` when every prediction cropped to
    /// an empty grid.
    pub attempts: Option<[Vec<Vec<u8>>; 2]>,
    /// All distinct predictions, most votes first.
    pub tally: Vec<Tally>,
    /// ACT steps each augmentation used.
    pub steps_used: Vec<usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum SolveError {
    #[error("the task has {count} test inputs, so test index {index} does not exist")]
    NoSuchTest { index: usize, count: usize },
    #[error("invalid option {name} = {value}: {expected}")]
    InvalidOption { name: &'static str, value: String, expected: &'static str },
    #[error("the model reads sequences of {model} tokens, but ARC grids are encoded as {arc} tokens")]
    NotArcModel { model: usize, arc: usize },
    #[error("the model reads {seq_len} tokens with a vocabulary of {vocab_size}, but a Sudoku model reads 81 tokens with a vocabulary of 11")]
    NotSudokuModel { seq_len: usize, vocab_size: usize },
    #[error("the model reads {seq_len} tokens with a vocabulary of {vocab_size}, but a maze model reads 900 tokens with a vocabulary of 6")]
    NotMazeModel { seq_len: usize, vocab_size: usize },
    #[error("invalid maze: {0}")]
    InvalidMaze(#[from] ponder_tasks::maze::MazeError),
    #[error("reading results back from the device failed: {0}")]
    ReadBack(String),
    #[error("solving was cancelled")]
    Cancelled,
}

pub(crate) const ARC_SEQ_LEN: usize = 900;
const MAX_AUGMENTATIONS: usize = 64;

impl SolveOptions {
    pub fn validate(&self) -> Result<(), SolveError> {
        let invalid = |name, value: usize, expected| SolveError::InvalidOption { name, value: value.to_string(), expected };
        if !(1..=MAX_AUGMENTATIONS).contains(&self.augmentations) {
            return Err(invalid("augmentations", self.augmentations, "expected 1 to 64"));
        }
        if self.steps == 0 {
            return Err(invalid("steps", self.steps, "expected at least 1"));
        }
        if self.batch_size == 0 {
            return Err(invalid("batchSize", self.batch_size, "expected at least 1"));
        }
        Ok(())
    }

    fn check_puzzle_identifier(&self, config: &TrmConfig) -> Result<(), SolveError> {
        if self.puzzle_identifier >= config.num_puzzle_identifiers.max(1) {
            return Err(SolveError::InvalidOption {
                name: "puzzleIdentifier",
                value: self.puzzle_identifier.to_string(),
                expected: "expected a row of the model's puzzle-embedding table",
            });
        }
        Ok(())
    }
}

/// The augmentations of a solve: dihedral transforms first, then random
/// transforms with colour permutations, all from `seed`.
pub fn plan_augmentations(count: usize, seed: u64) -> Vec<Augmentation> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|index| match Dihedral::ALL.get(index) {
            Some(&transform) => Augmentation { transform, colours: ColourMap::IDENTITY },
            None => Augmentation::random(&mut rng),
        })
        .collect()
}

/// One augmented copy of the test input and the puzzle-embedding row it is solved with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlannedInput {
    pub augmentation: Augmentation,
    pub puzzle_identifier: usize,
}

/// How to run the planned inputs: ACT steps, early halting and batch size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunSettings {
    pub steps: usize,
    pub early_halting: bool,
    pub batch_size: usize,
}

impl From<&SolveOptions> for RunSettings {
    fn from(options: &SolveOptions) -> Self {
        Self { steps: options.steps, early_halting: options.early_halting, batch_size: options.batch_size }
    }
}

/// Solves test input `test_index` of `task`, calling `on_step` after every
/// ACT step. The solve is cancelled when `on_step` returns `Break`, or when
/// `is_cancelled` returns true, which is asked before every step.
pub async fn solve(
    model: &Model,
    config: &TrmConfig,
    device: &Device,
    task: &Task,
    test_index: usize,
    options: &SolveOptions,
    on_step: impl FnMut(&StepReport) -> ControlFlow<()>,
    is_cancelled: impl Fn() -> bool,
) -> Result<SolveResult, SolveError> {
    options.validate()?;
    let test = task.test.get(test_index).ok_or(SolveError::NoSuchTest { index: test_index, count: task.test.len() })?;
    if config.seq_len != ARC_SEQ_LEN {
        return Err(SolveError::NotArcModel { model: config.seq_len, arc: ARC_SEQ_LEN });
    }
    options.check_puzzle_identifier(config)?;

    let plan: Vec<PlannedInput> = plan_augmentations(options.augmentations, options.seed)
        .into_iter()
        .map(|augmentation| PlannedInput { augmentation, puzzle_identifier: options.puzzle_identifier })
        .collect();
    solve_planned(model, device, &test.input, &plan, options.into(), on_step, is_cancelled).await
}

/// Runs every planned input of `input` for `settings.steps` ACT steps, in
/// batches, reporting each step, and votes over the final predictions.
pub async fn solve_planned(
    model: &Model,
    device: &Device,
    input: &Grid,
    plan: &[PlannedInput],
    settings: RunSettings,
    mut on_step: impl FnMut(&StepReport) -> ControlFlow<()>,
    is_cancelled: impl Fn() -> bool,
) -> Result<SolveResult, SolveError> {
    let halting = if settings.early_halting { Halting::QHalt } else { Halting::MaxSteps };
    let total_steps = (plan.len() * settings.steps) as f64;
    let mut candidates = Vec::with_capacity(plan.len());
    let mut steps_used = Vec::with_capacity(plan.len());

    for (chunk_index, chunk) in plan.chunks(settings.batch_size.max(1)).enumerate() {
        let first = chunk_index * settings.batch_size.max(1);
        let batch = encode_batch(input, chunk, device);
        let mut carry = model.initial_act_carry(&batch);
        let mut last: Option<ActOutput> = None;
        let mut predictions = Vec::new();

        for step in 1..=settings.steps {
            if is_cancelled() {
                return Err(SolveError::Cancelled);
            }
            let (next, output) = model.act_step(carry, &batch, halting, last.as_ref());
            carry = next;

            predictions = read_predictions(&output, &carry.halted, chunk, first).await?;
            let report = StepReport {
                step,
                steps: settings.steps,
                first_augmentation: first,
                augmentations: plan.len(),
                progress: ((first * settings.steps) + step * chunk.len()) as f64 / total_steps,
                predictions: predictions.clone(),
            };
            if on_step(&report).is_break() {
                return Err(SolveError::Cancelled);
            }
            // Let the worker handle messages, a cancel among them, before the next step.
            crate::yield_now().await;
            last = Some(output);
            if settings.early_halting && predictions.iter().all(|prediction| prediction.halted) {
                break;
            }
        }

        if let Some(output) = &last {
            steps_used.extend(read_ints(output.steps.clone()).await?.into_iter().map(|steps| steps as usize));
        }
        for prediction in predictions {
            let grid = prediction.grid.as_ref().and_then(|rows| Grid::from_rows(rows).ok());
            candidates.push(Candidate { grid, q_halt_logit: prediction.q_halt_logit });
        }
    }

    let ranked = rank(&candidates);
    Ok(SolveResult {
        attempts: attempts(&ranked).map(|chosen| [chosen.attempt_1.to_rows(), chosen.attempt_2.to_rows()]),
        tally: ranked.iter().map(tally).collect(),
        steps_used,
    })
}

/// Encodes the augmented test inputs as one batch, each with its puzzle identifier.
fn encode_batch(input: &Grid, chunk: &[PlannedInput], device: &Device) -> TrmBatch {
    let mut tokens = Vec::with_capacity(chunk.len() * ARC_SEQ_LEN);
    for planned in chunk {
        // Every ARC grid fits the canvas untranslated, so encoding cannot fail.
        let encoded = encode_grid(&planned.augmentation.apply(input), Translation::default()).expect("an ARC grid fits the canvas");
        tokens.extend(encoded.into_iter().map(i32::from));
    }
    let identifiers: Vec<i32> = chunk.iter().map(|planned| planned.puzzle_identifier as i32).collect();
    TrmBatch {
        inputs: Tensor::<2, Int>::from_data(TensorData::new(tokens, [chunk.len(), ARC_SEQ_LEN]), device),
        puzzle_identifiers: Tensor::<1, Int>::from_data(TensorData::new(identifiers, [chunk.len()]), device),
    }
}

async fn read_predictions(
    output: &ActOutput,
    halted: &Tensor<1, burn::tensor::Bool>,
    chunk: &[PlannedInput],
    first: usize,
) -> Result<Vec<Prediction>, SolveError> {
    let preds = read_ints(output.preds.clone()).await?;
    let q_halt = read_floats(output.q_halt_logits.clone()).await?;
    let halted = read_ints(halted.clone().int()).await?;

    Ok(chunk
        .iter()
        .enumerate()
        .map(|(row, planned)| {
            let tokens = &preds[row * ARC_SEQ_LEN..(row + 1) * ARC_SEQ_LEN];
            let grid = decode_prediction(tokens).ok().map(|grid| planned.augmentation.invert(&grid).to_rows());
            Prediction {
                augmentation: first + row,
                grid,
                q_halt: sigmoid(q_halt[row]),
                halted: halted[row] != 0,
                q_halt_logit: q_halt[row],
            }
        })
        .collect())
}

pub(crate) async fn read_ints<const D: usize>(tensor: Tensor<D, Int>) -> Result<Vec<i64>, SolveError> {
    let data = tensor.into_data_async().await.map_err(|error| SolveError::ReadBack(format!("{error:?}")))?;
    data.convert::<i64>().try_to_vec::<i64>().map_err(|error| SolveError::ReadBack(format!("{error:?}")))
}

pub(crate) async fn read_floats<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, SolveError> {
    let data = tensor.into_data_async().await.map_err(|error| SolveError::ReadBack(format!("{error:?}")))?;
    data.convert::<f32>().try_to_vec::<f32>().map_err(|error| SolveError::ReadBack(format!("{error:?}")))
}

fn tally(entry: &Ranked) -> Tally {
    Tally { grid: entry.grid.as_ref().map(Grid::to_rows), votes: entry.votes, mean_confidence: entry.mean_confidence }
}

/// Runs `steps` ACT steps on one puzzle with puzzle identifier 0, as the
/// Sudoku and maze models read it, and returns the last step's predicted
/// tokens. After each step `on_step` gets the step, its tokens and
/// sigmoid(q_halt). The run is cancelled when `on_step` returns `Break`, or
/// when `is_cancelled`, asked before every step, returns true.
pub(crate) async fn run_one_puzzle(
    model: &Model,
    device: &Device,
    tokens: Vec<i32>,
    steps: usize,
    mut on_step: impl FnMut(usize, &[i64], f32) -> ControlFlow<()>,
    is_cancelled: impl Fn() -> bool,
) -> Result<Vec<i64>, SolveError> {
    if steps == 0 {
        return Err(SolveError::InvalidOption { name: "steps", value: "0".to_string(), expected: "expected at least 1" });
    }
    let seq_len = tokens.len();
    let batch = TrmBatch {
        inputs: Tensor::<2, Int>::from_data(TensorData::new(tokens, [1, seq_len]), device),
        puzzle_identifiers: Tensor::<1, Int>::from_data(TensorData::new(vec![0i32], [1]), device),
    };
    let mut carry = model.initial_act_carry(&batch);
    let mut preds = Vec::new();

    for step in 1..=steps {
        if is_cancelled() {
            return Err(SolveError::Cancelled);
        }
        let (next, output) = model.act_step(carry, &batch, Halting::MaxSteps, None);
        carry = next;

        // [1, seq_len] and [1]
        preds = read_ints(output.preds).await?;
        let q_halt_logit = read_floats(output.q_halt_logits).await?[0];
        if on_step(step, &preds, sigmoid(q_halt_logit)).is_break() {
            return Err(SolveError::Cancelled);
        }
        // Let the worker handle messages, a cancel among them, before the next step.
        crate::yield_now().await;
    }
    Ok(preds)
}

pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}
