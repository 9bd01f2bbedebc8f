//! The architecture config of TRM and HRM, under the field names of the official
//! `TinyRecursiveReasoningModel_ACTV1Config` (SamsungSAILMontreal/TinyRecursiveModels)
//! and `HierarchicalReasoningModel_ACTV1Config` (sapientinc/HRM).
//!
//! A config comes from a JSON object with those fields, from the `arch`
//! section of the `all_config.yaml` that the official training script writes
//! beside its checkpoints, or from one of the presets for the released shapes.

#![allow(non_snake_case)]

use serde::{Deserialize, Serialize};

/// A config that is missing a field, has a value out of range, or cannot be parsed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid config JSON: {0}")]
    Json(#[from] serde_json::Error),

    #[error("invalid config YAML: {0}")]
    Yaml(#[from] serde_yaml::Error),

    #[error("the YAML file has no `arch` section; expected the `all_config.yaml` written by the official training script")]
    MissingArchSection,

    #[error(
        "the config describes `{name}`, which is neither a TRM nor an HRM; expected a name like `recursive_reasoning.trm@TinyRecursiveReasoningModel_ACTV1` or `hrm.hrm_act_v1@HierarchicalReasoningModel_ACTV1`"
    )]
    UnsupportedArchitecture { name: String },

    #[error("the config's `name` `{name}` describes {from_name}, but its `family` field is {from_field}")]
    FamilyConflict { name: String, from_name: Family, from_field: Family },

    #[error("config field `{field}` is missing{hint}")]
    MissingField { field: &'static str, hint: &'static str },

    #[error("config field `{field}` is {value}: {reason}")]
    InvalidValue {
        field: &'static str,
        value: String,
        reason: String,
    },
}

/// The recursion a model runs: TRM or HRM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// Tiny Recursive Model: one network `L_level` updates both `z_L` and `z_H`.
    #[default]
    Trm,
    /// Hierarchical Reasoning Model: `L_level` updates `z_L` and a second
    /// network, `H_level`, updates `z_H`.
    Hrm,
}

impl Family {
    /// Reads the family from the class part of an official `arch.name`
    /// (`recursive_reasoning.trm@TinyRecursiveReasoningModel_ACTV1`,
    /// `hrm.hrm_act_v1@HierarchicalReasoningModel_ACTV1`).
    pub fn from_arch_name(name: &str) -> Option<Self> {
        let class = name.rsplit('@').next().unwrap_or(name);
        if class.starts_with("TinyRecursiveReasoningModel") {
            Some(Self::Trm)
        } else if class.starts_with("HierarchicalReasoningModel") {
            Some(Self::Hrm)
        } else {
            None
        }
    }
}

impl std::fmt::Display for Family {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Trm => "TRM",
            Self::Hrm => "HRM",
        })
    }
}

/// How token positions enter the model (`pos_encodings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PosEncodings {
    /// Rotary embeddings on queries and keys, rotate-half layout.
    Rope,
    /// A learned table added to the input embeddings.
    Learned,
    /// No position information (the Sudoku MLP variant).
    None,
}

/// The dtype the official code computes in (`forward_dtype`).
///
/// Ponder computes in f32 whatever this says. A checkpoint trained with
/// `bfloat16` therefore gives logits that differ from the official run by
/// bf16 rounding, not by a different function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ForwardDtype {
    Float32,
    Bfloat16,
    Float16,
}

