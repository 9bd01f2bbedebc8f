//! The input embedding: puzzle embedding positions, then scaled token embeddings.

use burn::module::Param;
use burn::prelude::*;
use burn::tensor::module::embedding;

/// The official code's 1/sqrt(2) constant for learned positions, kept to its 9 digits.
#[allow(clippy::approx_constant)]
const LEARNED_POS_SCALE: f64 = 0.707106781;

/// Token, puzzle and (learned) position embeddings.
#[derive(Module, Debug)]
pub struct InputEmbeddings {
    /// `[vocab_size, hidden]`
    pub embed_tokens: Param<Tensor<2>>,
    /// `[num_puzzle_identifiers, puzzle_emb_ndim]`; absent when `puzzle_emb_ndim` is 0.
    pub puzzle_emb: Option<Param<Tensor<2>>>,
    /// `[puzzle_emb_len + seq, hidden]`; present only for learned positions.
    pub embed_pos: Option<Param<Tensor<2>>>,
    /// Positions reserved for the puzzle embedding.
    pub puzzle_emb_len: usize,
    pub hidden_size: usize,
}

impl InputEmbeddings {
    /// Embeds a batch: the puzzle row of each example, zero-padded to
    /// `puzzle_emb_len * hidden` values and laid out as `puzzle_emb_len`
    /// positions, followed by the token embeddings; learned positions are
    /// added and scaled by 1/sqrt(2); everything is multiplied by sqrt(hidden).
    ///
    /// Every token must be below `vocab_size` and every identifier below
    /// `num_puzzle_identifiers`; callers check that on the host, because the
    /// lookup has no bounds check on every backend.
    ///
    /// # Shapes
    ///
    /// - inputs: `[batch, seq]`
    /// - puzzle_identifiers: `[batch]`
    /// - output: `[batch, puzzle_emb_len + seq, hidden]`
    pub fn forward(&self, inputs: Tensor<2, Int>, puzzle_identifiers: Tensor<1, Int>) -> Tensor<3> {
        let [batch, _seq] = inputs.dims();
        let hidden = self.hidden_size;

        // [batch, seq, hidden]
        let mut embedding = embedding(self.embed_tokens.val(), inputs);

        if let Some(puzzle_emb) = &self.puzzle_emb {
            // [batch, puzzle_emb_ndim]
            let rows = puzzle_emb.val().select(0, puzzle_identifiers);
            let [_, ndim] = rows.dims();

            // [batch, puzzle_emb_len * hidden]
            let pad_count = self.puzzle_emb_len * hidden - ndim;
            let rows = if pad_count > 0 {
                let zeros = Tensor::<2>::zeros([batch, pad_count], &rows.device());
                Tensor::cat(vec![rows, zeros], 1)
            } else {
                rows
            };

            // [batch, puzzle_emb_len + seq, hidden]
            let puzzle_positions = rows.reshape([batch, self.puzzle_emb_len, hidden]);
            embedding = Tensor::cat(vec![puzzle_positions, embedding], 1);
        }

        if let Some(embed_pos) = &self.embed_pos {
            let [positions, _] = embed_pos.dims();
            let embed_pos = embed_pos.val().reshape([1, positions, hidden]);
            embedding = (embedding + embed_pos) * LEARNED_POS_SCALE;
        }

        embedding * (hidden as f64).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn puzzle_row_is_padded_and_prepended() {
        let device = Device::flex();
        // hidden 2, puzzle_emb_ndim 3 -> 2 positions, the last value padded with 0.
        let embeddings = InputEmbeddings {
            embed_tokens: Param::from_tensor(Tensor::from_floats([[0.0, 1.0], [2.0, 3.0]], &device)),
            puzzle_emb: Some(Param::from_tensor(Tensor::from_floats([[9.0, 9.0, 9.0], [4.0, 5.0, 6.0]], &device))),
            embed_pos: None,
            puzzle_emb_len: 2,
            hidden_size: 2,
        };
        let inputs = Tensor::<2, Int>::from_ints([[1, 0]], &device);
        let ids = Tensor::<1, Int>::from_ints([1], &device);

        let output = embeddings.forward(inputs, ids);

        assert_eq!(output.dims(), [1, 4, 2]);
        let values: Vec<f32> = output.into_data().try_to_vec().unwrap();
        let scale = 2f32.sqrt();
        let expected = [4.0, 5.0, 6.0, 0.0, 2.0, 3.0, 0.0, 1.0].map(|v| v * scale);
        for (got, want) in values.iter().zip(expected) {
            assert!((got - want).abs() < 1e-6, "got {values:?}, expected {expected:?}");
        }
    }

    #[test]
    fn learned_positions_are_added_then_scaled() {
        let device = Device::flex();
        let embeddings = InputEmbeddings {
            embed_tokens: Param::from_tensor(Tensor::from_floats([[1.0], [2.0]], &device)),
            puzzle_emb: None,
            embed_pos: Some(Param::from_tensor(Tensor::from_floats([[10.0], [20.0]], &device))),
            puzzle_emb_len: 0,
            hidden_size: 1,
        };
        let inputs = Tensor::<2, Int>::from_ints([[1, 0]], &device);
        let ids = Tensor::<1, Int>::from_ints([0], &device);

        let values: Vec<f32> = embeddings.forward(inputs, ids).into_data().try_to_vec().unwrap();

        let expected = [12.0 * 0.707106781f32, 21.0 * 0.707106781f32];
        for (got, want) in values.iter().zip(expected) {
            assert!((got - want).abs() < 1e-5, "got {values:?}, expected {expected:?}");
        }
    }
}
