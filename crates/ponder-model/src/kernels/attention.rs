//! Non-causal attention in one GPU pass with an online softmax:
//! `shaders/attention.wgsl`.
//!
//! Burn's attention on wgpu (built without its `autotune` feature) writes the
//! `[seq, seq]` scores of every head to memory, runs a softmax over them and
//! reads them back for the product with the values. The kernel never stores
//! the scores, and it reads the `[batch, seq, heads, head_dim]` layout of
//! TRM's qkv projection directly, so the transposes before and after go too.
//! This wrapper runs it when the tensors are f32 burn-wgpu tensors without
//! autodiff and the head fits the kernel, and burn's attention otherwise.

use burn::backend::wgpu::{KernelSource, SourceKernel, SourceTemplate, into_contiguous};
use burn::prelude::*;
use burn::tensor::module;
use burn::tensor::ops::AttentionModuleOptions;
use burn_cubecl::cubecl::CubeDim;
use burn_cubecl::cubecl::prelude::KernelId;
use burn_cubecl::cubecl::server::KernelArguments;
use burn_cubecl::tensor::CubeTensor;

use super::launch::{WORKGROUP_SIZE, empty_f32, grid, shape_buffer, wgpu_f32};
use super::{Kernel, count_launch, enabled};

/// Widest head the kernel takes: a workgroup stages at least one key and one
/// value and keeps at least one query's weighted sum, within [`WORKGROUP_FLOATS`].
pub const MAX_HEAD_DIM: usize = 1024;

/// Floats of workgroup memory the kernel may use: 16,384 bytes, WebGPU's
/// default `maxComputeWorkgroupStorageSize`, less a little for the shared
/// sequence length.
const WORKGROUP_FLOATS: usize = 16_384 / size_of::<f32>() - 4;

/// Queries per workgroup and keys per tile for heads of `head_dim`: 16 of
/// each where they fit, halved (keys first) until the workgroup arrays fit
/// in [`WORKGROUP_FLOATS`].
fn blocking(head_dim: usize) -> Option<(usize, usize)> {
    let floats = |queries: usize, keys: usize| 2 * keys * head_dim + queries * keys + queries * head_dim + 3 * queries;
    let (mut queries, mut keys) = (16, 16);
    while floats(queries, keys) > WORKGROUP_FLOATS {
        if keys >= queries && keys > 1 {
            keys /= 2;
        } else if queries > 1 {
            queries /= 2;
        } else {
            return None;
        }
    }
    Some((queries, keys))
}

/// `softmax(q k^T / sqrt(head_dim)) v` over all positions, per head, with no mask.
///
/// # Shapes
///
/// - query, key, value: `[batch, seq, heads, head_dim]`
/// - output: `[batch, seq, heads, head_dim]`
pub fn attention(query: Tensor<4>, key: Tensor<4>, value: Tensor<4>) -> Tensor<4> {
    if enabled(Kernel::Attention) {
        if let Some(output) = try_kernel(query.clone(), key.clone(), value.clone()) {
            return output;
        }
    }
    burn_attention(query, key, value)
}

/// Runs the hand-written kernel even when its switch is off, or returns `None`
/// when the tensors are not f32 burn-wgpu tensors of one shape with a head of
/// at most [`MAX_HEAD_DIM`]. Tests call it to compare the kernel with burn's
/// own attention.
pub fn try_kernel(query: Tensor<4>, key: Tensor<4>, value: Tensor<4>) -> Option<Tensor<4>> {
    let dims = query.dims();
    if key.dims() != dims || value.dims() != dims || dims[3] == 0 || dims[3] > MAX_HEAD_DIM {
        return None;
    }
    let (query_block, key_tile) = blocking(dims[3])?;
    if dims.iter().try_fold(1usize, |product, &dim| product.checked_mul(dim))? > u32::MAX as usize {
        return None;
    }
    let query = wgpu_f32(query)?;
    let key = wgpu_f32(key)?;
    let value = wgpu_f32(value)?;
    let source = AttentionSource {
        head_dim: dims[3],
        query_block,
        key_tile,
    };
    Some(Tensor::from_primitive::<burn_cubecl::CubeBackend>(launch(source, query, key, value)))
}