/// The architecture of a Tiny Recursive Model or a Hierarchical Reasoning
/// Model, field for field as the official configs name it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrmConfig {
    /// TRM or HRM: read from the `name` field where there is one, else from a
    /// `family` field, else from `H_layers` (0 for TRM, the size of `H_level` for HRM).
    #[serde(default)]
    pub family: Family,
    /// Training batch size of the official run. It sizes only the official
    /// puzzle-embedding gradient buffer; Ponder takes the batch size from its input.
    pub batch_size: Option<usize>,
    /// Tokens per example, without the puzzle-embedding positions.
    pub seq_len: usize,
    /// Width of one puzzle-embedding row; 0 disables the puzzle embedding.
    pub puzzle_emb_ndim: usize,
    /// Rows of the puzzle-embedding table.
    pub num_puzzle_identifiers: usize,
    pub vocab_size: usize,
    /// Recursion rounds per ACT step, each ending with an update of `z_H`.
    pub H_cycles: usize,
    /// Updates of `z_L` per round.
    pub L_cycles: usize,
    /// Blocks of HRM's `H_level`. TRM has no separate high-level stack, so it must be 0 there.
    pub H_layers: usize,
    /// Blocks of `L_level`, which in TRM updates both `z_L` and `z_H`.
    pub L_layers: usize,
    pub hidden_size: usize,
    /// SwiGLU width factor before the 2/3 correction.
    pub expansion: f64,
    pub num_heads: usize,
    pub pos_encodings: PosEncodings,
    pub rms_norm_eps: f64,
    pub rope_theta: f64,
    /// ACT steps of an evaluation.
    pub halt_max_steps: usize,
    /// Probability of a random minimum step count in training.
    pub halt_exploration_prob: f64,
    pub forward_dtype: ForwardDtype,
    /// Replace attention by a SwiGLU across the sequence axis.
    pub mlp_t: bool,
    /// Positions the puzzle embedding occupies; 0 means ceil(puzzle_emb_ndim / hidden_size).
    /// HRM has no such field and always uses the ceiling.
    pub puzzle_emb_len: usize,
    /// Train q_halt alone, with no q_continue target. HRM has no such field
    /// and always trains q_continue.
    pub no_ACT_continue: bool,
}

/// The dataset facts that the official training script adds to the `arch`
/// section at run time (from the dataset's metadata), so `all_config.yaml` lacks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatasetShape {
    pub seq_len: usize,
    pub vocab_size: usize,
    pub num_puzzle_identifiers: usize,
}

/// The fields as they appear in a file: everything optional, unknown fields
/// (`name`, `loss`, `causal`, ...) accepted.
#[derive(Debug, Default, Deserialize)]
struct ConfigFile {
    name: Option<String>,
    family: Option<Family>,
    batch_size: Option<usize>,
    seq_len: Option<usize>,
    puzzle_emb_ndim: Option<usize>,
    num_puzzle_identifiers: Option<usize>,
    vocab_size: Option<usize>,
    H_cycles: Option<usize>,
    L_cycles: Option<usize>,
    H_layers: Option<usize>,
    L_layers: Option<usize>,
    hidden_size: Option<usize>,
    expansion: Option<f64>,
    num_heads: Option<usize>,
    pos_encodings: Option<String>,
    rms_norm_eps: Option<f64>,
    rope_theta: Option<f64>,
    halt_max_steps: Option<usize>,
    halt_exploration_prob: Option<f64>,
    forward_dtype: Option<String>,
    mlp_t: Option<bool>,
    puzzle_emb_len: Option<usize>,
    no_ACT_continue: Option<bool>,
}

const DATASET_HINT: &str = "; `all_config.yaml` does not store it, so pass the dataset's seq_len, vocab_size and num_puzzle_identifiers";

fn required<T>(value: Option<T>, field: &'static str) -> Result<T, ConfigError> {
    value.ok_or(ConfigError::MissingField { field, hint: "" })
}

fn invalid(field: &'static str, value: impl ToString, reason: impl ToString) -> ConfigError {
    ConfigError::InvalidValue {
        field,
        value: value.to_string(),
        reason: reason.to_string(),
    }
}

impl TrmConfig {
    /// Parses a JSON object with the official field names and validates it.
    pub fn from_json_str(text: &str) -> Result<Self, ConfigError> {
        let file: ConfigFile = serde_json::from_str(text)?;
        Self::from_file(file)
    }

    /// Parses the `arch` section of an official `all_config.yaml` and validates it.
    ///
    /// The training script adds `seq_len`, `vocab_size` and
    /// `num_puzzle_identifiers` from the dataset at run time; `dataset`
    /// supplies them where the section lacks them.
    pub fn from_all_config_yaml(text: &str, dataset: Option<DatasetShape>) -> Result<Self, ConfigError> {
        let document: serde_yaml::Value = serde_yaml::from_str(text)?;
        let arch = document.get("arch").ok_or(ConfigError::MissingArchSection)?;
        let mut file: ConfigFile = serde_yaml::from_value(arch.clone())?;
        file_family(&file)?;

        if let Some(dataset) = dataset {
            file.seq_len.get_or_insert(dataset.seq_len);
            file.vocab_size.get_or_insert(dataset.vocab_size);
            file.num_puzzle_identifiers.get_or_insert(dataset.num_puzzle_identifiers);
        }
        for (value, field) in [
            (file.seq_len, "seq_len"),
            (file.vocab_size, "vocab_size"),
            (file.num_puzzle_identifiers, "num_puzzle_identifiers"),
        ] {
            if value.is_none() {
                return Err(ConfigError::MissingField { field, hint: DATASET_HINT });
            }
        }

        Self::from_file(file)
    }

