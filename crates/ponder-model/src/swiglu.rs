//! The SwiGLU feed-forward layer of a TRM block.

use burn::module::Param;
use burn::nn::Linear;
use burn::prelude::*;

use crate::kernels::silu_mul;

/// Inner width of a SwiGLU of the given input width: round(expansion * width * 2 / 3),
/// rounded up to a multiple of 256, as the official layer sizes it.
pub fn swiglu_inner_width(width: usize, expansion: f64) -> usize {
    // Python's round() rounds halves to even; `round_ties_even` keeps a width
    // like 1.5 * 256 on the same side as the official code.
    let inner = (expansion * width as f64 * 2.0 / 3.0).round_ties_even() as usize;
    inner.div_ceil(256) * 256
}

/// `down_proj(silu(gate) * up)`, where gate and up are the two halves of one
/// fused `gate_up_proj`. No biases.
#[derive(Module, Debug)]
pub struct SwiGLU {
    /// `[width, 2 * inner]`: gate columns first, then up columns.
    pub gate_up_proj: Linear,
    /// `[inner, width]`.
    pub down_proj: Linear,
}

impl SwiGLU {
    /// Builds the layer from weights in PyTorch's `[out, in]` layout.
    pub fn from_torch_weights(gate_up_proj: Tensor<2>, down_proj: Tensor<2>) -> Self {
        Self {
            gate_up_proj: linear_from_torch(gate_up_proj, None),
            down_proj: linear_from_torch(down_proj, None),
        }
    }

    /// # Shapes
    ///
    /// - x: `[batch, rows, width]`
    /// - output: same as x
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        // [batch, rows, 2 * inner]: the gate and up projections side by side.
        let gate_up = self.gate_up_proj.forward(x);

        // [batch, rows, inner]
        let activated = silu_mul(gate_up);

        self.down_proj.forward(activated)
    }
}

/// Wraps a PyTorch `[out, in]` weight (and bias) as burn's `[in, out]` [`Linear`].
pub fn linear_from_torch(weight: Tensor<2>, bias: Option<Tensor<1>>) -> Linear {
    Linear {
        weight: Param::from_tensor(weight.transpose()),
        bias: bias.map(Param::from_tensor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_width_rounds_to_256() {
        // hidden 64: round(170.67) = 171 -> 256; hidden 512: 1365.33 -> 1365 -> 1536.
        assert_eq!(swiglu_inner_width(64, 4.0), 256);
        assert_eq!(swiglu_inner_width(512, 4.0), 1536);
        // The Sudoku mlp_t runs across 81 + 16 positions: round(258.67) = 259 -> 512.
        assert_eq!(swiglu_inner_width(97, 4.0), 512);
        assert_eq!(swiglu_inner_width(96, 4.0), 256);
    }

    #[test]
    fn forward_matches_hand_computation() {
        let device = Device::flex();
        // width 1, inner 1: gate weight 2, up weight 3, down weight 0.5.
        let gate_up = Tensor::<2>::from_floats([[2.0], [3.0]], &device);
        let down = Tensor::<2>::from_floats([[0.5]], &device);
        let layer = SwiGLU::from_torch_weights(gate_up, down);
        let x = Tensor::<3>::from_floats([[[1.0], [-1.0]]], &device);

        let y: Vec<f32> = layer.forward(x).into_data().try_to_vec().unwrap();

        let silu = |v: f32| v / (1.0 + (-v).exp());
        let expected = [0.5 * silu(2.0) * 3.0, 0.5 * silu(-2.0) * -3.0];
        for (got, want) in y.iter().zip(expected) {
            assert!((got - want).abs() < 1e-6, "got {got}, expected {want}");
        }
    }
}
