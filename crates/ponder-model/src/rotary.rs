//! Rotary position embedding (RoPE) in the rotate-half layout.

use burn::prelude::*;

/// Cosine and sine tables for every position of the sequence.
///
/// Frequency `i` of a head of width `head_dim` is `theta^(-2i / head_dim)`;
/// the table repeats the `head_dim / 2` frequencies twice, so that position
/// `p` rotates the pair `(x[i], x[i + head_dim / 2])` by `p * freq_i`.
/// The tables are computed on the host in f32, the dtype of the official
/// buffers.
#[derive(Module, Debug)]
pub struct RotaryEmbedding {
    /// `[seq, head_dim]`
    pub cos: Tensor<2>,
    /// `[seq, head_dim]`
    pub sin: Tensor<2>,
}

impl RotaryEmbedding {
    pub fn new(head_dim: usize, seq: usize, theta: f64, device: &Device) -> Self {
        let half = head_dim / 2;
        let theta = theta as f32;
        let inv_freq: Vec<f32> = (0..half)
            .map(|i| 1.0 / theta.powf((2 * i) as f32 / head_dim as f32))
            .collect();

        let mut cos = Vec::with_capacity(seq * head_dim);
        let mut sin = Vec::with_capacity(seq * head_dim);
        for position in 0..seq {
            for _copy in 0..2 {
                for &freq in &inv_freq {
                    let angle = position as f32 * freq;
                    cos.push(angle.cos());
                    sin.push(angle.sin());
                }
            }
        }

        Self {
            cos: Tensor::from_data(TensorData::new(cos, [seq, head_dim]), device),
            sin: Tensor::from_data(TensorData::new(sin, [seq, head_dim]), device),
        }
    }

    /// Rotates queries or keys: `x * cos + rotate_half(x) * sin`.
    ///
    /// # Shapes
    ///
    /// - x: `[batch, seq, heads, head_dim]`
    /// - output: same as x
    pub fn apply(&self, x: Tensor<4>) -> Tensor<4> {
        let [seq, head_dim] = self.cos.dims();
        // [1, seq, 1, head_dim]
        let cos = self.cos.clone().reshape([1, seq, 1, head_dim]);
        let sin = self.sin.clone().reshape([1, seq, 1, head_dim]);

        x.clone() * cos + rotate_half(x) * sin
    }
}

/// `(x1, x2) -> (-x2, x1)` over the two halves of the last axis.
fn rotate_half(x: Tensor<4>) -> Tensor<4> {
    let [_, _, _, head_dim] = x.dims();
    let half = head_dim / 2;
    let x1 = x.clone().narrow(3, 0, half);
    let x2 = x.narrow(3, half, half);
    Tensor::cat(vec![-x2, x1], 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_of_position_one() {
        let device = Device::flex();
        // head_dim 4, theta 100: frequencies 1 and 0.1.
        let rope = RotaryEmbedding::new(4, 2, 100.0, &device);
        let x = Tensor::<4>::from_floats([[[[1.0, 2.0, 3.0, 4.0]], [[1.0, 2.0, 3.0, 4.0]]]], &device);

        let y: Vec<f32> = rope.apply(x).into_data().try_to_vec().unwrap();

        // Position 0 is unchanged.
        assert_eq!(&y[..4], &[1.0, 2.0, 3.0, 4.0]);
        // Position 1 rotates the pairs (x0, x2) by 1 radian and (x1, x3) by 0.1.
        let (c1, s1) = (1.0f32.cos(), 1.0f32.sin());
        let (c2, s2) = (0.1f32.cos(), 0.1f32.sin());
        let expected = [1.0 * c1 - 3.0 * s1, 2.0 * c2 - 4.0 * s2, 3.0 * c1 + 1.0 * s1, 4.0 * c2 + 2.0 * s2];
        for (got, want) in y[4..].iter().zip(expected) {
            assert!((got - want).abs() < 1e-6, "got {got}, expected {want}");
        }
    }
}
