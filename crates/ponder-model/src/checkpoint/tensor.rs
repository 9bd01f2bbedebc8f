//! Host tensors and borrowed views into a checkpoint's bytes.

use std::fmt;
use std::ops::Range;

use half::{bf16, f16};

use super::CheckpointError;

/// Element type of a tensor as stored in the checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    F64,
    F32,
    F16,
    BF16,
    I64,
    I32,
    I16,
    I8,
    U8,
    Bool,
}

impl DType {
    /// Size of one element in bytes.
    pub fn size(self) -> usize {
        match self {
            DType::F64 | DType::I64 => 8,
            DType::F32 | DType::I32 => 4,
            DType::F16 | DType::BF16 | DType::I16 => 2,
            DType::I8 | DType::U8 | DType::Bool => 1,
        }
    }

    /// Returns whether values of this type are read as f32 (otherwise as i64).
    pub fn is_float(self) -> bool {
        matches!(self, DType::F64 | DType::F32 | DType::F16 | DType::BF16)
    }

    /// Name as safetensors spells it (`F32`, `BF16`, `BOOL`, ...).
    pub fn name(self) -> &'static str {
        match self {
            DType::F64 => "F64",
            DType::F32 => "F32",
            DType::F16 => "F16",
            DType::BF16 => "BF16",
            DType::I64 => "I64",
            DType::I32 => "I32",
            DType::I16 => "I16",
            DType::I8 => "I8",
            DType::U8 => "U8",
            DType::Bool => "BOOL",
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Float type that writers store float tensors in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FloatFormat {
    #[default]
    F32,
    F16,
    BF16,
}

impl FloatFormat {
    /// Returns the matching [`DType`].
    pub fn dtype(self) -> DType {
        match self {
            FloatFormat::F32 => DType::F32,
            FloatFormat::F16 => DType::F16,
            FloatFormat::BF16 => DType::BF16,
        }
    }
}

/// Values of a host tensor in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub enum TensorData {
    /// Values of a float tensor (f64, f32, f16 or bf16 in the file).
    F32(Vec<f32>),
    /// Values of an integer or bool tensor.
    I64(Vec<i64>),
}

/// A tensor in host memory: shape, dtype in the file, and row-major values.
#[derive(Debug, Clone, PartialEq)]
pub struct HostTensor {
    shape: Vec<usize>,
    dtype: DType,
    data: TensorData,
}

impl HostTensor {
    /// Creates a tensor, checking that the number of values matches the shape
    /// and that float dtypes come with f32 values and integer dtypes with i64.
    pub fn new(shape: Vec<usize>, dtype: DType, data: TensorData) -> Result<Self, CheckpointError> {
        let numel = checked_numel(&shape).ok_or_else(|| CheckpointError::InvalidTensor {
            message: format!("shape {shape:?} has more elements than fit in memory"),
        })?;
        let (len, values_are_float) = match &data {
            TensorData::F32(values) => (values.len(), true),
            TensorData::I64(values) => (values.len(), false),
        };
        if len != numel {
            return Err(CheckpointError::InvalidTensor {
                message: format!("shape {shape:?} needs {numel} values, found {len}"),
            });
        }
        if values_are_float != dtype.is_float() {
            let kind = if values_are_float { "f32" } else { "i64" };
            return Err(CheckpointError::InvalidTensor {
                message: format!("dtype {dtype} cannot hold {kind} values"),
            });
        }
        Ok(Self { shape, dtype, data })
    }

    /// Creates an f32 tensor.
    pub fn from_f32(shape: Vec<usize>, values: Vec<f32>) -> Result<Self, CheckpointError> {
        Self::new(shape, DType::F32, TensorData::F32(values))
    }

    /// Creates an i64 tensor.
    pub fn from_i64(shape: Vec<usize>, values: Vec<i64>) -> Result<Self, CheckpointError> {
        Self::new(shape, DType::I64, TensorData::I64(values))
    }

    /// Shape, outermost dimension first.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Element type in the file this tensor was read from.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// Values in row-major order.
    pub fn data(&self) -> &TensorData {
        &self.data
    }

    /// Number of elements.
    pub fn numel(&self) -> usize {
        match &self.data {
            TensorData::F32(values) => values.len(),
            TensorData::I64(values) => values.len(),
        }
    }

    /// Values of a float tensor, or `None` for an integer tensor.
    pub fn as_f32(&self) -> Option<&[f32]> {
        match &self.data {
            TensorData::F32(values) => Some(values),
            TensorData::I64(_) => None,
        }
    }

