//! One ACT step in training mode, as the official
//! `TinyRecursiveReasoningModel_ACTV1.forward` runs it with `self.training`
//! set: examples that halted are replaced by the next batch's examples with a
//! fresh carry, the others continue from their carry (deep supervision), and
//! halting follows q_halt with random exploration of longer runs.

#![allow(non_snake_case)]

use burn::module::Param;
use burn::prelude::*;

use crate::model::Model;
use crate::train::loss::{LossOutput, act_loss};
use crate::trm::{InnerCarry, TrmBatch};

/// A batch of labelled examples.
#[derive(Debug, Clone)]
pub struct TrainBatch {
    /// `[batch, seq]`
    pub inputs: Tensor<2, Int>,
    /// `[batch, seq]`, [`IGNORE_LABEL_ID`](crate::train::IGNORE_LABEL_ID) where nothing is learned.
    pub labels: Tensor<2, Int>,
    /// `[batch]`
    pub puzzle_identifiers: Tensor<1, Int>,
}

/// The ACT settings of training, from the architecture config.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ActSettings {
    pub halt_max_steps: usize,
    pub halt_exploration_prob: f64,
    /// When false, q_continue is trained against a bootstrapped target and
    /// halting compares q_halt with q_continue instead of with 0.
    pub no_ACT_continue: bool,
}

impl ActSettings {
    pub fn from_config(config: &crate::TrmConfig) -> Self {
        Self {
            halt_max_steps: config.halt_max_steps,
            halt_exploration_prob: config.halt_exploration_prob,
            no_ACT_continue: config.no_ACT_continue,
        }
    }
}

/// What training carries from one step to the next: the latents, the steps
/// used, who halted, and the example each slot of the batch is working on.
#[derive(Debug, Clone)]
pub struct TrainCarry {
    pub inner: InnerCarry,
    /// `[batch]`
    pub steps: Tensor<1, Int>,
    /// `[batch]`; a halted slot takes the next batch's example at the next step.
    pub halted: Tensor<1, Bool>,
    /// The examples in progress.
    pub current: TrainBatch,
}

/// The result of one training step.
#[derive(Debug, Clone)]
pub struct TrainStepOutput {
    pub carry: TrainCarry,
    pub loss: LossOutput,
    /// `[batch]`
    pub q_halt_logits: Tensor<1>,
    /// The puzzle-embedding row of each slot, as the gradient leaf it was in
    /// this step (the official `local_weights`); absent without a puzzle
    /// embedding. `[batch, puzzle_emb_ndim]`
    pub puzzle_rows: Option<Tensor<2>>,
}

impl TrainCarry {
    /// The carry before the first step: every slot halted, so the first step
    /// loads the whole batch with fresh latents.
    pub fn new(model: &Model, batch: &TrainBatch) -> Self {
        let [batch_size, seq] = batch.inputs.dims();
        let device = batch.inputs.device();
        Self {
            inner: model.initial_carry(batch_size, seq),
            steps: Tensor::zeros([batch_size], &device),
            halted: Tensor::<1, Int>::ones([batch_size], &device).bool(),
            current: batch.clone(),
        }
    }
}

impl TrainCarry {
    /// Cuts the latents loose from the step's graph, so that the next step
    /// starts a graph of its own (the official carry is detached the same way).
    pub fn detach(self) -> Self {
        Self {
            inner: InnerCarry {
                z_H: self.inner.z_H.detach(),
                z_L: self.inner.z_L.detach(),
            },
            ..self
        }
    }
}

