//! Checkpoint readers: official TRM and HRM checkpoints, as safetensors or as
//! PyTorch `.pt` files, read into a host-side [`StateDict`] of plain Rust
//! vectors, plus the puzzle-embedding shard files that `ponder convert` writes.
//!
//! Everything here works on bytes (`&[u8]`), so the browser can pass what it
//! fetched from a URL. Only [`StateDict::open`] touches the file system, and
//! it does not exist on `wasm32`.
//!
//! # Canonical keys
//!
//! The official training script saves `model.state_dict()` of a
//! `torch.compile`d ACT loss head, so its keys look like
//! `_orig_mod.model.inner.L_level.layers.0.self_attn.qkv_proj.weight`:
//! `_orig_mod.` comes from `torch.compile`, `model.` from the loss head and
//! `inner.` from the ACT wrapper around the network. The readers strip these
//! three prefixes, each at most once and in this order, so every tensor is
//! looked up under the key that the official inner network module gives it
//! (the convention of `crate::load::strip_key_prefixes` too):
//!
//! | official key | canonical key |
//! | --- | --- |
//! | `_orig_mod.model.inner.L_level.layers.0.self_attn.qkv_proj.weight` | `L_level.layers.0.self_attn.qkv_proj.weight` |
//! | `_orig_mod.model.inner.H_init` | `H_init` |
//! | `_orig_mod.model.inner.puzzle_emb.weights` | `puzzle_emb.weights` ([`PUZZLE_EMB_KEY`]) |
//! | `_orig_mod.model.inner.H_level.layers.0.mlp.down_proj.weight` (HRM) | `H_level.layers.0.mlp.down_proj.weight` |
//!
//! A checkpoint saved without `torch.compile` or without the loss head maps to
//! the same keys. Two keys that become equal after stripping are an error.
//!
//! # Tensors
//!
//! Float tensors (f64, f32, f16, bf16) are converted to f32 and keep their
//! original [`DType`] as a label. Integer and bool tensors are kept as i64.
//! Strided PyTorch tensors (transposed views, storage offsets) are gathered
//! into row-major order.
//!
//! # Safety of `.pt` files
//!
//! A `.pt` file is a zip archive holding a pickle. The pickle reader in this
//! module builds data only: it knows the handful of globals a state_dict uses
//! (`collections.OrderedDict`, `torch._utils._rebuild_tensor_v2`,
//! `torch._utils._rebuild_parameter` and the `torch.*Storage` classes) and
//! rejects every other global and every opcode that could call or construct
//! anything else, naming it and its byte position.

mod error;
mod pickle;
mod puzzle_emb;
mod pytorch;
mod safetensors;
mod tensor;

use std::collections::BTreeMap;

pub use error::{CheckpointError, PickleError};
pub use puzzle_emb::{
    BLANK_IDENTIFIER, PUZZLE_EMB_INDEX_FORMAT, PUZZLE_EMB_KEY, PuzzleEmbIndex, PuzzleEmbShard,
    ShardEntry, encode_mean_row, encode_shard, group_rows_by_task, mean_row, parse_identifiers,
    read_mean_row, read_shard, shard_file_name, task_id_of,
};
pub use tensor::{DType, FloatFormat, HostTensor, TensorData, TensorView};

/// Prefix that `torch.compile` adds to every key of the compiled module.
const COMPILE_PREFIX: &str = "_orig_mod.";
/// Prefix of the model inside the official ACT loss head.
const LOSS_HEAD_PREFIX: &str = "model.";
/// Prefix of the network inside the official ACT wrapper.
const INNER_PREFIX: &str = "inner.";

/// Maps an official state_dict key to its canonical form by stripping one
/// leading `_orig_mod.`, then one leading `model.`, then one leading `inner.`.
pub fn canonical_key(key: &str) -> &str {
    let key = key.strip_prefix(COMPILE_PREFIX).unwrap_or(key);
    let key = key.strip_prefix(LOSS_HEAD_PREFIX).unwrap_or(key);
    key.strip_prefix(INNER_PREFIX).unwrap_or(key)
}

/// File format of a checkpoint, detected from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A zip archive written by `torch.save` (PyTorch 1.6 and later).
    PyTorch,
    /// A safetensors file.
    Safetensors,
}

