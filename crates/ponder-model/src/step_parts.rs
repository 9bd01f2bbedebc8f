//! The parts of one TRM ACT step, each runnable on its own at the real shape,
//! for profiles: `ponder bench --profile` natively and the browser bench page.
//!
//! A profile times each part as many times as one ACT step calls it. What the
//! parts do not cover (embeddings, heads, carry updates, the launches and
//! copies between them) is the whole step's time minus their sum. One part
//! lies outside the forward step: attention with its gradient, as the round
//! of a fine-tuning step that records gradients runs it.

use burn::prelude::*;
use burn::tensor::Distribution;

use crate::block::{TokenMixer, TrmBlock};
use crate::kernels::{self, Kernel, add_rms_norm, attention, attention_grad, silu_mul};
use crate::rotary::RotaryEmbedding;
use crate::{Model, TrmBatch, TrmConfig};

#[derive(Debug, thiserror::Error)]
pub enum StepPartsError {
    #[error("cannot profile an HRM model: the profile covers TRM models only")]
    Hrm,
    #[error("cannot profile a model without layers")]
    NoLayers,
}

/// A part of the TRM block that is timed on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Attention or the mlp_t mixer, without residual or norm.
    Mixer,
    /// Attention without its projections and RoPE: `softmax(q k^T / sqrt(d)) v`.
    /// With the kernels on, the attention kernel runs whatever the shape.
    AttentionCore,
    /// The SwiGLU feed-forward layer, without residual or norm.
    Mlp,
    /// SwiGLU's activation alone: `silu(gate) * up`.
    Activation,
    /// The residual add and the RMSNorm after a sub-layer.
    Norm,
    /// [`Part::AttentionCore`] on autodiff tensors and its backward pass, as
    /// fine-tuning runs it in the round that records gradients. Not part of
    /// the forward step. With the kernels on, the attention kernels run
    /// whatever the shape.
    AttentionGrad,
}

impl Part {
    /// Returns whether another row of the profile contains this part, so that
    /// it does not count towards the sum of the parts.
    pub fn is_nested(self) -> bool {
        matches!(self, Part::AttentionCore | Part::Activation)
    }

    /// Returns whether the part's time belongs to the forward ACT step, whose
    /// remainder the profile computes: every part but [`Part::AttentionGrad`].
    pub fn is_in_step(self) -> bool {
        self != Part::AttentionGrad
    }

    /// Returns whether the part is one element-wise pass, cheap enough to sample many times.
    pub fn is_element_wise(self) -> bool {
        matches!(self, Part::Activation | Part::Norm)
    }
}

/// One row of a profile: a part, its label and how many calls one ACT step makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartRow {
    pub part: Part,
    pub label: String,
    pub calls: usize,
}

/// Random inputs of the real shapes and the first layer of a TRM model, from
/// which every part can run.
pub struct StepParts {
    layer: TrmBlock,
    rotary: Option<RotaryEmbedding>,
    /// `[batch, positions, hidden]`
    hidden_states: Tensor<3>,
    /// `[batch, positions, hidden]`
    residual: Tensor<3>,
    /// `[batch, positions, 2 * inner]`: what SwiGLU's activation reads.
    gate_up: Tensor<3>,
    /// Queries, keys and values, `[batch, positions, heads, head_dim]` each,
    /// when the mixer is attention.
    heads: Option<[Tensor<4>; 3]>,
    /// Calls of each block per ACT step.
    layer_calls: usize,
    /// Calls of each block in the round of a fine-tuning step that records gradients.
    graded_layer_calls: usize,
}

impl StepParts {
    /// Draws the inputs of every part for `model` at `batch` on `device`.
    pub fn new(model: &Model, config: &TrmConfig, device: &Device, batch: usize) -> Result<Self, StepPartsError> {
        let Model::Trm(trm) = model else {
            return Err(StepPartsError::Hrm);
        };
        let layer = trm.L_level.layers.first().ok_or(StepPartsError::NoLayers)?.clone();
        let layer_calls = config.H_cycles * (config.L_cycles + 1) * trm.L_level.layers.len();
        let graded_layer_calls = (config.L_cycles + 1) * trm.L_level.layers.len();
        let positions = config.total_seq_len();

        device.seed(0);
        let normal = |shape: [usize; 3]| Tensor::<3>::random(shape, Distribution::Normal(0.0, 1.0), device);
        let shape = [batch, positions, config.hidden_size];
        let inner = layer.mlp.down_proj.weight.dims()[0];
        let heads = match &layer.mixer {
            TokenMixer::SelfAttn(self_attn) => {
                let shape = [batch, positions, self_attn.num_heads, self_attn.head_dim];
                Some([0, 1, 2].map(|_| Tensor::<4>::random(shape, Distribution::Normal(0.0, 1.0), device)))
            }
            TokenMixer::MlpT(_) => None,
        };

        Ok(Self {
            layer,
            rotary: trm.rotary_emb.clone(),
            hidden_states: normal(shape),
            residual: normal(shape),
            gate_up: normal([batch, positions, 2 * inner]),
            heads,
            layer_calls,
            graded_layer_calls,
        })
    }

