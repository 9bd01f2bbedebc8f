//! One update of the official training: AdamW over the network's weights and
//! sign-SGD over the puzzle-embedding rows the batch used, shared by
//! fine-tuning and by training from scratch.

use burn::module::Param;
use burn::tensor::Gradients;

use crate::model::Model;
use crate::train::act::TrainStepOutput;
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