/// Detects the format of a checkpoint from its first bytes.
///
/// `file` names the checkpoint in the error.
pub fn detect_format(bytes: &[u8], file: &str) -> Result<Format, CheckpointError> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Ok(Format::PyTorch);
    }

    // A safetensors file starts with the u64 length of its JSON header, and
    // the header starts with `{`.
    if bytes.len() > 8 && bytes[8] == b'{' {
        return Ok(Format::Safetensors);
    }

    let found = if bytes.is_empty() {
        "an empty file".to_string()
    } else if bytes.starts_with(&[0x80]) && bytes.len() > 1 && bytes[1] <= 5 {
        "a pickle without a zip archive around it, as written by torch.save before PyTorch 1.6 \
         (load it in PyTorch and save it again)"
            .to_string()
    } else {
        let head: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
        format!("a file starting with the bytes {}", head.join(" "))
    };
    Err(CheckpointError::UnknownFormat {
        file: file.to_string(),
        found,
    })
}

/// A parsed checkpoint whose tensors still point into the file's bytes.
///
/// Parsing checks every tensor's shape, strides and byte range but converts
/// nothing, so a caller can stream a large tensor (the puzzle-embedding table)
/// row by row with [`TensorView::read_rows_f32`] instead of holding a second
/// copy of it.
#[derive(Debug)]
pub struct Checkpoint<'a> {
    format: Format,
    tensors: BTreeMap<String, TensorView<'a>>,
}

impl<'a> Checkpoint<'a> {
    /// Parses a checkpoint in either format; `file` names it in errors.
    pub fn parse(bytes: &'a [u8], file: &str) -> Result<Self, CheckpointError> {
        let format = detect_format(bytes, file)?;
        let mut raw = match format {
            Format::PyTorch => pytorch::parse(bytes, file)?,
            Format::Safetensors => safetensors::parse(bytes, file)?,
        };
        // Sorted, so that a duplicate-key error names the keys in a stable order.
        raw.sort_by(|(left, _), (right, _)| left.cmp(right));

        let mut tensors = BTreeMap::new();
        let mut official_keys: BTreeMap<String, String> = BTreeMap::new();
        for (key, view) in raw {
            let canonical = canonical_key(&key).to_string();
            if let Some(first) = official_keys.get(&canonical) {
                return Err(CheckpointError::DuplicateKey {
                    file: file.to_string(),
                    first: first.clone(),
                    second: key,
                    canonical,
                });
            }
            official_keys.insert(canonical.clone(), key);
            tensors.insert(canonical, view);
        }
        Ok(Self { format, tensors })
    }

    /// Format the checkpoint was read from.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Tensor under a canonical key.
    pub fn get(&self, key: &str) -> Option<&TensorView<'a>> {
        self.tensors.get(key)
    }

    /// Canonical keys and tensors, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &TensorView<'a>)> {
        self.tensors.iter().map(|(key, view)| (key.as_str(), view))
    }

    /// Number of tensors.
    pub fn len(&self) -> usize {
        self.tensors.len()
    }

    /// Returns whether the checkpoint contains no tensor.
    pub fn is_empty(&self) -> bool {
        self.tensors.is_empty()
    }

    /// Converts every tensor into an owned [`HostTensor`].
    pub fn to_state_dict(&self) -> Result<StateDict, CheckpointError> {
        let mut state_dict = StateDict::new();
        for (key, view) in &self.tensors {
            state_dict.insert(key.clone(), view.to_host(key)?);
        }
        Ok(state_dict)
    }
}

/// Tensors of a checkpoint by canonical key, held in host memory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StateDict {
    tensors: BTreeMap<String, HostTensor>,
}

impl StateDict {
    /// Creates an empty state_dict.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a checkpoint in either format, detected from the bytes; `file`
    /// names it in errors.
    pub fn from_bytes(bytes: &[u8], file: &str) -> Result<Self, CheckpointError> {
        Checkpoint::parse(bytes, file)?.to_state_dict()
    }

