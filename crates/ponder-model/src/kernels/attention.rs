//! Non-causal attention in one GPU pass with an online softmax:
//! `shaders/attention.wgsl`.
//!
//! Burn's attention on wgpu (built without its `autotune` feature) writes the
//! `[seq, seq]` scores of every head to one buffer, runs a softmax over them
//! and reads them back for the product with the values. The kernel never
//! stores the scores, and it reads the `[batch, seq, heads, head_dim]` layout
//! of TRM's qkv projection directly.
//!
//! Routing, from measurements at the ARC-AGI-1 shape: in Chromium on WebGPU
//! (SwiftShader) the kernel took a third of burn's time, so in the browser
//! [`attention`] always uses it. Natively on lavapipe it took about three times
//! burn's time, so there it is used only where burn's scores would not fit
//! one buffer under WebGPU's default limits and burn's attention fails: from
//! batch 5 of the ARC-AGI-1 shape up. Native GPUs were not measured.

use std::sync::atomic::{AtomicBool, Ordering};

use burn::backend::wgpu::{KernelSource, SourceKernel, SourceTemplate, into_contiguous};
use burn::prelude::*;
use burn::tensor::module;
use burn::tensor::ops::AttentionModuleOptions;
use burn_cubecl::cubecl::CubeDim;
use burn_cubecl::cubecl::prelude::KernelId;
use burn_cubecl::cubecl::server::KernelArguments;
use burn_cubecl::tensor::CubeTensor;

use super::launch::{WORKGROUP_SIZE, empty_f32, grid, into_tensor, shape_buffer, wgpu_f32};
use super::{Kernel, attention_grad, count_launch, enabled};

/// Bytes above which burn's attention cannot hold the scores of a call in one
/// buffer: WebGPU's default `maxStorageBufferBindingSize`, which lavapipe and
/// browsers keep. Burn's attention failed to allocate past it on lavapipe.
pub const BURN_SCORES_LIMIT: usize = 128 << 20;

/// Queries per workgroup, as `QUERY_BLOCK` in the shader.
const QUERY_BLOCK: usize = 16;

/// Bytes of workgroup memory the kernel may use: WebGPU's default
/// `maxComputeWorkgroupStorageSize`, less a little for the shared sequence length.
const WORKGROUP_BYTES: usize = 16_384 - 16;

/// Returns the keys per tile for heads of `head_dim`: 16, 8 or 4, the most
/// that fit [`WORKGROUP_BYTES`] beside the block's queries. Returns `None` for
/// widths other than 4, 8, 16, 32, 64 and 128, because the kernel reads rows
/// as vec4 and shares them out by powers of two.
fn key_tile(head_dim: usize) -> Option<usize> {
    if !head_dim.is_power_of_two() || !(4..=128).contains(&head_dim) {
        return None;
    }
    let vec4 = 4 * size_of::<f32>();
    let d4 = head_dim / 4;
    let bytes = |keys: usize| QUERY_BLOCK * d4 * vec4 + 2 * keys * d4 * vec4 + QUERY_BLOCK * keys * 4 + 3 * QUERY_BLOCK * 4;
    [16, 8, 4].into_iter().find(|&keys| bytes(keys) <= WORKGROUP_BYTES)
}

/// `softmax(q k^T / sqrt(head_dim)) v` over all positions, per head, with no
/// mask. The hand-written kernel runs in the browser and, natively, where
/// burn's scores would exceed [`BURN_SCORES_LIMIT`]; on autodiff tensors it
/// runs with the backward kernels of [`super::attention_grad`]. Burn's
/// attention runs otherwise.
///
/// # Shapes
///
/// - query, key, value: `[batch, seq, heads, head_dim]`
/// - output: `[batch, seq, heads, head_dim]`
pub fn attention(query: Tensor<4>, key: Tensor<4>, value: Tensor<4>) -> Tensor<4> {
    let prefer_kernel =
        cfg!(target_arch = "wasm32") || EVERY_SIZE.load(Ordering::Relaxed) || scores_exceed_burn_limit(query.dims());
    if enabled(Kernel::Attention) && prefer_kernel {
        if let Some(output) = try_kernel(query.clone(), key.clone(), value.clone()) {
            return output;
        }
        // Autodiff tensors take the kernel only with its backward pass.
        if enabled(Kernel::AttentionGrad) {
            if let Some(output) = attention_grad::try_tracked(query.clone(), key.clone(), value.clone()) {
                return output;
            }
        }
    }
    burn_attention(query, key, value)
}

/// Set by [`prefer_kernel_at_every_size`].
static EVERY_SIZE: AtomicBool = AtomicBool::new(false);

