//! The TRM block and `L_level`, the stack of blocks that updates both `z_L` and `z_H`.

use burn::prelude::*;

use crate::attention::Attention;
use crate::kernels::add_rms_norm;
use crate::rotary::RotaryEmbedding;
use crate::swiglu::SwiGLU;

/// How a block mixes information across positions.
#[derive(Module, Debug)]
pub enum TokenMixer {
    /// Self-attention over positions (`self_attn`).
    SelfAttn(Attention),
    /// A SwiGLU applied along the sequence axis (`mlp_t`), whose width is
    /// `puzzle_emb_len + seq_len`.
    MlpT(SwiGLU),
}

/// A post-norm block: `x = rms_norm(x + mix(x))`, then `x = rms_norm(x + mlp(x))`.
#[derive(Module, Debug)]
pub struct TrmBlock {
    pub mixer: TokenMixer,
    pub mlp: SwiGLU,
    pub rms_norm_eps: f64,
}

impl TrmBlock {
    /// # Shapes
    ///
    /// - hidden_states: `[batch, puzzle_emb_len + seq, hidden]`
    /// - output: same as hidden_states
    pub fn forward(&self, hidden_states: Tensor<3>, rotary: Option<&RotaryEmbedding>) -> Tensor<3> {
        let eps = self.rms_norm_eps;

        let hidden_states = match &self.mixer {
            TokenMixer::SelfAttn(self_attn) => {
                let residual = hidden_states.clone();
                add_rms_norm(self_attn.forward(hidden_states, rotary), residual, eps)
            }
            TokenMixer::MlpT(mlp_t) => {
                // [batch, hidden, puzzle_emb_len + seq]: this norm runs over the sequence axis.
                let transposed = hidden_states.swap_dims(1, 2);
                let residual = transposed.clone();
                let mixed = add_rms_norm(mlp_t.forward(transposed), residual, eps);
                mixed.swap_dims(1, 2)
            }
        };

        let residual = hidden_states.clone();
        add_rms_norm(self.mlp.forward(hidden_states), residual, eps)
    }
}

/// The network TRM applies to both latents: `net(a, b)` adds the injection
/// `b` to `a`, then runs the blocks in order.
#[derive(Module, Debug)]
pub struct ReasoningModule {
    pub layers: Vec<TrmBlock>,
}

impl ReasoningModule {
    /// # Shapes
    ///
    /// - hidden_states, input_injection: `[batch, puzzle_emb_len + seq, hidden]`
    /// - output: same as hidden_states
    pub fn forward(
        &self,
        hidden_states: Tensor<3>,
        input_injection: Tensor<3>,
        rotary: Option<&RotaryEmbedding>,
    ) -> Tensor<3> {
        let mut hidden_states = hidden_states + input_injection;
        for layer in &self.layers {
            hidden_states = layer.forward(hidden_states, rotary);
        }
        hidden_states
    }
}
