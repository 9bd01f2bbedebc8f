//! Adaptive computation time (ACT): repeated steps of the model with a carry,
//! as the official evaluation runs them.

use burn::prelude::*;

use crate::hrm::Hrm;
use crate::trm::{InnerCarry, Trm, TrmBatch, TrmOutput};

/// When an example stops changing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Halting {
    /// Every example runs every step, as the official evaluation does.
    #[default]
    MaxSteps,
    /// An example halts after the first step at which the halting rule of its
    /// official training script fires: a positive `q_halt` logit for TRM
    /// (trained with `no_ACT_continue`), a `q_halt` logit above the
    /// `q_continue` logit for HRM. Its outputs and carry stay as they were at that step.
    QHalt,
}

/// The model side of the ACT loop, so that TRM and HRM share one loop.
pub(crate) trait Recurrent {
    /// Returns the latents of a fresh puzzle.
    fn initial_inner_carry(&self, batch: usize, seq: usize) -> InnerCarry;
    /// Runs one step of the recursion and the output heads.
    fn inner_step(&self, carry: InnerCarry, batch: &TrmBatch) -> (InnerCarry, TrmOutput);
    /// Returns whether each example halts after a step with these logits, under [`Halting::QHalt`].
    fn halt_signal(&self, q_halt_logits: Tensor<1>, q_continue_logits: Tensor<1>) -> Tensor<1, Bool>;
}

impl Recurrent for Trm {
    fn initial_inner_carry(&self, batch: usize, seq: usize) -> InnerCarry {
        self.initial_carry(batch, seq)
    }

    fn inner_step(&self, carry: InnerCarry, batch: &TrmBatch) -> (InnerCarry, TrmOutput) {
        self.forward(carry, batch)
    }

    // NOTE: official TRM training halts on q_halt > q_continue when
    // `no_ACT_continue` is false. `Trm` does not store that flag, so such a
    // checkpoint halts here on q_halt > 0 all the same.
    fn halt_signal(&self, q_halt_logits: Tensor<1>, _q_continue_logits: Tensor<1>) -> Tensor<1, Bool> {
        q_halt_logits.greater_elem(0.0)
    }
}

impl Recurrent for Hrm {
    fn initial_inner_carry(&self, batch: usize, seq: usize) -> InnerCarry {
        self.initial_carry(batch, seq)
    }

    fn inner_step(&self, carry: InnerCarry, batch: &TrmBatch) -> (InnerCarry, TrmOutput) {
        self.forward(carry, batch)
    }

    fn halt_signal(&self, q_halt_logits: Tensor<1>, q_continue_logits: Tensor<1>) -> Tensor<1, Bool> {
        q_halt_logits.greater(q_continue_logits)
    }
}

/// The carry of an evaluation: the latents and, per example, the steps used
/// and whether it has halted.
#[derive(Debug, Clone)]
pub struct ActCarry {
    pub inner: InnerCarry,
    /// Steps each example has used. `[batch]`
    pub steps: Tensor<1, Int>,
    /// Whether each example has halted. `[batch]`
    pub halted: Tensor<1, Bool>,
}

/// The outputs after an ACT step, for every example.
#[derive(Debug, Clone)]
pub struct ActOutput {
    /// `[batch, seq, vocab]`
    pub logits: Tensor<3>,
    /// `[batch]`
    pub q_halt_logits: Tensor<1>,
    /// `[batch]`
    pub q_continue_logits: Tensor<1>,
    /// Argmax of the logits. `[batch, seq]`
    pub preds: Tensor<2, Int>,
    /// Steps each example has used so far. `[batch]`
    pub steps: Tensor<1, Int>,
}

impl Trm {
    /// The carry before the first step: fresh latents, no step used.
    pub fn initial_act_carry(&self, batch: &TrmBatch) -> ActCarry {
        initial_act_carry(self, batch)
    }

    /// Runs one ACT step on every example. With [`Halting::QHalt`], examples
    /// that had already halted keep their carry and the outputs of
    /// `previous` (which must then be the output of the step before).
    ///
    /// Nothing is read back from the device, so this runs unchanged in the
    /// browser; the caller decides when to stop (see [`ActCarry::halted`]).
    pub fn act_step(
        &self,
        carry: ActCarry,
        batch: &TrmBatch,
        halting: Halting,
        previous: Option<&ActOutput>,
    ) -> (ActCarry, ActOutput) {
        act_step(self, carry, batch, halting, previous)
    }