    /// Fills the official defaults of the config's family, checks the required fields and validates.
    fn from_file(file: ConfigFile) -> Result<Self, ConfigError> {
        let family = file_family(&file)?;
        let pos_encodings = match file.pos_encodings.as_deref() {
            Some("rope") => PosEncodings::Rope,
            Some("learned") => PosEncodings::Learned,
            // The official code treats every other string as "no positions";
            // Ponder accepts only the explicit spelling, so a typo is an error.
            Some("none") => PosEncodings::None,
            Some(other) => return Err(invalid("pos_encodings", format!("{other:?}"), "expected \"rope\", \"learned\" or \"none\"")),
            None => return Err(ConfigError::MissingField { field: "pos_encodings", hint: "" }),
        };
        let forward_dtype = match file.forward_dtype.as_deref() {
            Some("float32") => ForwardDtype::Float32,
            Some("bfloat16") | None => ForwardDtype::Bfloat16,
            Some("float16") => ForwardDtype::Float16,
            Some(other) => {
                return Err(invalid("forward_dtype", format!("{other:?}"), "expected \"float32\", \"bfloat16\" or \"float16\""));
            }
        };

        let config = Self {
            family,
            batch_size: file.batch_size,
            seq_len: required(file.seq_len, "seq_len")?,
            puzzle_emb_ndim: file.puzzle_emb_ndim.unwrap_or(0),
            num_puzzle_identifiers: required(file.num_puzzle_identifiers, "num_puzzle_identifiers")?,
            vocab_size: required(file.vocab_size, "vocab_size")?,
            H_cycles: required(file.H_cycles, "H_cycles")?,
            L_cycles: required(file.L_cycles, "L_cycles")?,
            H_layers: required(file.H_layers, "H_layers")?,
            L_layers: required(file.L_layers, "L_layers")?,
            hidden_size: required(file.hidden_size, "hidden_size")?,
            expansion: required(file.expansion, "expansion")?,
            num_heads: required(file.num_heads, "num_heads")?,
            pos_encodings,
            rms_norm_eps: file.rms_norm_eps.unwrap_or(1e-5),
            rope_theta: file.rope_theta.unwrap_or(10000.0),
            halt_max_steps: required(file.halt_max_steps, "halt_max_steps")?,
            halt_exploration_prob: required(file.halt_exploration_prob, "halt_exploration_prob")?,
            forward_dtype,
            mlp_t: file.mlp_t.unwrap_or(false),
            puzzle_emb_len: match family {
                Family::Trm => file.puzzle_emb_len.unwrap_or(16),
                Family::Hrm => file.puzzle_emb_len.unwrap_or(0),
            },
            no_ACT_continue: file.no_ACT_continue.unwrap_or(family == Family::Trm),
        };
        config.validate()?;
        Ok(config)
    }

