//! [`Model`]: a TRM or an HRM behind one API, chosen by the config's family.

use burn::prelude::*;

use crate::act::{self, ActCarry, ActOutput, Halting, Recurrent};
use crate::checkpoint::StateDict;
use crate::config::{Family, TrmConfig};
use crate::embeddings::InputEmbeddings;
use crate::hrm::Hrm;
use crate::load::LoadError;
use crate::trm::{InnerCarry, Trm, TrmBatch, TrmOutput};

/// A loaded model of either family. Both take the same batches, carry the
/// same latents and give the same outputs, so callers need not know which it is.
#[derive(Module, Debug)]
pub enum Model {
    Trm(Trm),
    Hrm(Hrm),
}

impl Model {
    /// Builds the model that `config` describes, TRM or HRM by `config.family`,
    /// from a checkpoint's weights. A checkpoint of the other family fails
    /// with [`LoadError::FamilyMismatch`].
    pub fn load(config: &TrmConfig, state_dict: &StateDict, device: &Device) -> Result<Self, LoadError> {
        match config.family {
            Family::Trm => Trm::load(config, state_dict, device).map(Self::Trm),
            Family::Hrm => Hrm::load(config, state_dict, device).map(Self::Hrm),
        }
    }

    /// Returns the family, for example to show beside the model's name.
    pub fn family(&self) -> Family {
        match self {
            Self::Trm(_) => Family::Trm,
            Self::Hrm(_) => Family::Hrm,
        }
    }

    /// Returns the token, puzzle and position embeddings, which both families share.
    pub fn embeddings(&self) -> &InputEmbeddings {
        match self {
            Self::Trm(trm) => &trm.embeddings,
            Self::Hrm(hrm) => &hrm.embeddings,
        }
    }

    /// Returns the embeddings mutably, so that fine-tuning can swap the puzzle-embedding table.
    pub fn embeddings_mut(&mut self) -> &mut InputEmbeddings {
        match self {
            Self::Trm(trm) => &mut trm.embeddings,
            Self::Hrm(hrm) => &mut hrm.embeddings,
        }
    }

    /// Returns the device the weights live on.
    pub fn device(&self) -> Device {
        self.embeddings().embed_tokens.val().device()
    }

    /// Builds the carry of a fresh puzzle: `H_init` and `L_init` at every position.
    pub fn initial_carry(&self, batch: usize, seq: usize) -> InnerCarry {
        match self {
            Self::Trm(trm) => trm.initial_carry(batch, seq),
            Self::Hrm(hrm) => hrm.initial_carry(batch, seq),
        }
    }

    /// Runs one step of the model's recursion and its output heads; see
    /// [`Trm::forward`] and [`Hrm::forward`].
    pub fn forward(&self, carry: InnerCarry, batch: &TrmBatch) -> (InnerCarry, TrmOutput) {
        match self {
            Self::Trm(trm) => trm.forward(carry, batch),
            Self::Hrm(hrm) => hrm.forward(carry, batch),
        }
    }

    /// Builds the carry before the first step: fresh latents, no step used.
    pub fn initial_act_carry(&self, batch: &TrmBatch) -> ActCarry {
        act::initial_act_carry(self, batch)
    }

    /// Runs one ACT step on every example, as [`Trm::act_step`] does, with the
    /// halting rule of the model's family (see [`Halting::QHalt`]).
    pub fn act_step(
        &self,
        carry: ActCarry,
        batch: &TrmBatch,
        halting: Halting,
        previous: Option<&ActOutput>,
    ) -> (ActCarry, ActOutput) {
        act::act_step(self, carry, batch, halting, previous)
    }

    /// Runs `steps` ACT steps from a fresh carry and returns the outputs after
    /// each, as [`Trm::evaluate`] does.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn evaluate(&self, batch: &TrmBatch, steps: usize, halting: Halting) -> Vec<ActOutput> {
        act::evaluate(self, batch, steps, halting)
    }
}

impl Recurrent for Model {
    fn initial_inner_carry(&self, batch: usize, seq: usize) -> InnerCarry {
        self.initial_carry(batch, seq)
    }

    fn inner_step(&self, carry: InnerCarry, batch: &TrmBatch) -> (InnerCarry, TrmOutput) {
        self.forward(carry, batch)
    }

    fn halt_signal(&self, q_halt_logits: Tensor<1>, q_continue_logits: Tensor<1>) -> Tensor<1, Bool> {
        match self {
            Self::Trm(trm) => trm.halt_signal(q_halt_logits, q_continue_logits),
            Self::Hrm(hrm) => hrm.halt_signal(q_halt_logits, q_continue_logits),
        }
    }
}

impl From<Trm> for Model {
    fn from(trm: Trm) -> Self {
        Self::Trm(trm)
    }
}

impl From<Hrm> for Model {
    fn from(hrm: Hrm) -> Self {
        Self::Hrm(hrm)
    }
}
