//! Building a [`Trm`] from weights under the official state_dict keys.
//!
//! Every key the official model saves, with its shape, is listed once in
//! [`expected_weights`]. Loading checks a [`StateDict`] (whose keys the
//! checkpoint readers have already stripped of the `_orig_mod.`, `model.` and
//! `inner.` prefixes) against that list and reports every missing, unexpected
//! and mis-shaped key together.

use std::collections::HashMap;
use std::fmt;

use burn::module::Param;
use burn::prelude::*;

use crate::attention::Attention;
use crate::block::{ReasoningModule, TokenMixer, TrmBlock};
use crate::checkpoint::{DType, StateDict};
use crate::config::{ConfigError, PosEncodings, TrmConfig};
use crate::embeddings::InputEmbeddings;
use crate::rotary::RotaryEmbedding;
use crate::swiglu::{SwiGLU, linear_from_torch, swiglu_inner_width};
use crate::trm::Trm;

/// A stored tensor whose shape differs from the config's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeMismatch {
    pub name: String,
    pub expected: Vec<usize>,
    pub found: Vec<usize>,
}

/// The key differences between a checkpoint and a config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyReport {
    pub missing: Vec<String>,
    pub unexpected: Vec<String>,
    pub mismatched: Vec<ShapeMismatch>,
}

impl fmt::Display for KeyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if !self.missing.is_empty() {
            parts.push(format!("missing keys: {}", self.missing.join(", ")));
        }
        if !self.unexpected.is_empty() {
            parts.push(format!("unexpected keys: {}", self.unexpected.join(", ")));
        }
        for mismatch in &self.mismatched {
            parts.push(format!(
                "`{}` has shape {:?}, expected {:?}",
                mismatch.name, mismatch.found, mismatch.expected
            ));
        }
        write!(f, "{}", parts.join("; "))
    }
}

/// A checkpoint that cannot be loaded into the model its config describes.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Config(#[from] ConfigError),

    #[error("the checkpoint does not match the config: {0}")]
    Keys(KeyReport),

    #[error("`{key}` holds {dtype} values; the model needs a float tensor there")]
    NotFloat { key: String, dtype: DType },
}

/// Every weight the official model saves for `config`, by canonical key
/// (without the `_orig_mod.`, `model.` and `inner.` prefixes), with its shape
/// in PyTorch's layout.
pub fn expected_weights(config: &TrmConfig) -> Vec<(String, Vec<usize>)> {
    let hidden = config.hidden_size;
    let positions = config.total_seq_len();
    let mut weights = vec![
        ("embed_tokens.embedding_weight".to_string(), vec![config.vocab_size, hidden]),
        ("lm_head.weight".to_string(), vec![config.vocab_size, hidden]),
        ("q_head.weight".to_string(), vec![2, hidden]),
        ("q_head.bias".to_string(), vec![2]),
        ("H_init".to_string(), vec![hidden]),
        ("L_init".to_string(), vec![hidden]),
    ];
    if config.puzzle_emb_ndim > 0 {
        weights.push((
            "puzzle_emb.weights".to_string(),
            vec![config.num_puzzle_identifiers, config.puzzle_emb_ndim],
        ));
    }
    if config.pos_encodings == PosEncodings::Learned {
        weights.push(("embed_pos.embedding_weight".to_string(), vec![positions, hidden]));
    }

    let inner = swiglu_inner_width(hidden, config.expansion);
    let inner_t = swiglu_inner_width(positions, config.expansion);
    for layer in 0..config.L_layers {
        let prefix = format!("L_level.layers.{layer}");
        if config.mlp_t {
            weights.push((format!("{prefix}.mlp_t.gate_up_proj.weight"), vec![2 * inner_t, positions]));
            weights.push((format!("{prefix}.mlp_t.down_proj.weight"), vec![positions, inner_t]));
        } else {
            weights.push((format!("{prefix}.self_attn.qkv_proj.weight"), vec![3 * hidden, hidden]));
            weights.push((format!("{prefix}.self_attn.o_proj.weight"), vec![hidden, hidden]));
        }
        weights.push((format!("{prefix}.mlp.gate_up_proj.weight"), vec![2 * inner, hidden]));
        weights.push((format!("{prefix}.mlp.down_proj.weight"), vec![hidden, inner]));
    }
    weights
}

/// The checked weights of one checkpoint, by canonical key.
struct CheckedWeights<'a> {
    by_key: HashMap<String, &'a [f32]>,
    device: Device,
}

impl CheckedWeights<'_> {
    fn tensor<const D: usize>(&self, key: &str, shape: [usize; D]) -> Tensor<D> {
        // `check_weights` has put every expected key here with the expected
        // shape, so this lookup cannot fail.
        let values = self.by_key[key].to_vec();
        Tensor::from_data(TensorData::new(values, shape), &self.device)
    }
}