    /// Checks every field against what the official model can build and run.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let positive = [
            ("seq_len", self.seq_len),
            ("vocab_size", self.vocab_size),
            ("H_cycles", self.H_cycles),
            ("L_cycles", self.L_cycles),
            ("L_layers", self.L_layers),
            ("hidden_size", self.hidden_size),
            ("num_heads", self.num_heads),
            ("halt_max_steps", self.halt_max_steps),
        ];
        for (field, value) in positive {
            if value == 0 {
                return Err(invalid(field, value, "must be at least 1"));
            }
        }

        match self.family {
            Family::Trm if self.H_layers != 0 => {
                return Err(invalid("H_layers", self.H_layers, "TRM has one network for z_L and z_H, so it must be 0 (a non-zero value describes HRM)"));
            }
            Family::Hrm if self.H_layers == 0 => {
                return Err(invalid("H_layers", 0, "HRM updates z_H with its own H_level, so it must be at least 1"));
            }
            Family::Hrm if self.puzzle_emb_len != 0 && self.puzzle_emb_len != self.puzzle_emb_ndim.div_ceil(self.hidden_size) => {
                return Err(invalid(
                    "puzzle_emb_len",
                    self.puzzle_emb_len,
                    format!(
                        "HRM always uses ceil(puzzle_emb_ndim / hidden_size) = {} positions, so it must be 0 or that",
                        self.puzzle_emb_ndim.div_ceil(self.hidden_size)
                    ),
                ));
            }
            _ => {}
        }
        if self.hidden_size % self.num_heads != 0 {
            return Err(invalid(
                "num_heads",
                self.num_heads,
                format!("must divide hidden_size {}", self.hidden_size),
            ));
        }
        if self.pos_encodings == PosEncodings::Rope && self.head_dim() % 2 != 0 {
            return Err(invalid(
                "num_heads",
                self.num_heads,
                format!("RoPE needs an even head dimension, but hidden_size / num_heads is {}", self.head_dim()),
            ));
        }
        if !(self.expansion.is_finite() && self.expansion > 0.0) {
            return Err(invalid("expansion", self.expansion, "must be a positive number"));
        }
        if !(self.rms_norm_eps.is_finite() && self.rms_norm_eps > 0.0) {
            return Err(invalid("rms_norm_eps", self.rms_norm_eps, "must be a positive number"));
        }
        if !(self.rope_theta.is_finite() && self.rope_theta > 0.0) {
            return Err(invalid("rope_theta", self.rope_theta, "must be a positive number"));
        }
        if !(0.0..=1.0).contains(&self.halt_exploration_prob) {
            return Err(invalid("halt_exploration_prob", self.halt_exploration_prob, "must lie in [0, 1]"));
        }
        if self.puzzle_emb_ndim > 0 && self.num_puzzle_identifiers == 0 {
            return Err(invalid(
                "num_puzzle_identifiers",
                0,
                "must be at least 1 when puzzle_emb_ndim is non-zero",
            ));
        }
        if self.puzzle_emb_ndim > self.puzzle_emb_positions() * self.hidden_size {
            return Err(invalid(
                "puzzle_emb_len",
                self.puzzle_emb_len,
                format!(
                    "{} positions of width {} cannot hold puzzle_emb_ndim {}",
                    self.puzzle_emb_positions(),
                    self.hidden_size,
                    self.puzzle_emb_ndim
                ),
            ));
        }
        Ok(())
    }

    /// Width of one attention head.
    pub fn head_dim(&self) -> usize {
        self.hidden_size / self.num_heads
    }

    /// Positions the puzzle embedding occupies in front of the tokens:
    /// `puzzle_emb_len`, or ceil(puzzle_emb_ndim / hidden_size) when that is 0.
    pub fn puzzle_emb_positions(&self) -> usize {
        if self.puzzle_emb_len == 0 {
            self.puzzle_emb_ndim.div_ceil(self.hidden_size)
        } else {
            self.puzzle_emb_len
        }
    }

    /// Length of the sequence the blocks see: puzzle positions, then tokens.
    pub fn total_seq_len(&self) -> usize {
        self.puzzle_emb_positions() + self.seq_len
    }

    /// Returns a small model in the ARC layout (hidden 32, one block pass per
    /// ACT step, one ACT step) that learns a simple task from scratch in tens
    /// of fine-tuning steps on a CPU. `ponder solve` trains it when no
    /// checkpoint is given.
    pub fn small_arc() -> Self {
        Self::from_json_str(
            r#"{
                "batch_size": 4, "seq_len": 900, "vocab_size": 12,
                "puzzle_emb_ndim": 32, "puzzle_emb_len": 1, "num_puzzle_identifiers": 1,
                "H_cycles": 1, "L_cycles": 1, "H_layers": 0, "L_layers": 2,
                "hidden_size": 32, "expansion": 2, "num_heads": 2,
                "pos_encodings": "rope", "halt_max_steps": 1, "halt_exploration_prob": 0.0,
                "forward_dtype": "float32", "no_ACT_continue": true
            }"#,
        )
        .expect("the small ARC config is valid")
    }

    /// Returns Ponder's own ARC architecture, which `ponder train --preset arc`
    /// trains and the web app embeds. Counted from the layer sizes, an ACT step
    /// has about 60 times fewer multiply-adds than the released ARC-AGI-1 shape.
    pub fn ponder_arc(num_puzzle_identifiers: usize) -> Self {
        Self {
            family: Family::Trm,
            batch_size: None,
            seq_len: 900,
            puzzle_emb_ndim: 64,
            num_puzzle_identifiers,
            vocab_size: 12,
            H_cycles: 2,
            L_cycles: 2,
            H_layers: 0,
            L_layers: 2,
            hidden_size: 64,
            expansion: 4.0,
            num_heads: 4,
            pos_encodings: PosEncodings::Rope,
            rms_norm_eps: 1e-5,
            rope_theta: 10000.0,
            halt_max_steps: 4,
            halt_exploration_prob: 0.1,
            forward_dtype: ForwardDtype::Float32,
            mlp_t: false,
            puzzle_emb_len: 1,
            no_ACT_continue: true,
        }
    }

    /// Returns Ponder's own maze architecture, which `ponder train --preset
    /// maze` trains and the web app's Maze mode runs: the official 30x30
    /// layout (900 tokens, PAD and the five characters of `# SGo`), no puzzle
    /// embedding, hidden 64 and `L_cycles` 3.
    pub fn ponder_maze() -> Self {
        Self {
            seq_len: 900,
            puzzle_emb_ndim: 0,
            num_puzzle_identifiers: 1,
            vocab_size: 6,
            L_cycles: 3,
            halt_max_steps: 8,
            puzzle_emb_len: 0,
            ..Self::ponder_arc(1)
        }
    }

    /// The released ARC-AGI-1 shape. `num_puzzle_identifiers` is the size of
    /// the dataset's identifier table; pass the value from its metadata.
    ///
    /// `L_cycles` is 4: the ARC Prize checkpoint was trained with
    /// `arch.L_cycles=4` on the command line although `config/arch/trm.yaml`
    /// says 6, and evaluating it with 6 drops accuracy from about 40% to about 4%.
    pub fn arc_agi_1(num_puzzle_identifiers: usize) -> Self {
        Self {
            family: Family::Trm,
            batch_size: None,
            seq_len: 900,
            puzzle_emb_ndim: 512,
            num_puzzle_identifiers,
            vocab_size: 12,
            H_cycles: 3,
            L_cycles: 4,
            H_layers: 0,
            L_layers: 2,
            hidden_size: 512,
            expansion: 4.0,
            num_heads: 8,
            pos_encodings: PosEncodings::Rope,
            rms_norm_eps: 1e-5,
            rope_theta: 10000.0,
            halt_max_steps: 16,
            halt_exploration_prob: 0.1,
            forward_dtype: ForwardDtype::Bfloat16,
            mlp_t: false,
            puzzle_emb_len: 16,
            no_ACT_continue: true,
        }
    }

    /// The released ARC-AGI-2 shape, identical to ARC-AGI-1's (with the same
    /// `L_cycles` 4 caveat); only the identifier table differs.
    pub fn arc_agi_2(num_puzzle_identifiers: usize) -> Self {
        Self::arc_agi_1(num_puzzle_identifiers)
    }

    /// The Sudoku-Extreme MLP variant: `mlp_t` instead of attention, no
    /// positions, 81 cells, vocabulary of PAD, blank and nine digits, `L_cycles` 6.
    pub fn sudoku_extreme() -> Self {
        Self {
            seq_len: 81,
            vocab_size: 11,
            num_puzzle_identifiers: 1,
            L_cycles: 6,
            pos_encodings: PosEncodings::None,
            mlp_t: true,
            ..Self::arc_agi_1(1)
        }
    }

    /// The Maze-Hard shape: 30x30 grids, six tokens, RoPE, `L_cycles` 4.
    pub fn maze_hard() -> Self {
        Self {
            seq_len: 900,
            vocab_size: 6,
            num_puzzle_identifiers: 1,
            ..Self::arc_agi_1(1)
        }
    }

    /// Returns the shape of the released HRM checkpoints (`config/arch/hrm_v1.yaml`
    /// of sapientinc/HRM): hidden 512, 8 heads, 4 `H_level` and 4 `L_level`
    /// blocks, `H_cycles` 2, `L_cycles` 2, RoPE, one puzzle-embedding
    /// position of width 512, 16 ACT steps. The dataset fixes `seq_len`,
    /// `vocab_size` and `num_puzzle_identifiers`, and this preset has the ARC
    /// layout (900 tokens, vocabulary 12).
    pub fn hrm_arc_agi_2(num_puzzle_identifiers: usize) -> Self {
        Self {
            family: Family::Hrm,
            H_cycles: 2,
            L_cycles: 2,
            H_layers: 4,
            L_layers: 4,
            puzzle_emb_len: 0,
            no_ACT_continue: false,
            ..Self::arc_agi_1(num_puzzle_identifiers)
        }
    }

    /// Returns the released HRM shape on Sudoku-Extreme: 81 cells, vocabulary
    /// of PAD, blank and nine digits, one puzzle identifier.
    pub fn hrm_sudoku_extreme() -> Self {
        Self {
            seq_len: 81,
            vocab_size: 11,
            ..Self::hrm_arc_agi_2(1)
        }
    }

    /// Returns the released HRM shape on Maze-Hard: 30x30 grids, six tokens, one puzzle identifier.
    pub fn hrm_maze_hard() -> Self {
        Self {
            vocab_size: 6,
            ..Self::hrm_arc_agi_2(1)
        }
    }
}

