//! Training a whole model on examples drawn from a source, as the official
//! `pretrain.py` does: deep supervision with the carry kept across batches,
//! AdamW on the network, sign-SGD on the puzzle rows, warm-up and cosine
//! decay. Its state (optimiser moments, carry, generator, step) is saved
//! beside the weights, so that a stopped run resumes where it stopped.
//!
//! NOTE: a resumed run matches an uninterrupted one to float rounding, not
//! always bit for bit: restored tensors are contiguous where the running ones
//! may be strided views, which can change the order of later sums.

#![allow(non_snake_case)]

use burn::prelude::*;
use ponder_tasks::rng::Rng;

use crate::checkpoint::{HostTensor, StateDict};
use crate::config::TrmConfig;
use crate::model::Model;
use crate::save::{SaveError, host_float};
use crate::train::act::{ActSettings, TrainBatch, TrainCarry};
use crate::train::adamw::{AdamW, AdamWConfig, AdamWState};
use crate::train::data::Example;
use crate::train::optimise::{Optimisers, StepRates, optimise_step};
use crate::train::schedule::LrSchedule;
use crate::train::sign_sgd::{PUZZLE_EMB_LR, SparseSignSgd};
use crate::trm::InnerCarry;

/// A source of training examples: a generator, or a fixed set with
/// augmentations. The same generator state must give the same examples.
pub trait ExampleSource {
    /// Draws `count` examples, each of the model's `seq_len`, using `rng`.
    fn draw(&mut self, rng: &mut Rng, count: usize) -> Vec<Example>;
}

/// Settings of a training run; the defaults are the official ones.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainerConfig {
    /// Examples per step (official `global_batch_size`).
    pub batch_size: usize,
    pub lr: f64,
    pub puzzle_emb_lr: f64,
    pub puzzle_emb_weight_decay: f64,
    pub adamw: AdamWConfig,
    pub warmup_steps: usize,
    /// Steps the cosine decay spans.
    pub total_steps: usize,
    pub lr_min_ratio: f64,
    /// Seeds the data and the halting exploration.
    pub seed: u64,
}

impl Default for TrainerConfig {
    fn default() -> Self {
        Self {
            batch_size: 768,
            lr: 1e-4,
            puzzle_emb_lr: PUZZLE_EMB_LR,
            puzzle_emb_weight_decay: SparseSignSgd::default().weight_decay,
            adamw: AdamWConfig::default(),
            warmup_steps: 2000,
            total_steps: 100_000,
            lr_min_ratio: 1.0,
            seed: 0,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("training needs a model on an autodiff device; load it on `device.clone().autodiff()`")]
    NotAutodiff,
    #[error("invalid training setting `{field}` = {value}: {reason}")]
    InvalidSetting { field: &'static str, value: String, reason: &'static str },
    #[error("example {index} has {found} input tokens and {labels} labels, expected seq_len = {expected}")]
    ExampleLength { index: usize, expected: usize, found: usize, labels: usize },
    #[error("the example source gave {found} examples, expected {expected}")]
    ExampleCount { expected: usize, found: usize },
    #[error("the saved training state does not fit this model: {0}")]
    State(String),
    #[error("reading the step's metrics from the device failed: {0}")]
    Read(String),
    #[error(transparent)]
    Save(#[from] SaveError),
}

/// The figures one training step measured on its batch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainReport {
    /// 1-based step number.
    pub step: usize,
    /// The official loss divided by the batch size.
    pub loss: f32,
    /// The stablemax cross-entropy part of `loss`, divided by the batch size.
    pub lm_loss: f32,
    /// Mean fraction of right tokens over the batch.
    pub accuracy: f32,
    /// Fraction of the batch's examples whose every token is right.
    pub exact_accuracy: f32,
    /// AdamW's learning rate at this step.
    pub lr: f64,
}

/// A running training; call [`step`](Self::step) until the budget is spent.
#[derive(Debug)]
pub struct Trainer {
    model: Model,
    config: TrainerConfig,
    settings: ActSettings,
    seq_len: usize,
    optimisers: Optimisers,
    carry: Option<TrainCarry>,
    rng: Rng,
    step: usize,
}

impl Trainer {
    /// Starts training `model` (on an autodiff device) from step 0.
    pub fn new(model: Model, model_config: &TrmConfig, config: TrainerConfig) -> Result<Self, TrainError> {
        validate(&config)?;
        if !model.device().is_autodiff() {
            return Err(TrainError::NotAutodiff);
        }
        Ok(Self {
            optimisers: Optimisers {
                adamw: AdamW::new(config.adamw),
                sign_sgd: SparseSignSgd { weight_decay: config.puzzle_emb_weight_decay },
                train_weights: true,
            },
            rng: Rng::new(config.seed),
            settings: ActSettings::from_config(model_config),
            seq_len: model_config.seq_len,
            model,
            config,
            carry: None,
            step: 0,
        })
    }