    /// Lists the rows of the profile in display order, nested parts after the part that contains them.
    pub fn rows(&self) -> Vec<PartRow> {
        let calls = self.layer_calls;
        let norm_calls = 2 * calls;
        let mixer = match self.layer.mixer {
            TokenMixer::SelfAttn(_) => "attention",
            TokenMixer::MlpT(_) => "mlp_t token mixer",
        };
        let mut rows = vec![(Part::Mixer, format!("{mixer} ({calls} calls)"), calls)];
        if self.heads.is_some() {
            rows.push((Part::AttentionCore, format!("  of which softmax(q k^T) v ({calls} calls)"), calls));
        }
        rows.extend([
            (Part::Mlp, format!("SwiGLU MLP ({calls} calls)"), calls),
            (Part::Activation, format!("  of which silu(gate) * up ({calls} calls)"), calls),
            (Part::Norm, format!("residual add + RMSNorm ({norm_calls} calls)"), norm_calls),
        ]);
        if self.heads.is_some() {
            let graded = self.graded_layer_calls;
            rows.push((
                Part::AttentionGrad,
                format!("fine-tuning, not in the step: softmax(q k^T) v and its gradient ({graded} calls)"),
                graded,
            ));
        }
        rows.into_iter().map(|(part, label, calls)| PartRow { part, label, calls }).collect()
    }

    /// Runs one call of `part`.
    ///
    /// # Shapes
    ///
    /// - output: `[batch, positions, hidden]`, except the activation's
    ///   `[batch, positions, inner]` and the gradient part's sum of the three
    ///   gradients, `[batch, positions, heads * head_dim]`
    pub fn run(&self, part: Part) -> Tensor<3> {
        let rotary = self.rotary.as_ref();
        let eps = self.layer.rms_norm_eps;
        match (part, &self.heads) {
            (Part::AttentionCore, Some([query, key, value])) => {
                let [batch, positions, heads, head_dim] = query.dims();
                let (query, key, value) = (query.clone(), key.clone(), value.clone());
                // With the switch on, the kernel is timed even at shapes where
                // the layer leaves attention to burn, so that the two compare.
                let kernel = kernels::enabled(Kernel::Attention).then(|| attention::try_kernel(query.clone(), key.clone(), value.clone()));
                let attended = kernel.flatten().unwrap_or_else(|| attention::burn_attention(query, key, value));
                attended.reshape([batch, positions, heads * head_dim])
            }
            (Part::AttentionGrad, Some(inputs)) => {
                let [batch, positions, heads, head_dim] = inputs[0].dims();
                let [query, key, value] = inputs.clone().map(|t| t.autodiff().require_grad());
                let use_kernels = kernels::enabled(Kernel::Attention) && kernels::enabled(Kernel::AttentionGrad);
                let kernel = use_kernels.then(|| attention_grad::try_tracked(query.clone(), key.clone(), value.clone()));
                let attended = kernel.flatten().unwrap_or_else(|| attention::burn_attention(query.clone(), key.clone(), value.clone()));

                let grads = attended.sum().backward();
                let grad = |t: &Tensor<4>| t.grad(&grads).expect("every input takes part in the output");

                // [batch, positions, heads * head_dim]: one output that waits for every gradient.
                (grad(&query) + grad(&key) + grad(&value)).reshape([batch, positions, heads * head_dim])
            }
            (Part::Mixer | Part::AttentionCore | Part::AttentionGrad, _) => match &self.layer.mixer {
                TokenMixer::SelfAttn(self_attn) => self_attn.forward(self.hidden_states.clone(), rotary),
                TokenMixer::MlpT(mlp_t) => mlp_t.forward(self.hidden_states.clone().swap_dims(1, 2)).swap_dims(1, 2),
            },
            (Part::Mlp, _) => self.layer.mlp.forward(self.hidden_states.clone()),
            (Part::Activation, _) => silu_mul(self.gate_up.clone()),
            (Part::Norm, _) => add_rms_norm(self.hidden_states.clone(), self.residual.clone(), eps),
        }
    }
}

/// Builds a batch of `batch_size` inputs of the config's length for timing a
/// whole ACT step. The token values do not change the work done, so any valid
/// tokens will do.
pub fn timing_batch(config: &TrmConfig, batch_size: usize, device: &Device) -> TrmBatch {
    let seq = config.seq_len;
    let tokens: Vec<i32> = (0..batch_size * seq).map(|i| (i * 7 % config.vocab_size) as i32).collect();
    TrmBatch {
        inputs: Tensor::from_data(TensorData::new(tokens, [batch_size, seq]), device),
        puzzle_identifiers: Tensor::zeros([batch_size], device),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_of_small_arc() {
        // The small ARC config: H_cycles 1, L_cycles 1 and 2 layers, so 4 block calls per ACT step.
        let config = TrmConfig::small_arc();
        let device = Device::flex();
        let model = Model::load(&config, &crate::initial_weights(&config, 0), &device).unwrap();

        let parts = StepParts::new(&model, &config, &device, 1).unwrap();
        let rows = parts.rows();

        let calls = 4;
        let summary: Vec<(Part, usize)> = rows.iter().map(|row| (row.part, row.calls)).collect();
        assert_eq!(
            summary,
            [
                (Part::Mixer, calls),
                (Part::AttentionCore, calls),
                (Part::Mlp, calls),
                (Part::Activation, calls),
                (Part::Norm, 2 * calls),
                // The round that records gradients: L_cycles + 1 calls of each of the 2 layers.
                (Part::AttentionGrad, 4),
            ]
        );
        assert_eq!(rows[1].label, format!("  of which softmax(q k^T) v ({calls} calls)"));
        assert!(!rows[5].part.is_in_step());
        assert!(rows[..5].iter().all(|row| row.part.is_in_step()));
        for row in rows {
            let [batch, positions, _] = parts.run(row.part).dims();
            assert_eq!([batch, positions], [1, config.total_seq_len()], "{:?}", row.part);
        }
    }
}
