//! One update of the official training: AdamW over the network's weights and
//! sign-SGD over the puzzle-embedding rows the batch used, shared by
//! fine-tuning and by training from scratch.

use burn::module::Param;
use burn::prelude::*;
use burn::tensor::Gradients;
use ponder_tasks::rng::Rng;

use crate::model::Model;
use crate::train::act::{ActSettings, TrainBatch, TrainCarry, TrainStepOutput, draw_min_halt_steps, train_act_step};
use crate::train::adamw::AdamW;
use crate::train::sign_sgd::SparseSignSgd;

/// Learning rates of one step, the schedule already applied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepRates {
    pub lr: f64,
    pub puzzle_emb_lr: f64,
}

/// The two official optimisers and their state.
#[derive(Debug, Clone)]
pub struct Optimisers {
    pub adamw: AdamW,
    pub sign_sgd: SparseSignSgd,
    /// `false` freezes the network (the official `freeze_weights`): only the
    /// puzzle rows change.
    pub train_weights: bool,
}

impl Optimisers {
    /// Applies one step's gradients to `model` and returns the updated model.
    /// `output` is the step that produced `grads`; its puzzle rows (if any)
    /// update the table's rows of the slots' identifiers.
    pub fn apply(&mut self, model: Model, grads: &Gradients, output: &TrainStepOutput, rates: StepRates) -> Model {
        let mut model = model;
        if self.train_weights {
            // The table is sign-SGD's, so AdamW leaves it alone.
            let skip: Vec<_> = model.embeddings().puzzle_emb.as_ref().map(|table| table.id).into_iter().collect();
            model = self.adamw.step(rates.lr, model, grads, &skip);
        }

        let table = model.embeddings().puzzle_emb.as_ref().map(|table| (table.id, table.val()));
        if let (Some(rows), Some((table_id, table))) = (&output.puzzle_rows, table) {
            let local_grads = rows.grad(grads).expect("the puzzle rows are gradient leaves");
            let identifiers = output.carry.current.puzzle_identifiers.clone().inner();
            let updated = self.sign_sgd.step(rates.puzzle_emb_lr, table.inner(), local_grads, identifiers);
            model.embeddings_mut().puzzle_emb = Some(Param::initialized(table_id, updated.autodiff()));
        }
        model
    }
}

/// The result of [`optimise_step`].
#[derive(Debug, Clone)]
pub struct StepOutcome {
    /// The updated model.
    pub model: Model,
    /// The carry for the next step, detached from this step's graph.
    pub carry: TrainCarry,
    /// `[4]`, still on the device: see [`crate::train::LossOutput::summary`].
    pub metrics: Tensor<1>,
}

/// Runs one training step: an ACT step in training mode on `batch` (with
/// the official halting exploration drawn from `rng`), its backward pass,
/// and the optimisers' update. `carry` is `None` before the first step.
pub fn optimise_step(
    model: &Model,
    carry: Option<TrainCarry>,
    batch: &TrainBatch,
    settings: ActSettings,
    rng: &mut Rng,
    optimisers: &mut Optimisers,
    rates: StepRates,
) -> StepOutcome {
    let [batch_size] = batch.puzzle_identifiers.dims();
    let carry = carry.unwrap_or_else(|| TrainCarry::new(model, batch));
    let min_halt_steps = draw_min_halt_steps(rng, batch_size, settings, &batch.inputs.device());

    let output = train_act_step(model, carry, batch, settings, min_halt_steps);
    let grads = output.loss.loss.backward();
    let model = optimisers.apply(model.clone(), &grads, &output, rates);

    StepOutcome {
        model,
        metrics: output.loss.summary(batch_size),
        carry: output.carry.detach(),
    }
}