    /// Returns the model as trained so far.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Steps run so far.
    pub fn steps(&self) -> usize {
        self.step
    }

    pub fn config(&self) -> &TrainerConfig {
        &self.config
    }

    /// Runs one step on a batch from `source` and reads its metrics back.
    pub fn step(&mut self, source: &mut dyn ExampleSource) -> Result<TrainReport, TrainError> {
        self.step += 1;
        let batch = self.draw_batch(source)?;

        let lr_factor = self.lr_schedule().lr(self.step);
        let rates = StepRates { lr: self.config.lr * lr_factor, puzzle_emb_lr: self.config.puzzle_emb_lr * lr_factor };
        let outcome = optimise_step(&self.model, self.carry.take(), &batch, self.settings, &mut self.rng, &mut self.optimisers, rates);

        self.model = outcome.model;
        self.carry = Some(outcome.carry);
        let metrics = outcome.metrics;
        let values: Vec<f32> = metrics
            .try_into_data()
            .map_err(|error| TrainError::Read(error.to_string()))?
            .convert::<f32>()
            .try_into_vec()
            .map_err(|error| TrainError::Read(format!("{error:?}")))?;
        Ok(TrainReport {
            step: self.step,
            loss: values[0],
            accuracy: values[1],
            exact_accuracy: values[2],
            lm_loss: values[3],
            lr: rates.lr,
        })
    }

    /// Everything besides the weights that resuming needs, under `train.*`
    /// keys: the step, the generator, AdamW's moments and the carry.
    pub fn state(&self) -> Result<StateDict, TrainError> {
        let mut state = StateDict::new();
        let scalar = |value: i64| HostTensor::from_i64(vec![1], vec![value]).map_err(SaveError::from);
        state.insert("train.step", scalar(self.step as i64)?);
        // The generator's 64 bits, stored as the i64 with the same bits.
        state.insert("train.rng", scalar(self.rng.state() as i64)?);

        let adamw = self.optimisers.adamw.export(&self.model);
        state.insert("train.adamw.step", scalar(i64::from(adamw.step))?);
        for (index, moments) in adamw.moments.into_iter().enumerate() {
            if let Some((first, second)) = moments {
                state.insert(format!("train.adamw.{index}.first"), host_float(&format!("moment {index}"), first)?);
                state.insert(format!("train.adamw.{index}.second"), host_float(&format!("moment {index}"), second)?);
            }
        }

        if let Some(carry) = &self.carry {
            state.insert("train.carry.z_H", host_float("z_H", carry.inner.z_H.clone())?);
            state.insert("train.carry.z_L", host_float("z_L", carry.inner.z_L.clone())?);
            state.insert("train.carry.steps", host_int("steps", carry.steps.clone())?);
            state.insert("train.carry.halted", host_int("halted", carry.halted.clone().int())?);
            state.insert("train.carry.inputs", host_int("inputs", carry.current.inputs.clone())?);
            state.insert("train.carry.labels", host_int("labels", carry.current.labels.clone())?);
            state.insert("train.carry.puzzle_identifiers", host_int("puzzle_identifiers", carry.current.puzzle_identifiers.clone())?);
        }
        Ok(state)
    }

