//! Residual add and RMSNorm in one GPU pass: `shaders/add_rms_norm.wgsl`.
//!
//! Every TRM block ends its two sub-layers with `rms_norm(residual + out)`.
//! Burn runs that as six operations (add, square, mean, add eps, sqrt,
//! divide), each a pass over the whole state. This wrapper runs the
//! hand-written kernel instead when the tensors are f32 burn-wgpu tensors
//! without autodiff, and burn's operations otherwise.

use burn::backend::wgpu::{KernelSource, SourceKernel, SourceTemplate, into_contiguous};
use burn::prelude::*;
use burn_cubecl::cubecl::CubeDim;
use burn_cubecl::cubecl::prelude::KernelId;
use burn_cubecl::cubecl::server::KernelArguments;
use burn_cubecl::tensor::CubeTensor;

use super::launch::{WORKGROUP_SIZE, empty_f32, grid, into_tensor, shape_buffer, wgpu_f32};
use super::{Kernel, count_launch, enabled};
use crate::rms_norm::rms_norm;

/// `rms_norm(x + residual, eps)` over the last axis.
///
/// # Shapes
///
/// - x, residual: `[..., width]`, the same shape
/// - output: same as x
pub fn add_rms_norm<const D: usize>(x: Tensor<D>, residual: Tensor<D>, eps: f64) -> Tensor<D> {
    if enabled(Kernel::AddRmsNorm) {
        if let Some(output) = try_kernel(x.clone(), residual.clone(), eps) {
            return output;
        }
    }
    rms_norm(x + residual, eps)
}

/// Runs the hand-written kernel even when its switch is off, or returns `None`
/// when the tensors are not f32 burn-wgpu tensors of one shape. Tests call it
/// to compare the kernel with burn's own operations.
pub fn try_kernel<const D: usize>(x: Tensor<D>, residual: Tensor<D>, eps: f64) -> Option<Tensor<D>> {
    if x.dims() != residual.dims() {
        return None;
    }
    let x = wgpu_f32(x)?;
    let residual = wgpu_f32(residual)?;
    Some(into_tensor(launch(x, residual, eps as f32)))
}

/// The kernel's source: `shaders/add_rms_norm.wgsl`, which has no template placeholders.
struct AddRmsNormSource;

impl KernelSource for AddRmsNormSource {
    fn source(&self) -> SourceTemplate {
        SourceTemplate::new(include_str!("../../../../shaders/add_rms_norm.wgsl"))
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>()
    }

    fn lang(&self) -> &'static str {
        "wgsl"
    }
}

/// Launches the kernel on two tensors of one shape, already known to be f32.
fn launch(x: CubeTensor, residual: CubeTensor, eps: f32) -> CubeTensor {
    let x = into_contiguous(x);
    let residual = into_contiguous(residual);

    let shape = x.meta.shape().clone();
    let width = shape[shape.num_dims() - 1];
    let rows = if width == 0 { 0 } else { shape.num_elements() / width };
    let output = empty_f32(&x, shape);
    if rows == 0 {
        return output;
    }

    // One workgroup per row. Must match `struct Shape` in the shader.
    let (count, rows_per_line) = grid(rows);
    let shape = shape_buffer(&x, [rows as u32, width as u32, rows_per_line, eps.to_bits()]);

    count_launch(Kernel::AddRmsNorm);
    x.client.launch(
        Box::new(SourceKernel::new(AddRmsNormSource, CubeDim::new_1d(WORKGROUP_SIZE))),
        count,
        KernelArguments::new().with_buffers(vec![
            x.handle.clone().binding(),
            residual.handle.clone().binding(),
            output.handle.clone().binding(),
            shape.binding(),
        ]),
    );
    output
}
