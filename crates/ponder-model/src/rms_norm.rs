//! RMSNorm without a learned weight, as TRM applies it after every residual sum.

use burn::prelude::*;

/// Divides `x` by the root mean square of its last axis: `x / sqrt(mean(x^2) + eps)`.
///
/// TRM's norm has no scale parameter. Ponder keeps activations in f32, which
/// is the dtype the official code casts to before normalising.
///
/// # Shapes
///
/// - x: `[..., width]`
/// - output: same as x
pub fn rms_norm<const D: usize>(x: Tensor<D>, eps: f64) -> Tensor<D> {
    let variance = x.clone().square().mean_dim(D - 1);
    x / (variance + eps).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rms_norm_matches_hand_computation() {
        let device = Device::flex();
        let x = Tensor::<2>::from_floats([[3.0, -4.0], [0.0, 0.0]], &device);

        let y: Vec<f32> = rms_norm(x, 1e-5).into_data().try_to_vec().unwrap();

        // Row 0: mean square 12.5, so the divisor is sqrt(12.50001).
        let divisor = (12.5f32 + 1e-5).sqrt();
        let expected = [3.0 / divisor, -4.0 / divisor, 0.0, 0.0];
        for (got, want) in y.iter().zip(expected) {
            assert!((got - want).abs() < 1e-6, "got {got}, expected {want}");
        }
    }
}
