//! One ACT step of a Hierarchical Reasoning Model (HRM, sapientinc/HRM): two
//! recurrent networks, a fast `L_level` and a slow `H_level`, with the same
//! blocks, embeddings, heads and carry as TRM.

#![allow(non_snake_case)]

use burn::nn::Linear;
use burn::prelude::*;

use crate::block::ReasoningModule;
use crate::embeddings::InputEmbeddings;
use crate::no_grad::{PlainRounds, on_backend_of};
use crate::rotary::RotaryEmbedding;
use crate::trm::{InnerCarry, TrmBatch, TrmOutput, fresh_carry, output_heads};

/// The HRM network: embeddings, the low-level `L_level` that updates `z_L`,
/// the high-level `H_level` that updates `z_H`, and the language-model and Q heads.
#[derive(Module, Debug)]
pub struct Hrm {
    pub embeddings: InputEmbeddings,
    pub rotary_emb: Option<RotaryEmbedding>,
    /// `H_layers` blocks; `H_level(z_H, z_L)` adds `z_L` to `z_H` before them.
    pub H_level: ReasoningModule,
    /// `L_layers` blocks; `L_level(z_L, z_H + x)` adds `z_H + x` to `z_L` before them.
    pub L_level: ReasoningModule,
    /// `[hidden, vocab]`, no bias.
    pub lm_head: Linear,
    /// `[hidden, 2]` with bias: q_halt, then q_continue.
    pub q_head: Linear,
    /// Initial `z_H` of every position. `[hidden]`
    pub H_init: Tensor<1>,
    /// Initial `z_L` of every position. `[hidden]`
    pub L_init: Tensor<1>,
    pub H_cycles: usize,
    pub L_cycles: usize,
    /// ceil(puzzle_emb_ndim / hidden_size): HRM has no `puzzle_emb_len` setting.
    pub puzzle_emb_len: usize,
}

impl Hrm {
    /// Builds the carry of a fresh puzzle: `H_init` and `L_init` at every position.
    pub fn initial_carry(&self, batch: usize, seq: usize) -> InnerCarry {
        fresh_carry(&self.H_init, &self.L_init, batch, self.puzzle_emb_len + seq)
    }

    /// Runs one ACT step: `H_cycles` rounds of `L_cycles` updates of `z_L`
    /// followed by one update of `z_H`, then the output heads. Only the last
    /// `z_L` update and the last `z_H` update record gradients (the one-step
    /// gradient approximation of HRM).
    ///
    /// The returned carry is detached, so the next step starts a new graph.
    ///
    /// # Shapes
    ///
    /// - carry.z_H, carry.z_L: `[batch, puzzle_emb_len + seq, hidden]`
    /// - batch.inputs: `[batch, seq]`
    pub fn forward(&self, carry: InnerCarry, batch: &TrmBatch) -> (InnerCarry, TrmOutput) {
        let rotary = self.rotary_emb.as_ref();

        // x: [batch, puzzle_emb_len + seq, hidden]
        let x = self.embeddings.forward(batch.inputs.clone(), batch.puzzle_identifiers.clone());

        // Every update except the last of z_L and the last of z_H, without
        // gradient, on the plain backend.
        let plain_L = PlainRounds::new(&self.L_level, self.rotary_emb.as_ref());
        let plain_H = PlainRounds::new(&self.H_level, self.rotary_emb.as_ref());
        let (mut z_H, mut z_L) = (carry.z_H.inner(), carry.z_L.inner());
        let x_no_grad = x.clone().inner();
        for H_step in 0..self.H_cycles {
            let last_round = H_step == self.H_cycles - 1;
            let L_steps = if last_round { self.L_cycles - 1 } else { self.L_cycles };
            for _L_step in 0..L_steps {
                z_L = plain_L.level.forward(z_L, z_H.clone() + x_no_grad.clone(), plain_L.rotary());
            }
            if !last_round {
                z_H = plain_H.level.forward(z_H, z_L.clone(), plain_H.rotary());
            }
        }
        let (z_H, z_L) = (on_backend_of(&x, z_H), on_backend_of(&x, z_L));

        // The last z_L and z_H updates, where gradients start.
        let z_L = self.L_level.forward(z_L, z_H.clone() + x, rotary);
        let z_H = self.H_level.forward(z_H, z_L.clone(), rotary);

        let output = output_heads(&self.lm_head, &self.q_head, z_H.clone(), self.puzzle_emb_len);
        let new_carry = InnerCarry {
            z_H: z_H.detach(),
            z_L: z_L.detach(),
        };
        (new_carry, output)
    }
}
