//! Attention with a backward pass of its own, for fine-tuning:
//! `shaders/attention_grad_query.wgsl` and `shaders/attention_grad_key.wgsl`.
//!
//! Fine-tuning records gradients through the last round of an ACT step, on
//! autodiff tensors. Burn's attention on autodiff is built from its tensor
//! operations, so it keeps the `[seq, seq]` probabilities of every head for
//! the backward pass and runs matrix products and a softmax backward over
//! them. Here the forward pass is the kernel of `shaders/attention.wgsl`,
//! registered with burn's autodiff as one operation that keeps only its
//! inputs and output. The backward pass recomputes the probabilities one tile
//! at a time in two kernels. The first writes the query gradient and each
//! query's softmax statistics, the second the key and value gradients.
//!
//! Routing follows the forward kernel's ([`super::attention`]): the browser
//! always takes it, native builds only where burn's scores would exceed
//! [`super::attention::BURN_SCORES_LIMIT`].

// A build with burn's fusion has no autodiff burn-wgpu tensors to take, so
// there only the checks of `try_tracked` are compiled in.
#![cfg_attr(feature = "fusion", allow(dead_code, unused_imports))]

use burn::backend::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::wgpu::{KernelSource, SourceKernel, SourceTemplate, into_contiguous};
use burn::prelude::*;
use burn::tensor::DType;
use burn_cubecl::CubeBackend;
use burn_cubecl::cubecl::CubeDim;
use burn_cubecl::cubecl::prelude::KernelId;
use burn_cubecl::cubecl::server::KernelArguments;
use burn_cubecl::tensor::CubeTensor;

use super::attention::{AttentionSource, launch_forward};
use super::launch::{WORKGROUP_SIZE, empty_f32, grid, shape_buffer};
use super::{Kernel, count_launch};

/// Rows each workgroup owns in both halves: queries in the first, keys in the
/// second. `QUERY_BLOCK` and `KEY_BLOCK` in the shaders.
const BLOCK: usize = 16;

/// Bytes of workgroup memory a kernel may use: WebGPU's default
/// `maxComputeWorkgroupStorageSize`, less a little for the shared sequence length.
const WORKGROUP_BYTES: usize = 16_384 - 16;

/// Returns the rows per tile of the other side (keys in the first half,
/// queries in the second): 16, 8 or 4, the most that fit [`WORKGROUP_BYTES`]
/// in both halves. Returns `None` for widths other than 4, 8, 16, 32 and 64:
/// rows are read as vec4 and shared out by powers of two, and a block of 16
/// rows of 128 with their gradients already fills the workgroup memory.
fn tile(head_dim: usize) -> Option<usize> {
    if !head_dim.is_power_of_two() || !(4..=64).contains(&head_dim) {
        return None;
    }
    let row = head_dim * size_of::<f32>();
    let float = size_of::<f32>();
    // Query half: queries and their output gradients, a tile of keys and of
    // values, ds, and three floats per query.
    let query_half = |tile: usize| 2 * BLOCK * row + 2 * tile * row + BLOCK * tile * float + 3 * BLOCK * float;
    // Key half: keys and values, a tile of queries and of output gradients,
    // p and ds, and two floats per query of the tile.
    let key_half = |tile: usize| 2 * BLOCK * row + 2 * tile * row + 2 * BLOCK * tile * float + 2 * tile * float;
    [16, 8, 4]
        .into_iter()
        .find(|&tile| query_half(tile).max(key_half(tile)) <= WORKGROUP_BYTES)
}

/// Runs attention on autodiff tensors through the kernels, forward and
/// backward, or returns `None` when the tensors are not f32 autodiff tensors
/// on burn-wgpu, of one shape, with a head width of 4 to 64. Runs even when
/// the kernels' switches are off: [`super::attention`] checks those, and
/// tests call this to compare the gradients with burn's.
///
/// # Shapes
///
/// - query, key, value: `[batch, seq, heads, head_dim]`
/// - output: `[batch, seq, heads, head_dim]`
pub fn try_tracked(query: Tensor<4>, key: Tensor<4>, value: Tensor<4>) -> Option<Tensor<4>> {
    #[cfg(not(feature = "fusion"))]
    return tracked(query, key, value);
    #[cfg(feature = "fusion")]
    {
        drop((query, key, value));
        None
    }
}

/// [`try_tracked`] in a build without burn's fusion.
#[cfg(not(feature = "fusion"))]
fn tracked(query: Tensor<4>, key: Tensor<4>, value: Tensor<4>) -> Option<Tensor<4>> {
    let dims = query.dims();
    if key.dims() != dims || value.dims() != dims {
        return None;
    }
    let tile = tile(dims[3])?;
    if dims.iter().try_fold(1usize, |product, &dim| product.checked_mul(dim))? > u32::MAX as usize {
        return None;
    }
    if [&query, &key, &value].iter().any(|tensor| tensor.dtype() != DType::F32) {
        return None;
    }
    let query = query.try_into_primitive::<Autodiff<CubeBackend>>().ok()?;
    let key = key.try_into_primitive::<Autodiff<CubeBackend>>().ok()?;
    let value = value.try_into_primitive::<Autodiff<CubeBackend>>().ok()?;
    let (query, query_node) = query.into_parts();
    let (key, key_node) = key.into_parts();
    let (value, value_node) = value.into_parts();

    let [query, key, value] = [query, key, value].map(into_contiguous);
    let forward = AttentionSource::for_head(dims[3])?;
    let backward = AttentionGrad { head_dim: dims[3], tile };

    let prepared = backward.prepare::<NoCheckpointing>([query_node, key_node, value_node]);
    let output = match prepared.compute_bound().stateful() {
        OpsKind::Tracked(prep) => {
            let output = launch_forward(forward, query.clone(), key.clone(), value.clone());
            prep.finish((query, key, value, output.clone()), output)
        }
        OpsKind::UnTracked(prep) => prep.finish(launch_forward(forward, query, key, value)),
    };
    Some(Tensor::from_primitive::<Autodiff<CubeBackend>>(output))
}

