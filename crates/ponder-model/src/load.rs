//! Building a [`Trm`] or an [`Hrm`] from weights under the official state_dict keys.
//!
//! Every key the official models save, with its shape, is listed once in
//! [`expected_weights`]. Loading checks a [`StateDict`] (whose keys the
//! checkpoint readers have already stripped of the `_orig_mod.`, `model.` and
//! `inner.` prefixes) against that list and reports every missing, unexpected
//! and mis-shaped key together.

#![allow(non_snake_case)]

use std::collections::HashMap;
use std::fmt;

use burn::module::Param;
use burn::prelude::*;

use crate::attention::Attention;
use crate::block::{ReasoningModule, TokenMixer, TrmBlock};
use crate::checkpoint::{DType, StateDict};
use crate::config::{ConfigError, Family, PosEncodings, TrmConfig};
use crate::embeddings::InputEmbeddings;
use crate::hrm::Hrm;
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

    #[error("{}", family_mismatch_message(.checkpoint, .config))]
    FamilyMismatch { checkpoint: Family, config: Family },

    #[error("the config describes {} model, but `{loader}` builds only {expected} models; use `Model::load`, which builds either", with_article(.config))]
    WrongLoader { loader: &'static str, expected: Family, config: Family },
}

fn with_article(family: &Family) -> &'static str {
    match family {
        Family::Trm => "a TRM",
        Family::Hrm => "an HRM",
    }
}

fn family_mismatch_message(checkpoint: &Family, config: &Family) -> String {
    let has = match checkpoint {
        Family::Hrm => "has H_level weights",
        Family::Trm => "has no H_level weights",
    };
    format!(
        "this checkpoint {has}, so it is {} checkpoint, but the config describes {} model; use the config saved with the checkpoint",
        with_article(checkpoint),
        with_article(config)
    )
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
    // TRM's H_layers is 0, so only HRM lists H_level blocks.
    for (level, layers) in [("H_level", config.H_layers), ("L_level", config.L_layers)] {
        for layer in 0..layers {
            let prefix = format!("{level}.layers.{layer}");
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
    check_family(config, state_dict)?;
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

/// Tells a checkpoint of the other family apart from one that merely lacks
/// keys: only HRM has `H_level` blocks, and both have `L_level` blocks.
fn check_family(config: &TrmConfig, state_dict: &StateDict) -> Result<(), LoadError> {
    let has_H_level = state_dict.keys().any(|key| key.starts_with("H_level."));
    let has_L_level = state_dict.keys().any(|key| key.starts_with("L_level."));
    let checkpoint = match (has_H_level, has_L_level) {
        (true, _) => Family::Hrm,
        (false, true) => Family::Trm,
        // A file without blocks is no model checkpoint at all, and the key report describes it better.
        (false, false) => return Ok(()),
    };
    if checkpoint == config.family {
        Ok(())
    } else {
        Err(LoadError::FamilyMismatch {
            checkpoint,
            config: config.family,
        })
    }
}

/// The parts that TRM and HRM share: embeddings, positions, heads and initial latents.
struct SharedParts {
    embeddings: InputEmbeddings,
    rotary_emb: Option<RotaryEmbedding>,
    lm_head: burn::nn::Linear,
    q_head: burn::nn::Linear,
    H_init: Tensor<1>,
    L_init: Tensor<1>,
}

fn shared_parts(config: &TrmConfig, weights: &CheckedWeights, device: &Device) -> SharedParts {
    let hidden = config.hidden_size;
    let positions = config.total_seq_len();
    let vocab = config.vocab_size;

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

    SharedParts {
        embeddings,
        rotary_emb,
        lm_head: linear_from_torch(weights.tensor("lm_head.weight", [vocab, hidden]), None),
        q_head: linear_from_torch(
            weights.tensor("q_head.weight", [2, hidden]),
            Some(weights.tensor("q_head.bias", [2])),
        ),
        H_init: weights.tensor("H_init", [hidden]),
        L_init: weights.tensor("L_init", [hidden]),
    }
}

/// Builds the blocks `{level}.layers.0 .. {level}.layers.{layers - 1}`, where
/// `level` is `H_level` or `L_level`.
fn reasoning_module(config: &TrmConfig, weights: &CheckedWeights, level: &str, layers: usize) -> ReasoningModule {
    let hidden = config.hidden_size;
    let positions = config.total_seq_len();
    let inner = swiglu_inner_width(hidden, config.expansion);
    let inner_t = swiglu_inner_width(positions, config.expansion);

    let layers = (0..layers)
        .map(|layer| {
            let prefix = format!("{level}.layers.{layer}");
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
    ReasoningModule { layers }
}

/// Validates `config`, checks that it describes `family`, and checks the
/// checkpoint's keys and shapes against it.
fn checked_weights<'a>(
    config: &TrmConfig,
    family: Family,
    loader: &'static str,
    state_dict: &'a StateDict,
    device: &Device,
) -> Result<CheckedWeights<'a>, LoadError> {
    config.validate()?;
    if config.family != family {
        return Err(LoadError::WrongLoader {
            loader,
            expected: family,
            config: config.family,
        });
    }
    Ok(CheckedWeights {
        by_key: check_weights(config, state_dict)?,
        device: device.clone(),
    })
}

impl Trm {
    /// Builds the TRM that `config` describes from a checkpoint's weights,
    /// after checking that the keys and shapes match exactly.
    pub fn load(config: &TrmConfig, state_dict: &StateDict, device: &Device) -> Result<Self, LoadError> {
        let weights = checked_weights(config, Family::Trm, "Trm::load", state_dict, device)?;
        let shared = shared_parts(config, &weights, device);

        Ok(Trm {
            embeddings: shared.embeddings,
            rotary_emb: shared.rotary_emb,
            L_level: reasoning_module(config, &weights, "L_level", config.L_layers),
            lm_head: shared.lm_head,
            q_head: shared.q_head,
            H_init: shared.H_init,
            L_init: shared.L_init,
            H_cycles: config.H_cycles,
            L_cycles: config.L_cycles,
            puzzle_emb_len: config.puzzle_emb_positions(),
        })
    }
}

impl Hrm {
    /// Builds the HRM that `config` describes from a checkpoint's weights,
    /// after checking that the keys and shapes match exactly.
    pub fn load(config: &TrmConfig, state_dict: &StateDict, device: &Device) -> Result<Self, LoadError> {
        let weights = checked_weights(config, Family::Hrm, "Hrm::load", state_dict, device)?;
        let shared = shared_parts(config, &weights, device);

        Ok(Hrm {
            embeddings: shared.embeddings,
            rotary_emb: shared.rotary_emb,
            H_level: reasoning_module(config, &weights, "H_level", config.H_layers),
            L_level: reasoning_module(config, &weights, "L_level", config.L_layers),
            lm_head: shared.lm_head,
            q_head: shared.q_head,
            H_init: shared.H_init,
            L_init: shared.L_init,
            H_cycles: config.H_cycles,
            L_cycles: config.L_cycles,
            puzzle_emb_len: config.puzzle_emb_positions(),
        })
    }
}