    /// Resumes a run: `model` contains the saved weights (on an autodiff
    /// device) and `state` what [`state`](Self::state) saved with them.
    pub fn resume(model: Model, model_config: &TrmConfig, config: TrainerConfig, state: &StateDict) -> Result<Self, TrainError> {
        let mut trainer = Self::new(model, model_config, config)?;
        let device = trainer.model.device();
        trainer.step = int_scalar(state, "train.step")? as usize;
        trainer.rng = Rng::from_state(int_scalar(state, "train.rng")? as u64);

        // AdamW keeps its moments outside the graph, on the plain backend.
        let plain = device.clone().inner();
        let parameters = crate::train::adamw::float_param_count(&trainer.model);
        let moments = (0..parameters)
            .map(|index| {
                let first = state.get(&format!("train.adamw.{index}.first"));
                let second = state.get(&format!("train.adamw.{index}.second"));
                match (first, second) {
                    (Some(first), Some(second)) => Ok(Some((float_tensor::<1>(first, &plain)?, float_tensor::<1>(second, &plain)?))),
                    (None, None) => Ok(None),
                    _ => Err(TrainError::State(format!("moment {index} has only one of its two halves"))),
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let step = int_scalar(state, "train.adamw.step")? as i32;
        trainer.optimisers.adamw = AdamW::import(trainer.config.adamw, &trainer.model, AdamWState { step, moments })
            .ok_or_else(|| TrainError::State("the optimiser state has a different parameter count".into()))?;

        if let Some(z_H) = state.get("train.carry.z_H") {
            let get = |key: &str| state.get(key).ok_or_else(|| TrainError::State(format!("`{key}` is missing")));
            let int1 = |key: &str| get(key).and_then(|tensor| int_tensor::<1>(tensor, &device));
            let int2 = |key: &str| get(key).and_then(|tensor| int_tensor::<2>(tensor, &device));
            trainer.carry = Some(TrainCarry {
                inner: InnerCarry {
                    z_H: float_tensor::<3>(z_H, &device)?,
                    z_L: float_tensor::<3>(get("train.carry.z_L")?, &device)?,
                },
                steps: int1("train.carry.steps")?,
                halted: int1("train.carry.halted")?.bool(),
                current: TrainBatch {
                    inputs: int2("train.carry.inputs")?,
                    labels: int2("train.carry.labels")?,
                    puzzle_identifiers: int1("train.carry.puzzle_identifiers")?,
                },
            });
        }
        Ok(trainer)
    }

    fn lr_schedule(&self) -> LrSchedule {
        LrSchedule {
            base_lr: 1.0,
            warmup_steps: self.config.warmup_steps,
            total_steps: self.config.total_steps,
            min_ratio: self.config.lr_min_ratio,
        }
    }

    fn draw_batch(&mut self, source: &mut dyn ExampleSource) -> Result<TrainBatch, TrainError> {
        let count = self.config.batch_size;
        let examples = source.draw(&mut self.rng, count);
        if examples.len() != count {
            return Err(TrainError::ExampleCount { expected: count, found: examples.len() });
        }
        let seq = self.seq_len;
        let mut inputs = Vec::with_capacity(count * seq);
        let mut labels = Vec::with_capacity(count * seq);
        for (index, example) in examples.iter().enumerate() {
            if example.inputs.len() != seq || example.labels.len() != seq {
                return Err(TrainError::ExampleLength { index, expected: seq, found: example.inputs.len(), labels: example.labels.len() });
            }
            inputs.extend_from_slice(&example.inputs);
            labels.extend_from_slice(&example.labels);
        }
        let identifiers: Vec<i32> = examples.iter().map(|example| example.puzzle_identifier).collect();
        let device = self.model.device();
        Ok(TrainBatch {
            inputs: Tensor::from_data(TensorData::new(inputs, [count, seq]), &device),
            labels: Tensor::from_data(TensorData::new(labels, [count, seq]), &device),
            puzzle_identifiers: Tensor::from_data(TensorData::new(identifiers, [count]), &device),
        })
    }
}

fn validate(config: &TrainerConfig) -> Result<(), TrainError> {
    let invalid = |field, value: &dyn ToString, reason| TrainError::InvalidSetting { field, value: value.to_string(), reason };
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

fn host_int<const D: usize>(name: &str, tensor: Tensor<D, Int>) -> Result<HostTensor, SaveError> {
    let shape = tensor.dims().to_vec();
    let read_error = |message: String| SaveError::Read { key: name.to_string(), message };
    let data = tensor.try_into_data().map_err(|error| read_error(error.to_string()))?;
    let values: Vec<i64> = data.convert::<i64>().try_into_vec().map_err(|error| read_error(format!("{error:?}")))?;
    Ok(HostTensor::from_i64(shape, values)?)
}

fn int_scalar(state: &StateDict, key: &str) -> Result<i64, TrainError> {
    state
        .get(key)
        .and_then(|tensor| tensor.as_i64())
        .and_then(|values| values.first().copied())
        .ok_or_else(|| TrainError::State(format!("`{key}` is missing or not an integer")))
}

fn float_tensor<const D: usize>(tensor: &HostTensor, device: &Device) -> Result<Tensor<D>, TrainError> {
    let values = tensor.as_f32().ok_or_else(|| TrainError::State("a float tensor contains integers".into()))?;
    let shape: [usize; D] = tensor.shape().try_into().map_err(|_| TrainError::State(format!("a tensor of shape {:?} should have {D} dimensions", tensor.shape())))?;
    Ok(Tensor::from_data(TensorData::new(values.to_vec(), shape), device))
}

fn int_tensor<const D: usize>(tensor: &HostTensor, device: &Device) -> Result<Tensor<D, Int>, TrainError> {
    let values = tensor.as_i64().ok_or_else(|| TrainError::State("an integer tensor contains floats".into()))?;
    let shape: [usize; D] = tensor.shape().try_into().map_err(|_| TrainError::State(format!("a tensor of shape {:?} should have {D} dimensions", tensor.shape())))?;
    Ok(Tensor::from_data(TensorData::new(values.to_vec(), shape), device))
}