/// Matches the checkpoint's keys and shapes against [`expected_weights`].
fn check_weights<'a>(config: &TrmConfig, state_dict: &'a StateDict) -> Result<HashMap<String, &'a [f32]>, LoadError> {
    let expected = expected_weights(config);
    let mut report = KeyReport::default();
    let mut by_key = HashMap::new();
    for (key, shape) in &expected {
        let Some(tensor) = state_dict.get(key) else {
            report.missing.push(key.clone());
            continue;
        };
        if tensor.shape() != shape.as_slice() {
            report.mismatched.push(ShapeMismatch {
                name: key.clone(),
                expected: shape.clone(),
                found: tensor.shape().to_vec(),
            });
            continue;
        }
        let values = tensor.as_f32().ok_or_else(|| LoadError::NotFloat {
            key: key.clone(),
            dtype: tensor.dtype(),
        })?;
        by_key.insert(key.clone(), values);
    }
    for key in state_dict.keys() {
        if !expected.iter().any(|(expected_key, _)| expected_key == key) {
            report.unexpected.push(key.to_string());
        }
    }
    report.unexpected.sort();

    if report == KeyReport::default() {
        Ok(by_key)
    } else {
        Err(LoadError::Keys(report))
    }
}

impl Trm {
    /// Builds the model that `config` describes from a checkpoint's weights,
    /// after checking that the keys and shapes match exactly.
    pub fn load(config: &TrmConfig, state_dict: &StateDict, device: &Device) -> Result<Self, LoadError> {
        config.validate()?;
        let weights = CheckedWeights {
            by_key: check_weights(config, state_dict)?,
            device: device.clone(),
        };
        let hidden = config.hidden_size;
        let positions = config.total_seq_len();
        let vocab = config.vocab_size;
        let inner = swiglu_inner_width(hidden, config.expansion);
        let inner_t = swiglu_inner_width(positions, config.expansion);

        let embeddings = InputEmbeddings {
            embed_tokens: Param::from_tensor(weights.tensor("embed_tokens.embedding_weight", [vocab, hidden])),
            puzzle_emb: (config.puzzle_emb_ndim > 0).then(|| {
                let shape = [config.num_puzzle_identifiers, config.puzzle_emb_ndim];
                Param::from_tensor(weights.tensor("puzzle_emb.weights", shape))
            }),
            embed_pos: (config.pos_encodings == PosEncodings::Learned)
                .then(|| Param::from_tensor(weights.tensor("embed_pos.embedding_weight", [positions, hidden]))),
            puzzle_emb_len: config.puzzle_emb_positions(),
            hidden_size: config.hidden_size,
        };
        let rotary_emb = (config.pos_encodings == PosEncodings::Rope).then(|| {
            RotaryEmbedding::new(config.head_dim(), config.total_seq_len(), config.rope_theta, device)
        });

        let layers = (0..config.L_layers)
            .map(|layer| {
                let prefix = format!("L_level.layers.{layer}");
                let mixer = if config.mlp_t {
                    TokenMixer::MlpT(SwiGLU::from_torch_weights(
                        weights.tensor(&format!("{prefix}.mlp_t.gate_up_proj.weight"), [2 * inner_t, positions]),
                        weights.tensor(&format!("{prefix}.mlp_t.down_proj.weight"), [positions, inner_t]),
                    ))
                } else {
                    TokenMixer::SelfAttn(Attention::from_torch_weights(
                        weights.tensor(&format!("{prefix}.self_attn.qkv_proj.weight"), [3 * hidden, hidden]),
                        weights.tensor(&format!("{prefix}.self_attn.o_proj.weight"), [hidden, hidden]),
                        config.num_heads,
                        config.head_dim(),
                    ))
                };
                TrmBlock {
                    mixer,
                    mlp: SwiGLU::from_torch_weights(
                        weights.tensor(&format!("{prefix}.mlp.gate_up_proj.weight"), [2 * inner, hidden]),
                        weights.tensor(&format!("{prefix}.mlp.down_proj.weight"), [hidden, inner]),
                    ),
                    rms_norm_eps: config.rms_norm_eps,
                }
            })
            .collect();

        Ok(Trm {
            embeddings,
            rotary_emb,
            L_level: ReasoningModule { layers },
            lm_head: linear_from_torch(weights.tensor("lm_head.weight", [vocab, hidden]), None),
            q_head: linear_from_torch(
                weights.tensor("q_head.weight", [2, hidden]),
                Some(weights.tensor("q_head.bias", [2])),
            ),
            H_init: weights.tensor("H_init", [hidden]),
            L_init: weights.tensor("L_init", [hidden]),
            H_cycles: config.H_cycles,
            L_cycles: config.L_cycles,
            puzzle_emb_len: config.puzzle_emb_positions(),
        })
    }
}
