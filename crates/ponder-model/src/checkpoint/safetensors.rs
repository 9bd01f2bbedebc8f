//! Reading and writing safetensors files.

use std::borrow::Cow;
use std::collections::HashMap;

use half::{bf16, f16};
use ::safetensors::tensor::{Dtype, SafeTensors, View};

use super::tensor::{DType, FloatFormat, HostTensor, TensorData, TensorView};
use super::CheckpointError;

/// Parses a safetensors file into views under the keys as stored.
pub(crate) fn parse<'a>(
    bytes: &'a [u8],
    file: &str,
) -> Result<Vec<(String, TensorView<'a>)>, CheckpointError> {
    let safetensors = SafeTensors::deserialize(bytes).map_err(|error| CheckpointError::Safetensors {
        file: file.to_string(),
        message: error.to_string(),
    })?;

    let mut views = Vec::with_capacity(safetensors.len());
    for (key, tensor) in safetensors.tensors() {
        let tensor_error = |message: String| CheckpointError::Tensor {
            file: file.to_string(),
            key: key.clone(),
            message,
        };
        let dtype = dtype_from_safetensors(tensor.dtype()).ok_or_else(|| {
            tensor_error(format!(
                "unsupported dtype {:?}: expected F64, F32, F16, BF16, I64, I32, I16, I8, U8 \
                 or BOOL",
                tensor.dtype()
            ))
        })?;
        let view = TensorView::contiguous(dtype, tensor.shape().to_vec(), tensor.data())
            .map_err(tensor_error)?;
        views.push((key, view));
    }
    Ok(views)
}

/// Reads the `__metadata__` map of a safetensors file.
pub(crate) fn metadata(bytes: &[u8], file: &str) -> Result<HashMap<String, String>, CheckpointError> {
    let (_, metadata) = SafeTensors::read_metadata(bytes).map_err(|error| {
        CheckpointError::Safetensors {
            file: file.to_string(),
            message: error.to_string(),
        }
    })?;
    Ok(metadata.metadata().clone().unwrap_or_default())
}

fn dtype_from_safetensors(dtype: Dtype) -> Option<DType> {
    Some(match dtype {
        Dtype::F64 => DType::F64,
        Dtype::F32 => DType::F32,
        Dtype::F16 => DType::F16,
        Dtype::BF16 => DType::BF16,
        Dtype::I64 => DType::I64,
        Dtype::I32 => DType::I32,
        Dtype::I16 => DType::I16,
        Dtype::I8 => DType::I8,
        Dtype::U8 => DType::U8,
        Dtype::BOOL => DType::Bool,
        _ => return None,
    })
}

fn dtype_to_safetensors(dtype: DType) -> Dtype {
    match dtype {
        DType::F64 => Dtype::F64,
        DType::F32 => Dtype::F32,
        DType::F16 => Dtype::F16,
        DType::BF16 => Dtype::BF16,
        DType::I64 => Dtype::I64,
        DType::I32 => Dtype::I32,
        DType::I16 => Dtype::I16,
        DType::I8 => Dtype::I8,
        DType::U8 => Dtype::U8,
        DType::Bool => Dtype::BOOL,
    }
}

/// One tensor encoded for writing.
struct Encoded<'t> {
    dtype: Dtype,
    shape: &'t [usize],
    bytes: Vec<u8>,
}

impl View for Encoded<'_> {
    fn dtype(&self) -> Dtype {
        self.dtype
    }

    fn shape(&self) -> &[usize] {
        self.shape
    }

    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.bytes)
    }

    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}

/// Serializes tensors: float tensors in `format`, integer tensors in their
/// own dtype (their values came from that dtype, so they fit).
pub(crate) fn write<'t>(
    tensors: impl IntoIterator<Item = (&'t str, &'t HostTensor)>,
    format: FloatFormat,
    metadata: Option<HashMap<String, String>>,
) -> Result<Vec<u8>, CheckpointError> {
    let encoded: Vec<(&str, Encoded)> = tensors
        .into_iter()
        .map(|(key, tensor)| (key, encode(tensor, format)))
        .collect();
    ::safetensors::serialize(encoded, metadata).map_err(|error| CheckpointError::Serialize {
        message: error.to_string(),
    })
}

fn encode(tensor: &HostTensor, format: FloatFormat) -> Encoded<'_> {
    let (dtype, bytes) = match tensor.data() {
        TensorData::F32(values) => (format.dtype(), encode_f32(values, format)),
        TensorData::I64(values) => (tensor.dtype(), encode_i64(values, tensor.dtype())),
    };
    Encoded {
        dtype: dtype_to_safetensors(dtype),
        shape: tensor.shape(),
        bytes,
    }
}

/// Encodes f32 values as little-endian bytes of `format`, rounding to nearest.
pub(crate) fn encode_f32(values: &[f32], format: FloatFormat) -> Vec<u8> {
    match format {
        FloatFormat::F32 => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        FloatFormat::F16 => values
            .iter()
            .flat_map(|&v| f16::from_f32(v).to_le_bytes())
            .collect(),
        FloatFormat::BF16 => values
            .iter()
            .flat_map(|&v| bf16::from_f32(v).to_le_bytes())
            .collect(),
    }
}

fn encode_i64(values: &[i64], dtype: DType) -> Vec<u8> {
    // The `as` casts keep the low bytes; values read from a tensor of `dtype`
    // fit in it.
    match dtype {
        DType::I32 => values.iter().flat_map(|&v| (v as i32).to_le_bytes()).collect(),
        DType::I16 => values.iter().flat_map(|&v| (v as i16).to_le_bytes()).collect(),
        DType::I8 | DType::U8 | DType::Bool => values.iter().map(|&v| v as u8).collect(),
        _ => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
    }
}
