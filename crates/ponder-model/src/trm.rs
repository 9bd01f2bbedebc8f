//! One ACT step of a Tiny Recursive Model: the latent recursion and its output heads.

#![allow(non_snake_case)]

use burn::nn::Linear;
use burn::prelude::*;

use crate::block::ReasoningModule;
use crate::embeddings::InputEmbeddings;
use crate::no_grad::{PlainRounds, on_backend_of};
use crate::rotary::RotaryEmbedding;

/// The latents carried from one ACT step to the next.
#[derive(Debug, Clone)]
pub struct InnerCarry {
    /// The answer latent. `[batch, puzzle_emb_len + seq, hidden]`
    pub z_H: Tensor<3>,
    /// The reasoning latent. `[batch, puzzle_emb_len + seq, hidden]`
    pub z_L: Tensor<3>,
}

/// A batch of puzzles, already tokenised.
#[derive(Debug, Clone)]
pub struct TrmBatch {
    /// `[batch, seq]`, every token below `vocab_size`.
    pub inputs: Tensor<2, Int>,
    /// `[batch]`, every identifier below `num_puzzle_identifiers`.
    pub puzzle_identifiers: Tensor<1, Int>,
}

/// What one ACT step outputs.
#[derive(Debug, Clone)]
pub struct TrmOutput {
    /// Token logits without the puzzle positions. `[batch, seq, vocab]`
    pub logits: Tensor<3>,
    /// Halting logit; positive means "the answer is done". `[batch]`
    pub q_halt_logits: Tensor<1>,
    /// Continue logit, trained only when `no_ACT_continue` is false. `[batch]`
    pub q_continue_logits: Tensor<1>,
}

/// The TRM network: embeddings, one reasoning module applied to both
/// latents, and the language-model and Q heads.
#[derive(Module, Debug)]
pub struct Trm {
    pub embeddings: InputEmbeddings,
    pub rotary_emb: Option<RotaryEmbedding>,
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
    pub puzzle_emb_len: usize,
}

impl Trm {
    /// The carry of a fresh puzzle: `H_init` and `L_init` at every position.
    pub fn initial_carry(&self, batch: usize, seq: usize) -> InnerCarry {
        fresh_carry(&self.H_init, &self.L_init, batch, self.puzzle_emb_len + seq)
    }

    /// Runs one ACT step: `H_cycles` rounds of latent recursion, of which
    /// only the last one records gradients, then the output heads.
    ///
    /// The returned carry is detached, so the next step starts a new graph.
    pub fn forward(&self, carry: InnerCarry, batch: &TrmBatch) -> (InnerCarry, TrmOutput) {
        let rotary = self.rotary_emb.as_ref();

        // x: [batch, puzzle_emb_len + seq, hidden]
        let x = self.embeddings.forward(batch.inputs.clone(), batch.puzzle_identifiers.clone());

        // H_cycles - 1 rounds without gradient, on the plain backend.
        let plain = PlainRounds::new(&self.L_level, self.rotary_emb.as_ref());
        let (mut z_H, mut z_L) = (carry.z_H.inner(), carry.z_L.inner());
        let x_no_grad = x.clone().inner();
        for _H_step in 0..self.H_cycles - 1 {
            for _L_step in 0..self.L_cycles {
                z_L = plain.level.forward(z_L, z_H.clone() + x_no_grad.clone(), plain.rotary());
            }
            z_H = plain.level.forward(z_H, z_L.clone(), plain.rotary());
        }
        let (mut z_H, mut z_L) = (on_backend_of(&x, z_H), on_backend_of(&x, z_L));

        // The last round, where gradients start.
        for _L_step in 0..self.L_cycles {
            z_L = self.L_level.forward(z_L, z_H.clone() + x.clone(), rotary);
        }
        z_H = self.L_level.forward(z_H, z_L.clone(), rotary);

        let output = output_heads(&self.lm_head, &self.q_head, z_H.clone(), self.puzzle_emb_len);
        let new_carry = InnerCarry {
            z_H: z_H.detach(),
            z_L: z_L.detach(),
        };
        (new_carry, output)
    }
}

/// `H_init` and `L_init` at every one of `positions` positions of every example.
pub(crate) fn fresh_carry(H_init: &Tensor<1>, L_init: &Tensor<1>, batch: usize, positions: usize) -> InnerCarry {
    let [hidden] = H_init.dims();
    let shape = [batch, positions, hidden];
    InnerCarry {
        z_H: H_init.clone().reshape([1, 1, hidden]).expand(shape),
        z_L: L_init.clone().reshape([1, 1, hidden]).expand(shape),
    }
}

/// Reads the outputs from `z_H`, as TRM and HRM both do: token logits from
/// every position after the puzzle positions, q_halt and q_continue from the first position.
///
/// # Shapes
///
/// - z_H: `[batch, puzzle_emb_len + seq, hidden]`
pub(crate) fn output_heads(lm_head: &Linear, q_head: &Linear, z_H: Tensor<3>, puzzle_emb_len: usize) -> TrmOutput {
    let [batch_size, positions, hidden] = z_H.dims();
    let seq = positions - puzzle_emb_len;

    // logits: [batch, seq, vocab], skipping the puzzle positions.
    let logits = lm_head.forward(z_H.clone()).narrow(1, puzzle_emb_len, seq);

    // q_logits: [batch, 2], read from the first puzzle position.
    let first_position = z_H.narrow(1, 0, 1).reshape([batch_size, hidden]);
    let q_logits = q_head.forward(first_position);
    let q_halt_logits = q_logits.clone().narrow(1, 0, 1).reshape([batch_size]);
    let q_continue_logits = q_logits.narrow(1, 1, 1).reshape([batch_size]);

    TrmOutput {
        logits,
        q_halt_logits,
        q_continue_logits,
    }
}
