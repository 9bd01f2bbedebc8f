//! Fresh weights for a config, drawn from a seed the way the official code
//! initialises an untrained model, so that a model needs no checkpoint to run.

use crate::checkpoint::{HostTensor, StateDict};
use crate::config::TrmConfig;
use crate::load::expected_weights;

/// Initial value of the q_head bias: the official model starts with a strong
/// "continue" so that halting is learned rather than assumed.
const Q_HEAD_BIAS: f32 = -5.0;

/// Standard deviation of the standard normal truncated to [-2, 2]; dividing by
/// it makes the truncated samples have the requested standard deviation.
const TRUNCATED_STD: f32 = 0.879_626_7;

/// Draws every weight that [`expected_weights`] lists for `config`:
/// linear layers truncated-normal with std 1/sqrt(fan_in), token and position
/// embeddings with std 1/sqrt(hidden_size), `H_init` and `L_init` with std 1,
/// the puzzle-embedding table at zero, q_head's weight at zero and its bias at -5.
/// The same seed gives the same weights on every platform.
pub fn initial_weights(config: &TrmConfig, seed: u64) -> StateDict {
    let mut rng = SplitMix64(seed);
    let embedding_std = 1.0 / (config.hidden_size as f32).sqrt();
    let mut state_dict = StateDict::new();

    for (key, shape) in expected_weights(config) {
        let count: usize = shape.iter().product();
        let values = match key.as_str() {
            "q_head.weight" | "puzzle_emb.weights" => vec![0.0; count],
            "q_head.bias" => vec![Q_HEAD_BIAS; count],
            "H_init" | "L_init" => truncated_normal(&mut rng, count, 1.0),
            "embed_tokens.embedding_weight" | "embed_pos.embedding_weight" => {
                truncated_normal(&mut rng, count, embedding_std)
            }
            // Every other weight is a linear layer stored as [out, in].
            _ => {
                let fan_in = shape.last().copied().unwrap_or(1).max(1);
                truncated_normal(&mut rng, count, 1.0 / (fan_in as f32).sqrt())
            }
        };
        // The shape and the value count come from the same list, so this cannot fail.
        let tensor = HostTensor::from_f32(shape, values).expect("value count matches the shape");
        state_dict.insert(key, tensor);
    }
    state_dict
}

fn truncated_normal(rng: &mut SplitMix64, count: usize, std: f32) -> Vec<f32> {
    let scale = std / TRUNCATED_STD;
    (0..count)
        .map(|_| loop {
            let z = rng.standard_normal();
            if z.abs() <= 2.0 {
                break z * scale;
            }
        })
        .collect()
}

/// A small, portable generator: the same sequence on native and wasm32.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1], never 0, so that its logarithm is finite.
    fn unit(&mut self) -> f32 {
        ((self.next_u64() >> 40) as f32 + 1.0) / (1u64 << 24) as f32
    }

    /// One standard normal sample by the Box-Muller transform.
    fn standard_normal(&mut self) -> f32 {
        let radius = (-2.0 * self.unit().ln()).sqrt();
        let angle = std::f32::consts::TAU * self.unit();
        radius * angle.cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small_config() -> TrmConfig {
        let mut config = TrmConfig::arc_agi_1(4);
        config.hidden_size = 64;
        config.num_heads = 4;
        config.puzzle_emb_ndim = 64;
        config
    }

    #[test]
    fn weights_follow_official_init() {
        let config = small_config();
        let weights = initial_weights(&config, 7);

        let q_bias = weights.get("q_head.bias").unwrap().as_f32().unwrap();
        assert_eq!(q_bias, &[-5.0, -5.0]);
        let q_weight = weights.get("q_head.weight").unwrap().as_f32().unwrap();
        assert!(q_weight.iter().all(|&value| value == 0.0));
        let table = weights.get("puzzle_emb.weights").unwrap().as_f32().unwrap();
        assert!(table.iter().all(|&value| value == 0.0));

        // qkv_proj is [3 * 64, 64]: std 1/8, truncated at 2 std = 0.25.
        let qkv = weights.get("L_level.layers.0.self_attn.qkv_proj.weight").unwrap().as_f32().unwrap();
        let mean = qkv.iter().sum::<f32>() / qkv.len() as f32;
        let std = (qkv.iter().map(|value| (value - mean).powi(2)).sum::<f32>() / qkv.len() as f32).sqrt();
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((std - 0.125).abs() < 0.005, "std {std}");
        assert!(qkv.iter().all(|value| value.abs() <= 0.25 / TRUNCATED_STD * 1.0001));
    }

    #[test]
    fn same_seed_same_weights() {
        let config = small_config();
        let first = initial_weights(&config, 11);
        let second = initial_weights(&config, 11);
        let third = initial_weights(&config, 12);
        let key = "lm_head.weight";
        assert_eq!(first.get(key).unwrap().as_f32(), second.get(key).unwrap().as_f32());
        assert_ne!(first.get(key).unwrap().as_f32(), third.get(key).unwrap().as_f32());
    }

    #[test]
    fn initial_weights_load() {
        let config = small_config();
        let weights = initial_weights(&config, 3);
        crate::Trm::load(&config, &weights, &burn::tensor::Device::flex()).expect("fresh weights match the config");
    }
}