    /// Runs `steps` ACT steps from a fresh carry and returns the outputs after each.
    ///
    /// With [`Halting::QHalt`] it stops early once every example has halted;
    /// that check reads one boolean back per step, so it is native-only.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn evaluate(&self, batch: &TrmBatch, steps: usize, halting: Halting) -> Vec<ActOutput> {
        evaluate(self, batch, steps, halting)
    }
}

pub(crate) fn initial_act_carry(model: &impl Recurrent, batch: &TrmBatch) -> ActCarry {
    let [batch_size, seq] = batch.inputs.dims();
    let device = batch.inputs.device();
    ActCarry {
        inner: model.initial_inner_carry(batch_size, seq),
        steps: Tensor::zeros([batch_size], &device),
        halted: Tensor::<1, Int>::zeros([batch_size], &device).bool(),
    }
}

pub(crate) fn act_step(
    model: &impl Recurrent,
    carry: ActCarry,
    batch: &TrmBatch,
    halting: Halting,
    previous: Option<&ActOutput>,
) -> (ActCarry, ActOutput) {
    let (inner, output) = model.inner_step(carry.inner.clone(), batch);
    let preds = output.logits.clone().argmax(2).squeeze_dim(2);

    let running = carry.halted.clone().bool_not();
    let steps = carry.steps.clone() + running.clone().int();
    let mut next = ActCarry {
        inner,
        steps: steps.clone(),
        halted: carry.halted.clone(),
    };
    let mut result = ActOutput {
        logits: output.logits,
        q_halt_logits: output.q_halt_logits,
        q_continue_logits: output.q_continue_logits,
        preds,
        steps,
    };

    if halting == Halting::QHalt {
        let halted = carry.halted.clone();
        let halt_signal = model.halt_signal(result.q_halt_logits.clone(), result.q_continue_logits.clone());
        next.halted = halted.clone().bool_or(halt_signal);
        next.inner = keep_halted(&halted, carry.inner, next.inner);
        if let Some(previous) = previous {
            result = keep_halted_outputs(&halted, previous, result);
        }
    }
    (next, result)
}

#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn evaluate(model: &impl Recurrent, batch: &TrmBatch, steps: usize, halting: Halting) -> Vec<ActOutput> {
    let mut carry = initial_act_carry(model, batch);
    let mut outputs: Vec<ActOutput> = Vec::with_capacity(steps);
    for _step in 0..steps {
        let (next, output) = act_step(model, carry, batch, halting, outputs.last());
        carry = next;
        outputs.push(output);
        if halting == Halting::QHalt && carry.halted.clone().all().into_scalar() {
            break;
        }
    }
    outputs
}

/// Keeps the old latents of halted examples.
fn keep_halted(halted: &Tensor<1, Bool>, old: InnerCarry, new: InnerCarry) -> InnerCarry {
    let [batch] = halted.dims();
    let [_, positions, hidden] = new.z_H.dims();
    let mask = halted.clone().reshape([batch, 1, 1]).expand([batch, positions, hidden]);
    InnerCarry {
        z_H: new.z_H.mask_where(mask.clone(), old.z_H),
        z_L: new.z_L.mask_where(mask, old.z_L),
    }
}

/// Keeps the previous outputs (and step counts) of halted examples.
fn keep_halted_outputs(halted: &Tensor<1, Bool>, previous: &ActOutput, new: ActOutput) -> ActOutput {
    let [batch, seq, vocab] = new.logits.dims();
    let mask_1 = halted.clone();
    let mask_2 = halted.clone().reshape([batch, 1]).expand([batch, seq]);
    let mask_3 = halted.clone().reshape([batch, 1, 1]).expand([batch, seq, vocab]);
    ActOutput {
        logits: new.logits.mask_where(mask_3, previous.logits.clone()),
        q_halt_logits: new.q_halt_logits.mask_where(mask_1.clone(), previous.q_halt_logits.clone()),
        q_continue_logits: new.q_continue_logits.mask_where(mask_1.clone(), previous.q_continue_logits.clone()),
        preds: new.preds.mask_where(mask_2, previous.preds.clone()),
        steps: new.steps.mask_where(mask_1, previous.steps.clone()),
    }
}
