//! The official optimiser of the puzzle embedding
//! (`CastedSparseEmbeddingSignSGD_Distributed` in `models/sparse_embedding.py`):
//! sign-SGD with decoupled weight decay, applied only to the rows a batch used.

use burn::prelude::*;
use burn::tensor::IndexingUpdateOp;

/// The official puzzle-embedding learning rate (`puzzle_emb_lr`).
pub const PUZZLE_EMB_LR: f64 = 1e-2;
/// The official puzzle-embedding weight decay (`puzzle_emb_weight_decay`).
pub const PUZZLE_EMB_WEIGHT_DECAY: f64 = 0.1;

/// Sign-SGD with decoupled weight decay over the rows of an embedding table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SparseSignSgd {
    pub weight_decay: f64,
}

impl Default for SparseSignSgd {
    fn default() -> Self {
        Self {
            weight_decay: PUZZLE_EMB_WEIGHT_DECAY,
        }
    }
}

impl SparseSignSgd {
    /// Updates the rows of `table` that `identifiers` name: the gradients of
    /// slots that share a row are summed first, then each touched row becomes
    /// `row * (1 - lr * weight_decay) - lr * sign(grad)`. Untouched rows stay
    /// as they are, weight decay included.
    ///
    /// Runs on the device without reading anything back. The result has no
    /// autodiff graph.
    ///
    /// # Shapes
    ///
    /// - table: `[rows, dim]`
    /// - local_grads: `[batch, dim]`, the gradient of each slot's row
    /// - identifiers: `[batch]`
    pub fn step(&self, lr: f64, table: Tensor<2>, local_grads: Tensor<2>, identifiers: Tensor<1, Int>) -> Tensor<2> {
        let [rows, dim] = table.dims();
        let [batch] = identifiers.dims();
        let device = table.device();
        let table = table.detach();

        // [rows, dim]: per-row sums of the slot gradients.
        let grads = Tensor::<2>::zeros([rows, dim], &device).select_assign(0, identifiers.clone(), local_grads.detach(), IndexingUpdateOp::Add);

        // [rows, dim]: which rows the batch touched.
        let uses = Tensor::<1>::zeros([rows], &device).select_assign(0, identifiers, Tensor::ones([batch], &device), IndexingUpdateOp::Add);
        let touched = uses.greater_elem(0.0).reshape([rows, 1]).expand([rows, dim]);

        let updated = table.clone() * (1.0 - lr * self.weight_decay) - grads.sign() * lr;
        table.mask_where(touched, updated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_only_touched_rows_with_summed_sign() {
        let device = Device::flex();
        let table = Tensor::<2>::from_floats([[1.0, 1.0], [2.0, -2.0], [3.0, 3.0]], &device);
        // Row 1 is used twice; its summed gradient is [+0.5, -0.1 + 0.3 = +0.2].
        let grads = Tensor::<2>::from_floats([[1.0, -1.0], [0.2, -0.1], [0.3, 0.3]], &device);
        let ids = Tensor::<1, Int>::from_ints([0, 1, 1], &device);

        let updated = SparseSignSgd { weight_decay: 0.5 }.step(0.1, table, grads, ids);

        let values: Vec<f32> = updated.into_data().try_to_vec().unwrap();
        let decay = 1.0 - 0.1 * 0.5;
        let expected = [1.0 * decay - 0.1, 1.0 * decay + 0.1, 2.0 * decay - 0.1, -2.0 * decay - 0.1, 3.0, 3.0];
        for (got, want) in values.iter().zip(expected) {
            assert!((got - want).abs() < 1e-6, "got {values:?}, expected {expected:?}");
        }
    }
}