    /// Values of an integer or bool tensor, or `None` for a float tensor.
    pub fn as_i64(&self) -> Option<&[i64]> {
        match &self.data {
            TensorData::I64(values) => Some(values),
            TensorData::F32(_) => None,
        }
    }

    /// Takes the values of a float tensor, or returns `None` for an integer tensor.
    pub fn into_f32(self) -> Option<Vec<f32>> {
        match self.data {
            TensorData::F32(values) => Some(values),
            TensorData::I64(_) => None,
        }
    }
}

/// A tensor inside a checkpoint's bytes: dtype, shape, strides and offset in
/// elements, and the storage it reads from.
///
/// Construction checks that every element the shape and strides reach lies
/// inside the storage, so reading never goes out of bounds.
#[derive(Debug, Clone)]
pub struct TensorView<'a> {
    dtype: DType,
    shape: Vec<usize>,
    strides: Vec<usize>,
    offset: usize,
    storage: &'a [u8],
}

impl<'a> TensorView<'a> {
    /// Creates a view of a row-major tensor that fills `storage` exactly.
    pub(crate) fn contiguous(
        dtype: DType,
        shape: Vec<usize>,
        storage: &'a [u8],
    ) -> Result<Self, String> {
        let strides = contiguous_strides(&shape)
            .ok_or_else(|| format!("shape {shape:?} has more elements than fit in memory"))?;
        let numel = checked_numel(&shape).unwrap_or(usize::MAX);
        let expected = numel.checked_mul(dtype.size());
        if expected != Some(storage.len()) {
            return Err(format!(
                "shape {shape:?} of {dtype} needs {} bytes, found {}",
                expected.map_or("more".to_string(), |bytes| bytes.to_string()),
                storage.len()
            ));
        }
        Self::strided(dtype, shape, strides, 0, storage)
    }

    /// Creates a view with explicit strides and offset, in elements.
    pub(crate) fn strided(
        dtype: DType,
        shape: Vec<usize>,
        strides: Vec<usize>,
        offset: usize,
        storage: &'a [u8],
    ) -> Result<Self, String> {
        if strides.len() != shape.len() {
            return Err(format!(
                "shape {shape:?} has {} dimensions but stride {strides:?} has {}",
                shape.len(),
                strides.len()
            ));
        }
        let numel = checked_numel(&shape)
            .ok_or_else(|| format!("shape {shape:?} has more elements than fit in memory"))?;

        if numel > 0 {
            let storage_elements = storage.len() / dtype.size();
            let last = last_element(&shape, &strides, offset).ok_or_else(|| {
                format!("shape {shape:?} with stride {strides:?} and offset {offset} overflows")
            })?;
            if last >= storage_elements {
                return Err(format!(
                    "shape {shape:?} with stride {strides:?} and storage offset {offset} \
                     reaches element {last}, but the storage holds {storage_elements} \
                     {dtype} elements"
                ));
            }
        }

        Ok(Self {
            dtype,
            shape,
            strides,
            offset,
            storage,
        })
    }

    /// Element type in the file.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// Shape, outermost dimension first.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Number of elements.
    pub fn numel(&self) -> usize {
        // The constructor checked that the product fits.
        self.shape.iter().product()
    }

    /// Copies the tensor into host memory in row-major order.
    pub fn to_host(&self, key: &str) -> Result<HostTensor, CheckpointError> {
        let numel = self.numel();
        let too_large = || CheckpointError::InvalidTensor {
            message: format!(
                "tensor `{key}` of shape {:?} does not fit in memory",
                self.shape
            ),
        };
        let rows = self.shape.first().copied().unwrap_or(1);

        let data = if self.dtype.is_float() {
            let mut values = Vec::new();
            values.try_reserve_exact(numel).map_err(|_| too_large())?;
            self.for_each_run(0..rows, |start, len| {
                decode_f32(self.dtype, self.run_bytes(start, len), &mut values)
            });
            TensorData::F32(values)
        } else {
            let mut values = Vec::new();
            values.try_reserve_exact(numel).map_err(|_| too_large())?;
            self.for_each_run(0..rows, |start, len| {
                decode_i64(self.dtype, self.run_bytes(start, len), &mut values)
            });
            TensorData::I64(values)
        };

        Ok(HostTensor {
            shape: self.shape.clone(),
            dtype: self.dtype,
            data,
        })
    }