/// Reads the family from `name` (authoritative where present), from an
/// explicit `family` field, or else from `H_layers`.
fn file_family(file: &ConfigFile) -> Result<Family, ConfigError> {
    let from_name = match &file.name {
        Some(name) => {
            let family = Family::from_arch_name(name).ok_or_else(|| ConfigError::UnsupportedArchitecture { name: name.clone() })?;
            Some(family)
        }
        None => None,
    };
    match (from_name, file.family) {
        (Some(from_name), Some(from_field)) if from_name != from_field => Err(ConfigError::FamilyConflict {
            name: file.name.clone().unwrap_or_default(),
            from_name,
            from_field,
        }),
        (Some(family), _) | (None, Some(family)) => Ok(family),
        (None, None) if file.H_layers.unwrap_or(0) > 0 => Ok(Family::Hrm),
        (None, None) => Ok(Family::Trm),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARC_SMALL_JSON: &str = r#"{
        "H_cycles": 2, "H_layers": 0, "L_cycles": 2, "L_layers": 2, "batch_size": 2,
        "expansion": 4.0, "forward_dtype": "float32", "halt_exploration_prob": 0.0,
        "halt_max_steps": 3, "hidden_size": 64, "mlp_t": false, "no_ACT_continue": true,
        "num_heads": 4, "num_puzzle_identifiers": 5, "pos_encodings": "rope",
        "puzzle_emb_len": 16, "puzzle_emb_ndim": 64, "seq_len": 900, "vocab_size": 12
    }"#;

    /// The `arch` section as the official script dumps it (pydantic
    /// `model_dump` of the resolved hydra config), with its extra fields.
    const ALL_CONFIG_YAML: &str = "
arch:
  H_cycles: 3
  H_layers: 0
  L_cycles: 4
  L_layers: 2
  expansion: 4
  forward_dtype: bfloat16
  halt_exploration_prob: 0.1
  halt_max_steps: 16
  hidden_size: 512
  loss:
    loss_type: stablemax_cross_entropy
    name: losses@ACTLossHead
  mlp_t: false
  name: recursive_reasoning.trm@TinyRecursiveReasoningModel_ACTV1
  no_ACT_continue: true
  num_heads: 8
  pos_encodings: rope
  puzzle_emb_len: 16
  puzzle_emb_ndim: 512
beta1: 0.9
global_batch_size: 768
lr: 0.0001
";

    fn field_of(error: ConfigError) -> &'static str {
        match error {
            ConfigError::InvalidValue { field, .. } | ConfigError::MissingField { field, .. } => field,
            other => panic!("expected a field error, got {other}"),
        }
    }

    #[test]
    fn json_reads_official_fields() {
        let config = TrmConfig::from_json_str(ARC_SMALL_JSON).unwrap();
        assert_eq!(config.hidden_size, 64);
        assert_eq!(config.H_cycles, 2);
        assert_eq!(config.pos_encodings, PosEncodings::Rope);
        assert_eq!(config.forward_dtype, ForwardDtype::Float32);
        assert_eq!(config.rms_norm_eps, 1e-5);
        assert_eq!(config.rope_theta, 10000.0);
        assert_eq!(config.total_seq_len(), 916);
        assert_eq!(config.batch_size, Some(2));
    }

    #[test]
    fn yaml_arch_section_with_dataset_shape() {
        let dataset = DatasetShape {
            seq_len: 900,
            vocab_size: 12,
            num_puzzle_identifiers: 876_406,
        };
        let config = TrmConfig::from_all_config_yaml(ALL_CONFIG_YAML, Some(dataset)).unwrap();
        assert_eq!(config, TrmConfig::arc_agi_1(876_406));
    }

    #[test]
    fn yaml_without_dataset_shape_names_field() {
        let error = TrmConfig::from_all_config_yaml(ALL_CONFIG_YAML, None).unwrap_err();
        assert_eq!(field_of(error), "seq_len");
    }

    #[test]
    fn yaml_rejects_other_arch() {
        let text = ALL_CONFIG_YAML.replace("recursive_reasoning.trm@TinyRecursiveReasoningModel_ACTV1", "recursive_reasoning.transformers_baseline@Model_ACTV2");
        let error = TrmConfig::from_all_config_yaml(&text, None).unwrap_err();
        assert!(matches!(error, ConfigError::UnsupportedArchitecture { .. }), "{error}");
    }

    /// The `arch` section of an HRM run, as sapientinc/HRM's `pretrain.py`
    /// dumps `config/arch/hrm_v1.yaml` (no `puzzle_emb_len`, `mlp_t` or `no_ACT_continue`).
    const HRM_ALL_CONFIG_YAML: &str = "
