//! Reading a model's weights back into a [`StateDict`] under the official
//! keys and in PyTorch's layout, so that what Ponder trains is saved in the
//! same form it loads: `Model::load(config, &model.to_state_dict()?, device)`
//! rebuilds the same model.

#![allow(non_snake_case)]

use burn::nn::Linear;
use burn::prelude::*;

use crate::block::{ReasoningModule, TokenMixer};
use crate::checkpoint::{CheckpointError, HostTensor, StateDict};
use crate::model::Model;

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("reading `{key}` from the device failed: {message}")]
    Read { key: String, message: String },
    #[error(transparent)]
    Tensor(#[from] CheckpointError),
}

impl Model {
    /// Copies every weight to the host under its canonical key (see
    /// [`crate::load::expected_weights`]), linear layers as `[out, in]`.
    /// Reads synchronously, so it is for native backends.
    pub fn to_state_dict(&self) -> Result<StateDict, SaveError> {
        let mut out = Weights(StateDict::new());
        let (embeddings, lm_head, q_head, H_init, L_init) = match self {
            Model::Trm(trm) => (&trm.embeddings, &trm.lm_head, &trm.q_head, &trm.H_init, &trm.L_init),
            Model::Hrm(hrm) => (&hrm.embeddings, &hrm.lm_head, &hrm.q_head, &hrm.H_init, &hrm.L_init),
        };

        out.put("embed_tokens.embedding_weight", embeddings.embed_tokens.val())?;
        if let Some(table) = &embeddings.puzzle_emb {
            out.put("puzzle_emb.weights", table.val())?;
        }
        if let Some(positions) = &embeddings.embed_pos {
            out.put("embed_pos.embedding_weight", positions.val())?;
        }
        out.linear("lm_head", lm_head)?;
        out.linear("q_head", q_head)?;
        out.put("H_init", H_init.clone())?;
        out.put("L_init", L_init.clone())?;

        match self {
            Model::Trm(trm) => out.level("L_level", &trm.L_level)?,
            Model::Hrm(hrm) => {
                out.level("H_level", &hrm.H_level)?;
                out.level("L_level", &hrm.L_level)?;
            }
        }
        Ok(out.0)
    }
}

/// Copies a float tensor to the host as f32, outside any autodiff graph;
/// `key` names it in errors.
pub(crate) fn host_float<const D: usize>(key: &str, tensor: Tensor<D>) -> Result<HostTensor, SaveError> {
    let shape = tensor.dims().to_vec();
    let read_error = |message: String| SaveError::Read { key: key.to_string(), message };
    let data = tensor.inner().try_into_data().map_err(|error| read_error(error.to_string()))?;
    let values: Vec<f32> = data.convert::<f32>().try_into_vec().map_err(|error| read_error(format!("{error:?}")))?;
    Ok(HostTensor::from_f32(shape, values)?)
}

struct Weights(StateDict);

impl Weights {
    fn put<const D: usize>(&mut self, key: &str, tensor: Tensor<D>) -> Result<(), SaveError> {
        self.0.insert(key, host_float(key, tensor)?);
        Ok(())
    }

    /// Copies a linear layer's weight (burn keeps `[in, out]`, PyTorch `[out, in]`) and its bias.
    fn linear(&mut self, prefix: &str, linear: &Linear) -> Result<(), SaveError> {
        self.put(&format!("{prefix}.weight"), linear.weight.val().transpose())?;
        if let Some(bias) = &linear.bias {
            self.put(&format!("{prefix}.bias"), bias.val())?;
        }
        Ok(())
    }

    fn level(&mut self, level: &str, module: &ReasoningModule) -> Result<(), SaveError> {
        for (index, block) in module.layers.iter().enumerate() {
            let prefix = format!("{level}.layers.{index}");
            match &block.mixer {
                TokenMixer::SelfAttn(self_attn) => {
                    self.linear(&format!("{prefix}.self_attn.qkv_proj"), &self_attn.qkv_proj)?;
                    self.linear(&format!("{prefix}.self_attn.o_proj"), &self_attn.o_proj)?;
                }
                TokenMixer::MlpT(mlp_t) => {
                    self.linear(&format!("{prefix}.mlp_t.gate_up_proj"), &mlp_t.gate_up_proj)?;
                    self.linear(&format!("{prefix}.mlp_t.down_proj"), &mlp_t.down_proj)?;
                }
            }
            self.linear(&format!("{prefix}.mlp.gate_up_proj"), &block.mlp.gate_up_proj)?;
            self.linear(&format!("{prefix}.mlp.down_proj"), &block.mlp.down_proj)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::checkpoint::StateDict;
    use crate::config::TrmConfig;
    use crate::init::initial_weights;
    use crate::model::Model;
    use burn::prelude::*;

    fn round_trip(config: &TrmConfig) -> (StateDict, StateDict) {
        let weights = initial_weights(config, 11);
        let model = Model::load(config, &weights, &Device::flex()).expect("fresh weights load");
        (weights, model.to_state_dict().expect("weights read back"))
    }

    #[test]
    fn trm_weights_come_back_unchanged() {
        let config = TrmConfig::small_arc();
        let (weights, saved) = round_trip(&config);
        assert_eq!(saved.keys().collect::<Vec<_>>(), weights.keys().collect::<Vec<_>>());
        assert_eq!(saved, weights);
    }

    #[test]
    fn mlp_t_and_hrm_weights_come_back_unchanged() {
        let sudoku = TrmConfig {
            hidden_size: 32,
            num_heads: 2,
            puzzle_emb_ndim: 32,
            ..TrmConfig::sudoku_extreme()
        };
        let hrm = TrmConfig {
            hidden_size: 32,
            num_heads: 2,
            H_layers: 1,
            L_layers: 1,
            pos_encodings: crate::config::PosEncodings::Learned,
            puzzle_emb_ndim: 32,
            ..TrmConfig::hrm_arc_agi_2(3)
        };
        for config in [sudoku, hrm] {
            let (weights, saved) = round_trip(&config);
            assert_eq!(saved, weights, "{:?}", config.family);
        }
    }
}
