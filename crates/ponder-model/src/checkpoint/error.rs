//! Errors of the checkpoint readers and of the puzzle-embedding shards.

/// Failure to read or write a checkpoint or a puzzle-embedding file.
///
/// `file` is the name the caller passed along with the bytes (a path or a URL).
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error(
        "{file}: unknown checkpoint format: expected a PyTorch zip archive (torch.save) \
         or a safetensors file, found {found}"
    )]
    UnknownFormat { file: String, found: String },

    #[error("{file}: invalid safetensors file: {message}")]
    Safetensors { file: String, message: String },

    #[error("{file}: invalid PyTorch zip archive: {message}")]
    Zip { file: String, message: String },

    #[error("{file}: {error}")]
    Pickle { file: String, error: PickleError },

    #[error("{file}: not a state_dict: {message}")]
    NotStateDict { file: String, message: String },

    #[error("{file}: tensor `{key}`: {message}")]
    Tensor {
        file: String,
        key: String,
        message: String,
    },

    #[error(
        "{file}: keys `{first}` and `{second}` both map to `{canonical}` once the \
         `_orig_mod.`, `model.` and `inner.` prefixes are stripped"
    )]
    DuplicateKey {
        file: String,
        first: String,
        second: String,
        canonical: String,
    },

    #[error("invalid tensor: {message}")]
    InvalidTensor { message: String },

    #[error("{file}: {message}")]
    PuzzleEmb { file: String, message: String },

    #[error("failed to serialize safetensors: {message}")]
    Serialize { message: String },

    #[cfg(not(target_arch = "wasm32"))]
    #[error("failed to read {path}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Failure to read the pickle inside a `.pt` file.
///
/// `entry` is the pickle's path inside the zip archive (for example
/// `archive/data.pkl`) and `position` the byte offset of the opcode at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PickleError {
    #[error(
        "unsupported pickle global `{name}` at byte {position} of {entry}: \
         a checkpoint may only contain tensors"
    )]
    UnsupportedGlobal {
        name: String,
        position: usize,
        entry: String,
    },

    #[error(
        "unsupported pickle opcode {opcode_name} (0x{opcode:02x}) at byte {position} of {entry}: \
         a checkpoint may only contain tensors"
    )]
    UnsupportedOpcode {
        opcode: u8,
        opcode_name: &'static str,
        position: usize,
        entry: String,
    },

    #[error("truncated pickle: {entry} ends inside the opcode at byte {position}")]
    Truncated { position: usize, entry: String },

    #[error("invalid pickle at byte {position} of {entry}: {message}")]
    Invalid {
        message: String,
        position: usize,
        entry: String,
    },
}
