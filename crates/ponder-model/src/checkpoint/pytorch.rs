//! Reading the zip archives that `torch.save` writes (PyTorch 1.6 and later).
//!
//! The archive contains `{top}/data.pkl` (the pickled state_dict), one entry
//! `{top}/data/{key}` per storage with its raw little-endian bytes, and small
//! files such as `{top}/version` and `{top}/byteorder`. The top folder is
//! named after the file that was saved, so it varies. `torch.save` stores
//! every entry uncompressed, so tensors are read in place.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;
use std::rc::Rc;

use zip::result::ZipError;
use zip::{CompressionMethod, ZipArchive};

use super::pickle::{self, StorageRef, Value};
use super::tensor::TensorView;
use super::CheckpointError;

/// Location of an entry's bytes inside the archive.
struct Entry {
    start: usize,
    len: usize,
}

/// Parses a `torch.save` archive into views under the keys as stored.
pub(crate) fn parse<'a>(
    bytes: &'a [u8],
    file: &str,
) -> Result<Vec<(String, TensorView<'a>)>, CheckpointError> {
    let zip_error = |message: String| CheckpointError::Zip {
        file: file.to_string(),
        message,
    };
    let entries = read_entries(bytes, file)?;

    let pickle_names: Vec<&String> = entries
        .keys()
        .filter(|name| name.ends_with("/data.pkl") && name.matches('/').count() == 1)
        .collect();
    let pickle_name = match pickle_names.as_slice() {
        [name] => (*name).clone(),
        [] => return Err(zip_error("no `data.pkl` entry in the archive's top folder".to_string())),
        names => {
            let names: Vec<&str> = names.iter().map(|name| name.as_str()).collect();
            return Err(zip_error(format!(
                "several `data.pkl` entries: {}",
                names.join(", ")
            )));
        }
    };
    let top = &pickle_name[..pickle_name.len() - "data.pkl".len()];

    if let Some(entry) = entries.get(&format!("{top}byteorder")) {
        let order = &bytes[entry.start..entry.start + entry.len];
        if order != b"little" {
            return Err(zip_error(format!(
                "byte order `{}` is not supported: only little-endian checkpoints can be read",
                String::from_utf8_lossy(order)
            )));
        }
    }

    let pickle_entry = &entries[&pickle_name];
    let pickle_bytes = &bytes[pickle_entry.start..pickle_entry.start + pickle_entry.len];
    let root = pickle::load(pickle_bytes, &pickle_name).map_err(|error| CheckpointError::Pickle {
        file: file.to_string(),
        error,
    })?;

    let tensors = state_dict_items(root, file)?;
    let mut views = Vec::with_capacity(tensors.len());
    for (key, tensor) in tensors {
        let storage = storage_bytes(bytes, &entries, top, &tensor.storage).map_err(|message| {
            CheckpointError::Tensor {
                file: file.to_string(),
                key: key.clone(),
                message,
            }
        })?;
        let view = TensorView::strided(
            tensor.storage.dtype,
            tensor.shape.clone(),
            tensor.strides.clone(),
            tensor.offset,
            storage,
        )
        .map_err(|message| CheckpointError::Tensor {
            file: file.to_string(),
            key: key.clone(),
            message,
        })?;
        views.push((key, view));
    }
    Ok(views)
}

/// Lists the archive's entries with the byte range of their data.
fn read_entries(bytes: &[u8], file: &str) -> Result<HashMap<String, Entry>, CheckpointError> {
    let zip_error = |message: String| CheckpointError::Zip {
        file: file.to_string(),
        message,
    };
    let mut archive = ZipArchive::new(Cursor::new(bytes))
        .map_err(|error| zip_error(format!("{} (is the file complete?)", zip_message(error))))?;

    let mut entries = HashMap::with_capacity(archive.len());
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|error| zip_error(format!("entry {index}: {}", zip_message(error))))?;
        let name = entry.name().to_string();
        if entry.compression() != CompressionMethod::Stored {
            return Err(zip_error(format!(
                "entry `{name}` is compressed with {}; torch.save stores entries uncompressed",
                entry.compression()
            )));
        }
        let start = usize::try_from(entry.data_start()).ok();
        let len = usize::try_from(entry.compressed_size()).ok();
        let range = start.zip(len).and_then(|(start, len)| {
            let end = start.checked_add(len)?;
            (end <= bytes.len()).then_some(Entry { start, len })
        });
        let Some(range) = range else {
            return Err(zip_error(format!(
                "entry `{name}` of {} bytes at byte {} extends past the end of the file \
                 ({} bytes)",
                entry.compressed_size(),
                entry.data_start(),
                bytes.len()
            )));
        };
        entries.insert(name, range);
    }
    Ok(entries)
}

/// Message of a zip error without the crate's "invalid Zip archive" prefix.
fn zip_message(error: ZipError) -> String {
    match error {
        ZipError::InvalidArchive(message) | ZipError::UnsupportedArchive(message) => {
            message.to_string()
        }
        other => other.to_string(),
    }
}

/// Checks that the pickle built a dict of tensors keyed by str and returns its
/// items, the last value winning for a repeated key as in Python.
fn state_dict_items(
    root: Value,
    file: &str,
) -> Result<BTreeMap<String, Rc<pickle::TensorRef>>, CheckpointError> {
    let not_state_dict = |message: String| CheckpointError::NotStateDict {
        file: file.to_string(),
        message,
    };
    let Value::Dict(dict) = root else {
        return Err(not_state_dict(format!(
            "the pickle holds a {}, not a dict of tensors",
            root.kind()
        )));
    };

    let mut tensors = BTreeMap::new();
    for (key, value) in &dict.borrow().items {
        let Value::Str(key) = key else {
            return Err(not_state_dict(format!("a key is a {}, not a str", key.kind())));
        };
        let Value::Tensor(tensor) = value else {
            return Err(not_state_dict(format!(
                "`{key}` holds a {}, not a tensor",
                value.kind()
            )));
        };
        tensors.insert(key.to_string(), tensor.clone());
    }
    Ok(tensors)
}

/// Bytes of the storage a tensor reads, checked against the dtype's size.
fn storage_bytes<'a>(
    bytes: &'a [u8],
    entries: &HashMap<String, Entry>,
    top: &str,
    storage: &StorageRef,
) -> Result<&'a [u8], String> {
    let name = format!("{top}data/{}", storage.key);
    let entry = entries
        .get(&name)
        .ok_or_else(|| format!("storage entry `{name}` is missing from the archive"))?;
    let size = storage.dtype.size();
    if entry.len % size != 0 {
        return Err(format!(
            "storage entry `{name}` has {} bytes, not a whole number of {} elements",
            entry.len, storage.dtype
        ));
    }
    Ok(&bytes[entry.start..entry.start + entry.len])
}