    /// Reads a checkpoint file in either format.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Self, CheckpointError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| CheckpointError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_bytes(&bytes, &path.display().to_string())
    }

    /// Tensor under a canonical key.
    pub fn get(&self, key: &str) -> Option<&HostTensor> {
        self.tensors.get(key)
    }

    /// Removes and returns the tensor under a canonical key.
    pub fn remove(&mut self, key: &str) -> Option<HostTensor> {
        self.tensors.remove(key)
    }

    /// Inserts a tensor under `key` as given (no prefix is stripped) and
    /// returns the tensor it replaces.
    pub fn insert(&mut self, key: impl Into<String>, tensor: HostTensor) -> Option<HostTensor> {
        self.tensors.insert(key.into(), tensor)
    }

    /// Returns whether a tensor is stored under `key`.
    pub fn contains_key(&self, key: &str) -> bool {
        self.tensors.contains_key(key)
    }

    /// Keys in sorted order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.tensors.keys().map(String::as_str)
    }

    /// Keys and tensors in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &HostTensor)> {
        self.tensors.iter().map(|(key, tensor)| (key.as_str(), tensor))
    }

    /// Number of tensors.
    pub fn len(&self) -> usize {
        self.tensors.len()
    }

    /// Returns whether no tensor is stored.
    pub fn is_empty(&self) -> bool {
        self.tensors.is_empty()
    }

    /// Serializes every tensor to safetensors bytes, float tensors in
    /// `format` and integer tensors in their own dtype.
    pub fn to_safetensors(&self, format: FloatFormat) -> Result<Vec<u8>, CheckpointError> {
        safetensors::write(self.iter(), format, None)
    }
}

impl IntoIterator for StateDict {
    type Item = (String, HostTensor);
    type IntoIter = std::collections::btree_map::IntoIter<String, HostTensor>;

    fn into_iter(self) -> Self::IntoIter {
        self.tensors.into_iter()
    }
}

impl FromIterator<(String, HostTensor)> for StateDict {
    fn from_iter<I: IntoIterator<Item = (String, HostTensor)>>(iter: I) -> Self {
        Self {
            tensors: iter.into_iter().collect(),
        }
    }
}

/// Serializes named tensors to safetensors bytes, float tensors in `format`
/// and integer tensors in their own dtype, with optional `__metadata__`.
pub fn write_safetensors<'t>(
    tensors: impl IntoIterator<Item = (&'t str, &'t HostTensor)>,
    format: FloatFormat,
    metadata: Option<std::collections::HashMap<String, String>>,
) -> Result<Vec<u8>, CheckpointError> {
    safetensors::write(tensors, format, metadata)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_key_strips_wrapper_prefixes() {
        assert_eq!(
            canonical_key("_orig_mod.model.inner.L_level.layers.0.self_attn.qkv_proj.weight"),
            "L_level.layers.0.self_attn.qkv_proj.weight"
        );
        assert_eq!(canonical_key("model.inner.H_init"), "H_init");
        assert_eq!(canonical_key("_orig_mod.inner.H_init"), "H_init");
        assert_eq!(canonical_key("inner.H_init"), "H_init");
        assert_eq!(canonical_key("H_init"), "H_init");
    }

    #[test]
    fn canonical_key_strips_each_prefix_once() {
        assert_eq!(canonical_key("model.model.x"), "model.x");
        assert_eq!(canonical_key("model._orig_mod.x"), "_orig_mod.x");
        assert_eq!(canonical_key("inner.inner.x"), "inner.x");
    }

    #[test]
    fn detect_format_rejects_unknown_bytes() {
        let error = detect_format(b"\x7fELF\x02\x01\x01\x00\x00\x00", "a.out").unwrap_err();
        assert_eq!(
            error.to_string(),
            "a.out: unknown checkpoint format: expected a PyTorch zip archive (torch.save) \
             or a safetensors file, found a file starting with the bytes 7f 45 4c 46 02 01 01 00"
        );
    }

    #[test]
    fn detect_format_rejects_empty_file() {
        let error = detect_format(b"", "empty.pt").unwrap_err();
        assert_eq!(
            error.to_string(),
            "empty.pt: unknown checkpoint format: expected a PyTorch zip archive (torch.save) \
             or a safetensors file, found an empty file"
        );
    }

    #[test]
    fn detect_format_names_legacy_torch_save() {
        let error = detect_format(b"\x80\x02\x8a\x0al\xfc\x9cF\xf9", "old.pt").unwrap_err();
        assert!(
            error.to_string().contains("as written by torch.save before PyTorch 1.6"),
            "{error}"
        );
    }

    #[test]
    fn detect_format_accepts_both_formats() {
        assert_eq!(detect_format(b"PK\x03\x04rest", "a.pt").unwrap(), Format::PyTorch);
        assert_eq!(
            detect_format(b"\x02\x00\x00\x00\x00\x00\x00\x00{}", "a.safetensors").unwrap(),
            Format::Safetensors
        );
    }
}