/// Makes [`attention`] take the kernel at every size natively too, as it does
/// in the browser, for the whole process: tests use it to check the browser's
/// routing on native wgpu.
pub fn prefer_kernel_at_every_size(on: bool) {
    EVERY_SIZE.store(on, Ordering::Relaxed);
}

/// Returns whether burn's attention would need more than [`BURN_SCORES_LIMIT`]
/// bytes for the scores of `[batch, seq, heads, head_dim]` inputs.
pub fn scores_exceed_burn_limit([batch, seq, heads, _]: [usize; 4]) -> bool {
    let bytes = [batch, heads, seq, seq, size_of::<f32>()].into_iter().try_fold(1usize, usize::checked_mul);
    bytes.is_none_or(|bytes| bytes > BURN_SCORES_LIMIT)
}

/// Runs the hand-written kernel even when its switch is off, or returns `None`
/// when the tensors are not f32 burn-wgpu tensors of one shape with a head
/// width the kernel takes (4, 8, 16, 32, 64 or 128). Tests call it to compare
/// the kernel with burn's own attention.
pub fn try_kernel(query: Tensor<4>, key: Tensor<4>, value: Tensor<4>) -> Option<Tensor<4>> {
    let dims = query.dims();
    if key.dims() != dims || value.dims() != dims {
        return None;
    }
    let source = AttentionSource::for_head(dims[3])?;
    if dims.iter().try_fold(1usize, |product, &dim| product.checked_mul(dim))? > u32::MAX as usize {
        return None;
    }
    let query = wgpu_f32(query)?;
    let key = wgpu_f32(key)?;
    let value = wgpu_f32(value)?;
    Some(into_tensor(launch_forward(source, query, key, value)))
}

/// Runs burn's attention on the same layout, heads moved in front of positions
/// and back: the path taken when the kernel does not apply, and the reference
/// of the kernel's tests.
pub fn burn_attention(query: Tensor<4>, key: Tensor<4>, value: Tensor<4>) -> Tensor<4> {
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
/// key tile filled in. Each head width compiles its own pipeline.
#[derive(Clone, Copy)]
pub(super) struct AttentionSource {
    head_dim: usize,
    key_tile: usize,
}

impl AttentionSource {
    /// Returns the source for heads of `head_dim`, or `None` for a width the kernel does not take.
    pub(super) fn for_head(head_dim: usize) -> Option<Self> {
        let key_tile = key_tile(head_dim)?;
        Some(Self { head_dim, key_tile })
    }
}

impl KernelSource for AttentionSource {
    fn source(&self) -> SourceTemplate {
        let d4 = self.head_dim / 4;
        let key_tile = self.key_tile;
        SourceTemplate::new(include_str!("../../../../shaders/attention.wgsl"))
            .register("d4", d4.to_string())
            .register("key_tile", key_tile.to_string())
            .register("keys_per_invocation", (key_tile / 4).to_string())
            .register("entries", (QUERY_BLOCK * d4 / WORKGROUP_SIZE as usize).max(1).to_string())
            .register("block_len", (QUERY_BLOCK * d4).to_string())
            .register("tile_len", (key_tile * d4).to_string())
            .register("scores_len", (QUERY_BLOCK * key_tile).to_string())
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info((self.head_dim, self.key_tile))
    }

    fn lang(&self) -> &'static str {
        "wgsl"
    }
}

/// Launches the kernel on three tensors of one shape, already known to be f32.
pub(super) fn launch_forward(source: AttentionSource, query: CubeTensor, key: CubeTensor, value: CubeTensor) -> CubeTensor {
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
    let query_blocks = seq.div_ceil(QUERY_BLOCK);
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
    fn kernel_takes_batches_burn_cannot_hold() {
        // ARC-AGI-1 (916 positions, 8 heads): 26.8 MB of scores per example,
        // so batch 4 fits 128 MiB and batch 5 does not.
        assert!(!scores_exceed_burn_limit([1, 916, 8, 64]));
        assert!(!scores_exceed_burn_limit([4, 916, 8, 64]));
        assert!(scores_exceed_burn_limit([5, 916, 8, 64]));
        assert!(scores_exceed_burn_limit([8, 916, 8, 64]));
    }

    #[test]
    fn key_tile_fits_workgroup_memory() {
        // Heads up to 64 wide take 16 keys a tile. A head of 128 fits only 4
        // beside its 16 queries. Other widths go to burn.
        assert_eq!(key_tile(4), Some(16));
        assert_eq!(key_tile(64), Some(16));
        assert_eq!(key_tile(128), Some(4));
        assert_eq!(key_tile(256), None);
        assert_eq!(key_tile(48), None);
        assert_eq!(key_tile(2), None);
    }
}
