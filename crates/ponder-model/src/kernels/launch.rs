//! Helpers shared by the wrappers of the kernels in `shaders/`: f32 burn-wgpu
//! primitives, output buffers, shape buffers and dispatch grids within
//! WebGPU's limits.

use burn::prelude::*;
use burn::tensor::{DType, Shape};
use burn_cubecl::cubecl::server::Handle;
use burn_cubecl::cubecl::CubeCount;
use burn_cubecl::tensor::CubeTensor;

/// Invocations per workgroup in every kernel; each shader's `WORKGROUP_SIZE` must match.
pub const WORKGROUP_SIZE: u32 = 64;

/// Maximum number of workgroups in one dimension of a WebGPU dispatch grid.
const MAX_GRID_LINE: usize = 65_535;

/// Returns the burn-wgpu primitive of an f32 tensor without autodiff, or
/// `None` for any other tensor (Flex, autodiff, another dtype). In a build
/// with burn's fusion (see [`super::FUSION`]) every wgpu tensor is a fused
/// one, which the kernels cannot take, so this is always `None` there.
pub fn wgpu_f32<const D: usize>(tensor: Tensor<D>) -> Option<CubeTensor> {
    if tensor.dtype() != DType::F32 {
        return None;
    }
    #[cfg(not(feature = "fusion"))]
    return tensor.try_into_primitive::<burn_cubecl::CubeBackend>().ok();
    #[cfg(feature = "fusion")]
    return None;
}

/// Wraps a kernel's output, a primitive made from [`wgpu_f32`]'s, as a burn tensor.
pub fn into_tensor<const D: usize>(output: CubeTensor) -> Tensor<D> {
    #[cfg(not(feature = "fusion"))]
    return Tensor::from_primitive::<burn_cubecl::CubeBackend>(output);
    // With fusion no kernel runs: `wgpu_f32` gives no primitive to start from.
    #[cfg(feature = "fusion")]
    unreachable!("a hand-written kernel ran on a fused tensor of shape {:?}", output.meta.shape);
}

/// Allocates a contiguous f32 tensor of `shape` on the device of `like`, its values unset.
pub fn empty_f32(like: &CubeTensor, shape: Shape) -> CubeTensor {
    let handle = like.client.empty(shape.num_elements() * size_of::<f32>());
    CubeTensor::new_contiguous(like.client.clone(), like.device.clone(), shape, handle, DType::F32)
}

/// Uploads the 32-bit words of a shader's `struct Shape`, in field order.
pub fn shape_buffer<const N: usize>(like: &CubeTensor, words: [u32; N]) -> Handle {
    let bytes: Vec<u8> = words.iter().flat_map(|word| word.to_le_bytes()).collect();
    like.client.create_from_slice(&bytes)
}

/// Lays out `groups` workgroups (at least one) on lines of at most 65,535 and
/// returns the grid with the line length, which the shader needs to number them.
pub fn grid(groups: usize) -> (CubeCount, u32) {
    let per_line = groups.clamp(1, MAX_GRID_LINE);
    let lines = groups.div_ceil(per_line).max(1);
    (CubeCount::Static(per_line as u32, lines as u32, 1), per_line as u32)
}
