//! SwiGLU's activation in one GPU pass: `shaders/silu_mul.wgsl`.
//!
//! SwiGLU projects its input to the gate and up halves in one matrix product,
//! then multiplies `silu(gate)` by `up`. Burn runs the activation as separate
//! operations over strided halves of the projection. This wrapper runs the
//! hand-written kernel instead when the projection is an f32 burn-wgpu tensor
//! without autodiff, and burn's operations otherwise.

use burn::backend::wgpu::{KernelSource, SourceKernel, SourceTemplate, into_contiguous};
use burn::prelude::*;
use burn::tensor::activation::silu;
use burn_cubecl::cubecl::CubeDim;
use burn_cubecl::cubecl::prelude::KernelId;
use burn_cubecl::cubecl::server::KernelArguments;
use burn_cubecl::tensor::CubeTensor;

use super::launch::{WORKGROUP_SIZE, empty_f32, grid, into_tensor, shape_buffer, wgpu_f32};
use super::{Kernel, count_launch, enabled};

/// `silu(gate) * up`, where `gate` and `up` are the first and second halves
/// of the last axis of `gate_up`.
///
/// # Shapes
///
/// - gate_up: `[..., 2 * inner]`
/// - output: `[..., inner]`
pub fn silu_mul<const D: usize>(gate_up: Tensor<D>) -> Tensor<D> {
    if enabled(Kernel::SiluMul) {
        if let Some(output) = try_kernel(gate_up.clone()) {
            return output;
        }
    }
    let [gate, up] = split_halves(gate_up);
    silu(gate) * up
}

/// Runs the hand-written kernel even when its switch is off, or returns `None`
/// when `gate_up` is not an f32 burn-wgpu tensor with an even last axis.
/// Tests call it to compare the kernel with burn's own operations.
pub fn try_kernel<const D: usize>(gate_up: Tensor<D>) -> Option<Tensor<D>> {
    if gate_up.dims()[D - 1] % 2 != 0 {
        return None;
    }
    let gate_up = wgpu_f32(gate_up)?;
    Some(into_tensor(launch(gate_up)))
}

/// Splits the last axis into the gate and up halves, as views.
fn split_halves<const D: usize>(gate_up: Tensor<D>) -> [Tensor<D>; 2] {
    let inner = gate_up.dims()[D - 1] / 2;
    let gate = gate_up.clone().narrow(D - 1, 0, inner);
    let up = gate_up.narrow(D - 1, inner, inner);
    [gate, up]
}

/// The kernel's source: `shaders/silu_mul.wgsl`, which has no template placeholders.
struct SiluMulSource;

impl KernelSource for SiluMulSource {
    fn source(&self) -> SourceTemplate {
        SourceTemplate::new(include_str!("../../../../shaders/silu_mul.wgsl"))
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>()
    }

    fn lang(&self) -> &'static str {
        "wgsl"
    }
}

/// Launches the kernel on a projection already known to be f32 with an even last axis.
fn launch(gate_up: CubeTensor) -> CubeTensor {
    let gate_up = into_contiguous(gate_up);

    let mut shape = gate_up.meta.shape().clone();
    let last = shape.num_dims() - 1;
    let inner = shape[last] / 2;
    shape[last] = inner;
    let elements = shape.num_elements();
    let rows = if inner == 0 { 0 } else { elements / inner };
    let output = empty_f32(&gate_up, shape);
    if elements == 0 {
        return output;
    }

    // One invocation per output value. Must match `struct Shape` in the shader.
    let (count, groups_per_line) = grid(elements.div_ceil(WORKGROUP_SIZE as usize));
    let shape = shape_buffer(&gate_up, [rows as u32, inner as u32, groups_per_line, 0]);

    count_launch(Kernel::SiluMul);
    gate_up.client.launch(
        Box::new(SourceKernel::new(SiluMulSource, CubeDim::new_1d(WORKGROUP_SIZE))),
        count,
        KernelArguments::new().with_buffers(vec![
            gate_up.handle.clone().binding(),
            output.handle.clone().binding(),
            shape.binding(),
        ]),
    );
    output
}
