//! Non-causal multi-head self-attention with one fused qkv projection.

use burn::nn::Linear;
use burn::prelude::*;

use crate::kernels;
use crate::rotary::RotaryEmbedding;
use crate::swiglu::linear_from_torch;

/// Self-attention of a TRM block: no biases, no mask, scale 1/sqrt(head_dim),
/// as many key/value heads as query heads.
#[derive(Module, Debug)]
pub struct Attention {
    /// `[hidden, 3 * hidden]`: query heads, then key heads, then value heads.
    pub qkv_proj: Linear,
    /// `[hidden, hidden]`
    pub o_proj: Linear,
    pub num_heads: usize,
    pub head_dim: usize,
}

impl Attention {
    /// Builds the layer from weights in PyTorch's `[out, in]` layout.
    pub fn from_torch_weights(qkv_proj: Tensor<2>, o_proj: Tensor<2>, num_heads: usize, head_dim: usize) -> Self {
        Self {
            qkv_proj: linear_from_torch(qkv_proj, None),
            o_proj: linear_from_torch(o_proj, None),
            num_heads,
            head_dim,
        }
    }

    /// # Shapes
    ///
    /// - hidden_states: `[batch, seq, hidden]`
    /// - output: same as hidden_states
    pub fn forward(&self, hidden_states: Tensor<3>, rotary: Option<&RotaryEmbedding>) -> Tensor<3> {
        let [batch, seq, _] = hidden_states.dims();
        let (heads, head_dim) = (self.num_heads, self.head_dim);

        // [batch, seq, 3 * heads, head_dim]
        let qkv = self.qkv_proj.forward(hidden_states).reshape([batch, seq, 3 * heads, head_dim]);
        let mut query = qkv.clone().narrow(2, 0, heads);
        let mut key = qkv.clone().narrow(2, heads, heads);
        let value = qkv.narrow(2, 2 * heads, heads);

        if let Some(rotary) = rotary {
            query = rotary.apply(query);
            key = rotary.apply(key);
        }

        // [batch, seq, heads, head_dim]
        let attended = kernels::attention(query, key, value);

        // [batch, seq, hidden]
        let attended = attended.reshape([batch, seq, heads * head_dim]);
        self.o_proj.forward(attended)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With identity projections and keys that all match, every position
    /// averages the values: the output is the column mean of the input.
    #[test]
    fn equal_scores_average_values() {
        let device = Device::flex();
        let hidden = 2;
        let eye = Tensor::<2>::eye(hidden, &device);
        let zeros = Tensor::<2>::zeros([hidden, hidden], &device);
        // q = x, k = 0, v = x
        let qkv = Tensor::cat(vec![eye.clone(), zeros, eye.clone()], 0);
        let layer = Attention::from_torch_weights(qkv, eye, 1, hidden);
        let x = Tensor::<3>::from_floats([[[1.0, 2.0], [3.0, 6.0], [5.0, 1.0]]], &device);

        let y: Vec<f32> = layer.forward(x, None).into_data().try_to_vec().unwrap();

        for row in y.chunks(2) {
            assert!((row[0] - 3.0).abs() < 1e-5, "{row:?}");
            assert!((row[1] - 3.0).abs() < 1e-5, "{row:?}");
        }
    }
}