/// The backward step registered with burn's autodiff for one attention call.
#[derive(Debug)]
struct AttentionGrad {
    head_dim: usize,
    tile: usize,
}

impl Backward<CubeBackend, 3> for AttentionGrad {
    /// Query, key, value and output of the forward pass, contiguous.
    type State = (CubeTensor, CubeTensor, CubeTensor, CubeTensor);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [query_node, key_node, value_node] = ops.parents;
        let output_grad = into_contiguous(grads.consume::<CubeBackend>(&ops.node));
        let (query, key, value, output) = ops.state;

        let [query_grad, key_grad, value_grad] = grad(self.head_dim, self.tile, [query, key, value, output, output_grad]);

        for (node, gradient) in [(query_node, query_grad), (key_node, key_grad), (value_node, value_grad)] {
            if let Some(node) = node {
                grads.register::<CubeBackend>(node.id, gradient);
            }
        }
    }
}

/// A half of the backward pass, one kernel each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Half {
    /// `shaders/attention_grad_query.wgsl`: dq and the softmax statistics.
    Query,
    /// `shaders/attention_grad_key.wgsl`: dk and dv.
    Key,
}

/// A half's source with the head width and the tile filled in.
#[derive(Clone, Copy)]
struct GradSource {
    half: Half,
    head_dim: usize,
    tile: usize,
}

impl KernelSource for GradSource {
    fn source(&self) -> SourceTemplate {
        let d4 = self.head_dim / 4;
        let text = match self.half {
            Half::Query => include_str!("../../../../shaders/attention_grad_query.wgsl"),
            Half::Key => include_str!("../../../../shaders/attention_grad_key.wgsl"),
        };
        SourceTemplate::new(text)
            .register("d4", d4.to_string())
            .register("key_tile", self.tile.to_string())
            .register("keys_per_invocation", (self.tile / 4).to_string())
            .register("entries", (BLOCK * d4 / WORKGROUP_SIZE as usize).max(1).to_string())
            .register("block_len", (BLOCK * d4).to_string())
            .register("tile_len", (self.tile * d4).to_string())
            .register("scores_len", (BLOCK * self.tile).to_string())
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info((self.half, self.head_dim, self.tile))
    }

    fn lang(&self) -> &'static str {
        "wgsl"
    }
}

/// Runs both halves of the backward pass on contiguous f32 tensors of one
/// `[batch, seq, heads, head_dim]` shape and returns `[dq, dk, dv]`.
fn grad(head_dim: usize, tile: usize, [query, key, value, output, output_grad]: [CubeTensor; 5]) -> [CubeTensor; 3] {
    let shape = query.meta.shape().clone();
    let [batch, seq, heads] = [shape[0], shape[1], shape[2]];
    let query_grad = empty_f32(&query, shape.clone());
    let key_grad = empty_f32(&query, shape.clone());
    let value_grad = empty_f32(&query, shape);
    if batch * seq * heads == 0 {
        return [query_grad, key_grad, value_grad];
    }
    let row_stats = empty_f32(&query, [batch, heads, seq, 2].into());

    // One workgroup per (batch, head, block of 16 rows) in both halves. Must
    // match `struct Shape` in the shaders.
    let blocks = seq.div_ceil(BLOCK);
    let (count, groups_per_line) = grid(batch * heads * blocks);
    let scale = 1.0 / (head_dim as f32).sqrt();
    let shape = shape_buffer(
        &query,
        [
            batch as u32,
            seq as u32,
            heads as u32,
            blocks as u32,
            groups_per_line,
            scale.to_bits(),
            0,
            0,
        ],
    );
    let launch = |half: Half, buffers: [&CubeTensor; 7]| {
        let source = GradSource { half, head_dim, tile };
        let mut bindings: Vec<_> = buffers.iter().map(|tensor| tensor.handle.clone().binding()).collect();
        bindings.push(shape.clone().binding());
        query.client.launch(
            Box::new(SourceKernel::new(source, CubeDim::new_1d(WORKGROUP_SIZE))),
            count.clone(),
            KernelArguments::new().with_buffers(bindings),
        );
    };

    count_launch(Kernel::AttentionGrad);
    launch(Half::Query, [&query, &key, &value, &output, &output_grad, &query_grad, &row_stats]);
    launch(Half::Key, [&query, &key, &value, &output_grad, &row_stats, &key_grad, &value_grad]);
    [query_grad, key_grad, value_grad]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_fits_workgroup_memory() {
        // TRM's heads of 64 fit tiles of 8 beside their block of 16 rows;
        // narrower heads fit 16. Heads of 128 and widths that are not powers
        // of two go to burn.
        assert_eq!(tile(64), Some(8));
        assert_eq!(tile(32), Some(16));
        assert_eq!(tile(4), Some(16));
        assert_eq!(tile(128), None);
        assert_eq!(tile(48), None);
        assert_eq!(tile(2), None);
    }
}