arch:
  H_cycles: 2
  H_layers: 4
  L_cycles: 2
  L_layers: 4
  expansion: 4
  halt_exploration_prob: 0.1
  halt_max_steps: 16
  hidden_size: 512
  loss:
    loss_type: stablemax_cross_entropy
    name: losses@ACTLossHead
  name: hrm.hrm_act_v1@HierarchicalReasoningModel_ACTV1
  num_heads: 8
  pos_encodings: rope
  puzzle_emb_ndim: 512
global_batch_size: 768
";

    #[test]
    fn yaml_hrm_arch_is_hrm_preset() {
        let dataset = DatasetShape {
            seq_len: 900,
            vocab_size: 12,
            num_puzzle_identifiers: 1_000,
        };
        let config = TrmConfig::from_all_config_yaml(HRM_ALL_CONFIG_YAML, Some(dataset)).unwrap();
        assert_eq!(config, TrmConfig::hrm_arc_agi_2(1_000));
        assert_eq!(config.family, Family::Hrm);
        assert_eq!(config.puzzle_emb_positions(), 1);
    }

    #[test]
    fn json_family_from_H_layers() {
        let hrm = ARC_SMALL_JSON
            .replace("\"H_layers\": 0", "\"H_layers\": 2")
            .replace("\"puzzle_emb_len\": 16,", "")
            .replace("\"no_ACT_continue\": true,", "");
        let config = TrmConfig::from_json_str(&hrm).unwrap();
        assert_eq!(config.family, Family::Hrm);
        assert_eq!(config.total_seq_len(), 901);
        assert!(!config.no_ACT_continue);

        let trm = TrmConfig::from_json_str(ARC_SMALL_JSON).unwrap();
        assert_eq!(trm.family, Family::Trm);
    }

    #[test]
    fn json_family_from_name() {
        let named = ARC_SMALL_JSON.replace("{", "{ \"name\": \"hrm.hrm_act_v1@HierarchicalReasoningModel_ACTV1\",");
        let error = TrmConfig::from_json_str(&named).unwrap_err();
        assert_eq!(
            error.to_string(),
            "config field `H_layers` is 0: HRM updates z_H with its own H_level, so it must be at least 1"
        );

        let conflicting = ARC_SMALL_JSON.replace("{", "{ \"name\": \"recursive_reasoning.trm@TinyRecursiveReasoningModel_ACTV1\", \"family\": \"hrm\",");
        let error = TrmConfig::from_json_str(&conflicting).unwrap_err();
        assert!(matches!(error, ConfigError::FamilyConflict { .. }), "{error}");
    }

    #[test]
    fn hrm_puzzle_emb_len_must_be_ceil() {
        let mut config = TrmConfig::hrm_arc_agi_2(10);
        config.puzzle_emb_len = 1;
        config.validate().unwrap();
        config.puzzle_emb_len = 16;
        assert_eq!(field_of(config.validate().unwrap_err()), "puzzle_emb_len");
    }

    #[test]
    fn serialised_config_round_trips() {
        let config = TrmConfig::hrm_maze_hard();
        let text = serde_json::to_string(&config).unwrap();
        assert_eq!(TrmConfig::from_json_str(&text).unwrap(), config);
    }

    #[test]
    fn yaml_without_arch_section() {
        let error = TrmConfig::from_all_config_yaml("lr: 0.1\n", None).unwrap_err();
        assert!(matches!(error, ConfigError::MissingArchSection), "{error}");
    }

    #[test]
    fn missing_field_is_named() {
        let text = ARC_SMALL_JSON.replace("\"hidden_size\": 64,", "");
        let error = TrmConfig::from_json_str(&text).unwrap_err();
        assert_eq!(error.to_string(), "config field `hidden_size` is missing");
    }

    #[test]
    fn invalid_values_are_named() {
        let cases = [
            ("\"num_heads\": 4", "\"num_heads\": 5", "num_heads"),
            ("\"num_heads\": 4", "\"num_heads\": 0", "num_heads"),
            ("\"pos_encodings\": \"rope\"", "\"pos_encodings\": \"alibi\"", "pos_encodings"),
            ("\"forward_dtype\": \"float32\"", "\"forward_dtype\": \"int8\"", "forward_dtype"),
            // Without a `name`, a non-zero H_layers would make the config an HRM.
            ("\"H_layers\": 0", "\"H_layers\": 2, \"name\": \"recursive_reasoning.trm@TinyRecursiveReasoningModel_ACTV1\"", "H_layers"),
            ("\"L_cycles\": 2", "\"L_cycles\": 0", "L_cycles"),
            ("\"expansion\": 4.0", "\"expansion\": -1.0", "expansion"),
            ("\"halt_exploration_prob\": 0.0", "\"halt_exploration_prob\": 1.5", "halt_exploration_prob"),
            ("\"vocab_size\": 12", "\"vocab_size\": 12, \"rope_theta\": 0.0", "rope_theta"),
        ];
        for (from, to, field) in cases {
            let text = ARC_SMALL_JSON.replace(from, to);
            assert_ne!(text, ARC_SMALL_JSON, "case {to} did not change the JSON");
            let error = TrmConfig::from_json_str(&text).unwrap_err();
            let message = error.to_string();
            assert_eq!(field_of(error), field, "{to}: {message}");
        }
    }

    #[test]
    fn invalid_value_message_shows_value() {
        let text = ARC_SMALL_JSON.replace("\"num_heads\": 4", "\"num_heads\": 5");
        let message = TrmConfig::from_json_str(&text).unwrap_err().to_string();
        assert_eq!(message, "config field `num_heads` is 5: must divide hidden_size 64");
    }

    #[test]
    fn puzzle_emb_too_wide_for_positions() {
        let text = ARC_SMALL_JSON.replace("\"puzzle_emb_len\": 16", "\"puzzle_emb_len\": 1").replace("\"puzzle_emb_ndim\": 64", "\"puzzle_emb_ndim\": 100");
        let error = TrmConfig::from_json_str(&text).unwrap_err();
        assert_eq!(field_of(error), "puzzle_emb_len");
    }

    #[test]
    fn puzzle_emb_len_zero_is_ceil_division() {
        let text = ARC_SMALL_JSON.replace("\"puzzle_emb_len\": 16", "\"puzzle_emb_len\": 0").replace("\"puzzle_emb_ndim\": 64", "\"puzzle_emb_ndim\": 130");
        let config = TrmConfig::from_json_str(&text).unwrap();
        assert_eq!(config.puzzle_emb_positions(), 3);
        assert_eq!(config.total_seq_len(), 903);
    }

    #[test]
    fn presets_validate() {
        for config in [
            TrmConfig::arc_agi_1(876_406),
            TrmConfig::arc_agi_2(1_000),
            TrmConfig::sudoku_extreme(),
            TrmConfig::maze_hard(),
            TrmConfig::hrm_arc_agi_2(1_000),
            TrmConfig::hrm_sudoku_extreme(),
            TrmConfig::hrm_maze_hard(),
        ] {
            config.validate().unwrap();
        }
        let sudoku = TrmConfig::sudoku_extreme();
        assert!(sudoku.mlp_t);
        assert_eq!(sudoku.pos_encodings, PosEncodings::None);
        assert_eq!((sudoku.seq_len, sudoku.vocab_size, sudoku.L_cycles), (81, 11, 6));
        let maze = TrmConfig::maze_hard();
        assert_eq!((maze.seq_len, maze.vocab_size, maze.pos_encodings), (900, 6, PosEncodings::Rope));
        assert_eq!(TrmConfig::arc_agi_1(10).L_cycles, 4);
    }
}