/// Burn's attention on the same layout: heads moved in front of positions and back.
fn burn_attention(query: Tensor<4>, key: Tensor<4>, value: Tensor<4>) -> Tensor<4> {
    // [batch, heads, seq, head_dim]
    let [query, key, value] = [query, key, value].map(|t| t.swap_dims(1, 2));
    let options = AttentionModuleOptions {
        scale: None,
        softcap: None,
        is_causal: false,
    };
    let attended = module::attention(query, key, value, None, None, options);

    // [batch, seq, heads, head_dim]
    attended.swap_dims(1, 2)
}

/// The kernel's source, `shaders/attention.wgsl`, with the head width and the
/// blocking filled in. Each head width compiles its own pipeline.
#[derive(Clone, Copy)]
struct AttentionSource {
    head_dim: usize,
    query_block: usize,
    key_tile: usize,
}

impl KernelSource for AttentionSource {
    fn source(&self) -> SourceTemplate {
        let Self {
            head_dim,
            query_block,
            key_tile,
        } = *self;
        SourceTemplate::new(include_str!("../../../../shaders/attention.wgsl"))
            .register("head_dim", head_dim.to_string())
            .register("query_block", query_block.to_string())
            .register("key_tile", key_tile.to_string())
            .register("tile_len", (key_tile * head_dim).to_string())
            .register("scores_len", (query_block * key_tile).to_string())
            .register("block_len", (query_block * head_dim).to_string())
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info((self.head_dim, self.query_block, self.key_tile))
    }

    fn lang(&self) -> &'static str {
        "wgsl"
    }
}

/// Launches the kernel on three tensors of one shape, already known to be f32.
fn launch(source: AttentionSource, query: CubeTensor, key: CubeTensor, value: CubeTensor) -> CubeTensor {
    let query = into_contiguous(query);
    let key = into_contiguous(key);
    let value = into_contiguous(value);

    let shape = query.meta.shape().clone();
    let [batch, seq, heads, head_dim] = [shape[0], shape[1], shape[2], shape[3]];
    let output = empty_f32(&query, shape);
    if batch * seq * heads == 0 {
        return output;
    }

    // One workgroup per (batch, head, block of queries). Must match `struct Shape` in the shader.
    let query_blocks = seq.div_ceil(source.query_block);
    let (count, groups_per_line) = grid(batch * heads * query_blocks);
    let scale = 1.0 / (head_dim as f32).sqrt();
    let shape = shape_buffer(
        &query,
        [
            batch as u32,
            seq as u32,
            heads as u32,
            query_blocks as u32,
            groups_per_line,
            scale.to_bits(),
            0,
            0,
        ],
    );

    count_launch(Kernel::Attention);
    query.client.launch(
        Box::new(SourceKernel::new(source, CubeDim::new_1d(WORKGROUP_SIZE))),
        count,
        KernelArguments::new().with_buffers(vec![
            query.handle.clone().binding(),
            key.handle.clone().binding(),
            value.handle.clone().binding(),
            output.handle.clone().binding(),
            shape.binding(),
        ]),
    );
    output
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocking_fits_workgroup_memory() {
        // ARC-AGI-1's heads of 64 take the full 16 queries by 16 keys. Wider
        // heads halve the keys, then the queries. Past a width of 1,364 not
        // even one query and one key fit.
        assert_eq!(blocking(64), Some((16, 16)));
        assert_eq!(blocking(256), Some((4, 4)));
        assert_eq!(blocking(MAX_HEAD_DIM), Some((1, 1)));
        assert_eq!(blocking(1400), None);
    }
}