/// Runs one ACT step in training mode and its loss.
///
/// `min_halt_steps` is the official exploration draw, one value per slot: 0
/// (no minimum) or a step count in `2..=halt_max_steps` below which the slot
/// may not halt. [`draw_min_halt_steps`] makes it from a seeded generator.
///
/// `model` must live on an autodiff device: the puzzle rows become gradient
/// leaves whatever the model's parameters are set to. Nothing is read back
/// from the device.
pub fn train_act_step(
    model: &Model,
    carry: TrainCarry,
    batch: &TrainBatch,
    settings: ActSettings,
    min_halt_steps: Tensor<1, Int>,
) -> TrainStepOutput {
    let [batch_size, seq] = batch.inputs.dims();

    // Slots that halted start the next batch's example from a fresh carry.
    let fresh = model.initial_carry(batch_size, seq);
    let halted = carry.halted;
    let inner = InnerCarry {
        z_H: carry.inner.z_H.mask_where(expand_3(&halted, &fresh.z_H), fresh.z_H),
        z_L: carry.inner.z_L.mask_where(expand_3(&halted, &fresh.z_L), fresh.z_L),
    };
    let steps = carry.steps.mask_fill(halted.clone(), 0);
    let current = TrainBatch {
        inputs: carry.current.inputs.mask_where(expand_2(&halted, seq), batch.inputs.clone()),
        labels: carry.current.labels.mask_where(expand_2(&halted, seq), batch.labels.clone()),
        puzzle_identifiers: carry.current.puzzle_identifiers.mask_where(halted, batch.puzzle_identifiers.clone()),
    };

    // The puzzle rows enter as leaves of their own, like the official
    // `local_weights`, so their gradient is per slot and the table itself
    // stays out of the graph.
    let (local_model, puzzle_rows, identifiers) = with_local_puzzle_rows(model, &current.puzzle_identifiers);
    let trm_batch = TrmBatch {
        inputs: current.inputs.clone(),
        puzzle_identifiers: identifiers,
    };
    let (new_inner, output) = local_model.forward(inner, &trm_batch);

    // Halting, decided without gradient.
    let q_halt = output.q_halt_logits.clone().detach();
    let q_continue = output.q_continue_logits.clone().detach();
    let steps = steps + 1;
    let is_last_step = steps.clone().greater_equal_elem(settings.halt_max_steps as i64);
    let mut new_halted = is_last_step.clone();
    let mut target_q_continue = None;
    if settings.halt_max_steps > 1 {
        let wants_halt = if settings.no_ACT_continue {
            q_halt.clone().greater_elem(0.0)
        } else {
            q_halt.clone().greater(q_continue)
        };
        new_halted = new_halted.bool_or(wants_halt);
        new_halted = new_halted.bool_and(steps.clone().greater_equal(min_halt_steps));

        if !settings.no_ACT_continue {
            // The bootstrapped Q target: the next step's best value, or its
            // q_halt at the last step.
            let (_, next) = local_model.forward(new_inner.clone(), &trm_batch);
            let next_q_halt = next.q_halt_logits.detach();
            let next_q_continue = next.q_continue_logits.detach();
            let best = next_q_halt.clone().max_pair(next_q_continue);
            let target = best.mask_where(is_last_step, next_q_halt);
            target_q_continue = Some(burn::tensor::activation::sigmoid(target));
        }
    }

    let q_continue_term = target_q_continue.map(|target| (output.q_continue_logits.clone(), target));
    let loss = act_loss(output.logits, current.labels.clone(), output.q_halt_logits.clone(), q_continue_term);

    TrainStepOutput {
        carry: TrainCarry {
            inner: new_inner,
            steps,
            halted: new_halted,
            current,
        },
        loss,
        q_halt_logits: q_halt,
        puzzle_rows,
    }
}

/// Draws the official exploration minimum for each slot: with probability
/// `halt_exploration_prob` a uniform step count in `2..=halt_max_steps`,
/// otherwise 0. The values come from `rng`, so a seed fixes them on every backend.
pub fn draw_min_halt_steps(
    rng: &mut ponder_tasks::rng::Rng,
    batch_size: usize,
    settings: ActSettings,
    device: &Device,
) -> Tensor<1, Int> {
    let values: Vec<i64> = (0..batch_size)
        .map(|_| {
            let explore = rng.next_f64() < settings.halt_exploration_prob;
            let steps = 2 + rng.below(settings.halt_max_steps.saturating_sub(1)) as i64;
            if explore && settings.halt_max_steps > 1 { steps } else { 0 }
        })
        .collect();
    Tensor::from_data(TensorData::new(values, [batch_size]), device)
}

/// A shallow copy of `model` whose puzzle-embedding table is the batch's own
/// rows as fresh gradient leaves, with identifiers `0..batch` to address them.
fn with_local_puzzle_rows(model: &Model, identifiers: &Tensor<1, Int>) -> (Model, Option<Tensor<2>>, Tensor<1, Int>) {
    let Some(table) = &model.embeddings().puzzle_emb else {
        return (model.clone(), None, identifiers.clone());
    };
    let [batch] = identifiers.dims();
    let device = identifiers.device();

    let rows = Param::from_tensor(table.val().select(0, identifiers.clone()).detach().require_grad());
    let leaf = rows.val();
    let mut local = model.clone();
    local.embeddings_mut().puzzle_emb = Some(rows);
    let local_identifiers = Tensor::<1, Int>::arange(0..batch as i64, &device);
    (local, Some(leaf), local_identifiers)
}

fn expand_2(mask: &Tensor<1, Bool>, seq: usize) -> Tensor<2, Bool> {
    let [batch] = mask.dims();
    mask.clone().reshape([batch, 1]).expand([batch, seq])
}

fn expand_3(mask: &Tensor<1, Bool>, like: &Tensor<3>) -> Tensor<3, Bool> {
    let [batch, positions, hidden] = like.dims();
    mask.clone().reshape([batch, 1, 1]).expand([batch, positions, hidden])
}