    /// Appends rows `rows` (along the first dimension) to `out` as f32 in
    /// row-major order; integer values are converted with `as f32`.
    pub fn read_rows_f32(&self, rows: Range<usize>, out: &mut Vec<f32>) -> Result<(), CheckpointError> {
        let Some(&row_count) = self.shape.first() else {
            return Err(CheckpointError::InvalidTensor {
                message: "a scalar tensor has no rows".to_string(),
            });
        };
        if rows.start > rows.end || rows.end > row_count {
            return Err(CheckpointError::InvalidTensor {
                message: format!(
                    "rows {}..{} are out of range for a tensor of {row_count} rows",
                    rows.start, rows.end
                ),
            });
        }

        let float = self.dtype.is_float();
        let mut integers = Vec::new();
        self.for_each_run(rows, |start, len| {
            let bytes = self.run_bytes(start, len);
            if float {
                decode_f32(self.dtype, bytes, out);
            } else {
                integers.clear();
                decode_i64(self.dtype, bytes, &mut integers);
                out.extend(integers.iter().map(|&value| value as f32));
            }
        });
        Ok(())
    }

    /// Bytes of `len` consecutive elements starting at element `start`.
    fn run_bytes(&self, start: usize, len: usize) -> &'a [u8] {
        let size = self.dtype.size();
        // In bounds: the constructor checked that every reachable element lies
        // inside the storage, and runs only cover reachable elements.
        &self.storage[start * size..(start + len) * size]
    }

    /// Calls `emit(first_element, len)` for each run of consecutive elements
    /// of `rows`, in row-major order.
    fn for_each_run(&self, rows: Range<usize>, mut emit: impl FnMut(usize, usize)) {
        // A scalar is one row of one element.
        let (row_stride, inner_shape, inner_strides) = match self.shape.split_first() {
            Some((_, inner)) => (self.strides[0], inner, &self.strides[1..]),
            None => (0, &[][..], &[][..]),
        };

        // Merge the trailing dimensions that are laid out contiguously into
        // one run; the dimensions before `split` are walked one by one.
        let mut run = 1usize;
        let mut split = inner_shape.len();
        while split > 0 {
            let dim = split - 1;
            if inner_shape[dim] == 1 || inner_strides[dim] == run {
                run *= inner_shape[dim];
                split = dim;
            } else {
                break;
            }
        }
        let outer_shape = &inner_shape[..split];
        let outer_strides = &inner_strides[..split];
        let outer_count: usize = outer_shape.iter().product();
        if run == 0 || outer_count == 0 {
            return;
        }

        let mut index = vec![0usize; split];
        for row in rows {
            let row_start = self.offset + row * row_stride;
            for _ in 0..outer_count {
                let start = row_start
                    + index
                        .iter()
                        .zip(outer_strides)
                        .map(|(i, stride)| i * stride)
                        .sum::<usize>();
                emit(start, run);

                for dim in (0..split).rev() {
                    index[dim] += 1;
                    if index[dim] < outer_shape[dim] {
                        break;
                    }
                    index[dim] = 0;
                }
            }
        }
    }
}

/// Product of the dimensions, or `None` on overflow.
pub(crate) fn checked_numel(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |product, &dim| product.checked_mul(dim))
}

/// Row-major strides of a shape, or `None` on overflow.
fn contiguous_strides(shape: &[usize]) -> Option<Vec<usize>> {
    let mut strides = vec![0; shape.len()];
    let mut stride = 1usize;
    for (dim, size) in shape.iter().enumerate().rev() {
        strides[dim] = stride;
        stride = stride.checked_mul(*size)?;
    }
    Some(strides)
}

/// Index of the last element a non-empty strided tensor reaches, or `None`
/// on overflow.
fn last_element(shape: &[usize], strides: &[usize], offset: usize) -> Option<usize> {
    shape
        .iter()
        .zip(strides)
        .try_fold(offset, |last, (&size, &stride)| {
            last.checked_add(size.checked_sub(1)?.checked_mul(stride)?)
        })
}

/// Appends little-endian float values of `dtype` to `out` as f32.
fn decode_f32(dtype: DType, bytes: &[u8], out: &mut Vec<f32>) {
    match dtype {
        DType::F32 => out.extend(
            bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        ),
        DType::F16 => out.extend(
            bytes
                .chunks_exact(2)
                .map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32()),
        ),
        DType::BF16 => out.extend(
            bytes
                .chunks_exact(2)
                .map(|b| bf16::from_le_bytes([b[0], b[1]]).to_f32()),
        ),
        DType::F64 => out.extend(bytes.chunks_exact(8).map(|b| {
            f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32
        })),
        DType::I64 | DType::I32 | DType::I16 | DType::I8 | DType::U8 | DType::Bool => {
            let mut integers = Vec::with_capacity(bytes.len() / dtype.size());
            decode_i64(dtype, bytes, &mut integers);
            out.extend(integers.into_iter().map(|value| value as f32));
        }
    }
}

/// Appends little-endian integer values of `dtype` to `out` as i64.
fn decode_i64(dtype: DType, bytes: &[u8], out: &mut Vec<i64>) {
    match dtype {
        DType::I64 => out.extend(bytes.chunks_exact(8).map(|b| {
            i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
        })),
        DType::I32 => out.extend(
            bytes
                .chunks_exact(4)
                .map(|b| i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
        ),
        DType::I16 => out.extend(
            bytes
                .chunks_exact(2)
                .map(|b| i64::from(i16::from_le_bytes([b[0], b[1]]))),
        ),
        DType::I8 => out.extend(bytes.iter().map(|&b| i64::from(b as i8))),
        DType::U8 => out.extend(bytes.iter().map(|&b| i64::from(b))),
        DType::Bool => out.extend(bytes.iter().map(|&b| i64::from(b != 0))),
        DType::F64 | DType::F32 | DType::F16 | DType::BF16 => {
            let mut floats = Vec::with_capacity(bytes.len() / dtype.size());
            decode_f32(dtype, bytes, &mut floats);
            out.extend(floats.into_iter().map(|value| value as i64));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f32_bytes(values: &[f32]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    #[test]
    fn strided_view_gathers_transpose() {
        let storage = f32_bytes(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        // A [2, 3] tensor transposed to [3, 2].
        let view = TensorView::strided(DType::F32, vec![3, 2], vec![1, 3], 0, &storage).unwrap();
        let host = view.to_host("t").unwrap();
        assert_eq!(host.as_f32().unwrap(), &[0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
        assert_eq!(host.shape(), &[3, 2]);
    }

    #[test]
    fn strided_view_reads_rows_with_offset() {
        let storage = f32_bytes(&(0..12).map(|i| i as f32).collect::<Vec<_>>());
        // Columns 1..3 of a [3, 4] tensor.
        let view = TensorView::strided(DType::F32, vec![3, 2], vec![4, 1], 1, &storage).unwrap();
        let mut rows = Vec::new();
        view.read_rows_f32(1..3, &mut rows).unwrap();
        assert_eq!(rows, vec![5.0, 6.0, 9.0, 10.0]);
    }

    #[test]
    fn strided_view_rejects_out_of_bounds() {
        let storage = f32_bytes(&[0.0; 6]);
        let error = TensorView::strided(DType::F32, vec![3, 2], vec![1, 3], 1, &storage).unwrap_err();
        assert_eq!(
            error,
            "shape [3, 2] with stride [1, 3] and storage offset 1 reaches element 6, \
             but the storage holds 6 F32 elements"
        );
    }

    #[test]
    fn broadcast_stride_zero_repeats() {
        let storage = f32_bytes(&[7.0, 8.0]);
        let view = TensorView::strided(DType::F32, vec![3, 2], vec![0, 1], 0, &storage).unwrap();
        let host = view.to_host("t").unwrap();
        assert_eq!(host.as_f32().unwrap(), &[7.0, 8.0, 7.0, 8.0, 7.0, 8.0]);
    }

    #[test]
    fn read_rows_rejects_range_past_end() {
        let storage = f32_bytes(&[0.0; 4]);
        let view = TensorView::contiguous(DType::F32, vec![2, 2], &storage).unwrap();
        let error = view.read_rows_f32(1..3, &mut Vec::new()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid tensor: rows 1..3 are out of range for a tensor of 2 rows"
        );
    }

    #[test]
    fn integer_tensors_stay_integers() {
        let storage: Vec<u8> = [-3i64, 1 << 40].iter().flat_map(|v| v.to_le_bytes()).collect();
        let view = TensorView::contiguous(DType::I64, vec![2], &storage).unwrap();
        let host = view.to_host("t").unwrap();
        assert_eq!(host.as_i64().unwrap(), &[-3, 1 << 40]);
        assert_eq!(host.as_f32(), None);
    }

    #[test]
    fn scalar_view_reads_one_value() {
        let storage = f32_bytes(&[2.5]);
        let view = TensorView::contiguous(DType::F32, vec![], &storage).unwrap();
        assert_eq!(view.to_host("t").unwrap().as_f32().unwrap(), &[2.5]);
    }

    #[test]
    fn host_tensor_checks_length() {
        let error = HostTensor::from_f32(vec![2, 3], vec![0.0; 5]).unwrap_err();
        assert_eq!(error.to_string(), "invalid tensor: shape [2, 3] needs 6 values, found 5");
    }
}
