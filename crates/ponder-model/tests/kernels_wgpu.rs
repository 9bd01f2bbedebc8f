//! The hand-written kernels in `shaders/` against burn's own operations on
//! native wgpu (lavapipe on CI), at the shapes TRM runs and at awkward ones.
//!
//! Each test runs the kernel first and keeps its output alive while the
//! reference is computed, so the output buffer cannot be one the reference
//! just freed. A kernel that writes nothing then leaves stale or zero values
//! there, and the comparison fails.

// A build with burn's fusion never runs the kernels (`fusion_wgpu.rs` checks that).
#![cfg(not(feature = "fusion"))]

mod common;

use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::activation::silu;
use common::wgpu_device;
use ponder_model::kernels::{self, add_rms_norm, attention, silu_mul};
use ponder_model::rms_norm::rms_norm;

const EPS: f64 = 1e-5;

/// Largest difference allowed between the kernel and burn, relative to 1 + |reference|.
/// The two sum the squares in different orders, so they agree to f32 rounding, not bit for bit.
const TOLERANCE: f32 = 2e-5;

fn random<const D: usize>(shape: [usize; D], seed: u64, device: &Device) -> Tensor<D> {
    device.seed(seed);
    Tensor::random(shape, Distribution::Normal(0.0, 1.0), device)
}

/// Runs the kernel and burn's `rms_norm(x + residual)` on the same inputs and returns the
/// largest scaled difference.
fn compare<const D: usize>(x: Tensor<D>, residual: Tensor<D>) -> f32 {
    let kernel = add_rms_norm::try_kernel(x.clone(), residual.clone(), EPS).expect("f32 wgpu tensors take the kernel");
    let kernel: Vec<f32> = kernel.into_data().try_to_vec().unwrap();

    let reference: Vec<f32> = rms_norm(x + residual, EPS).into_data().try_to_vec().unwrap();

    max_scaled_error(&kernel, &reference)
}

/// Returns the largest `|kernel - reference| / (1 + |reference|)`, after checking
/// that the lengths agree and that the kernel wrote only finite values.
fn max_scaled_error(kernel: &[f32], reference: &[f32]) -> f32 {
    assert_eq!(kernel.len(), reference.len());
    kernel
        .iter()
        .zip(reference)
        .map(|(got, want)| {
            assert!(got.is_finite(), "kernel wrote {got}");
            (got - want).abs() / (1.0 + want.abs())
        })
        .fold(0.0, f32::max)
}

fn assert_matches<const D: usize>(shape: [usize; D], seed: u64) {
    let device = wgpu_device();
    let x = random(shape, seed, &device);
    let residual = random(shape, seed + 1, &device);
    let error = compare(x, residual);
    assert!(error <= TOLERANCE, "shape {shape:?}: kernel differs from burn by {error}");
}

#[test]
fn add_rms_norm_matches_burn_at_arc_shapes() {
    // ARC-AGI-1: 16 puzzle-embedding positions + 900 tokens, hidden 512, batch 1 and 8.
    assert_matches([1, 916, 512], 10);
    assert_matches([8, 916, 512], 20);
}

#[test]
fn add_rms_norm_matches_burn_at_awkward_shapes() {
    // Widths that are not multiples of the 64-invocation workgroup, a width of
    // one, and the sequence axis that the mlp_t mixer normalises over.
    assert_matches([1, 7, 100], 30);
    assert_matches([3, 5, 1], 40);
    assert_matches([8, 97, 65], 50);
    assert_matches([2, 64, 916], 60);
    assert_matches([1, 1, 63], 70);
}

#[test]
fn add_rms_norm_past_65535_rows() {
    assert_matches([70_001, 3], 80);
}

#[test]
fn add_rms_norm_reads_strided_views() {
    let device = wgpu_device();
    // The mlp_t mixer normalises a transposed view: [batch, hidden, seq].
    let x = random([2, 81, 32], 90, &device).swap_dims(1, 2);
    let residual = random([2, 81, 32], 91, &device).swap_dims(1, 2);
    let error = compare(x, residual);
    assert!(error <= TOLERANCE, "kernel differs from burn by {error}");
}

#[test]
fn add_rms_norm_writes_the_normalised_sum() {
    // Row [3, -4] + [0, 0] has mean square 12.5; row [1, 1] + [-1, -1] is all zeros.
    let device = wgpu_device();
    let x = Tensor::<2>::from_floats([[3.0, -4.0], [1.0, 1.0]], &device);
    let residual = Tensor::<2>::from_floats([[0.0, 0.0], [-1.0, -1.0]], &device);

    let output = add_rms_norm::try_kernel(x, residual, EPS).unwrap();

    let output: Vec<f32> = output.into_data().try_to_vec().unwrap();
    let divisor = (12.5f32 + 1e-5).sqrt();
    let expected = [3.0 / divisor, -4.0 / divisor, 0.0, 0.0];
    for (got, want) in output.iter().zip(expected) {
        assert!((got - want).abs() < 1e-6, "got {output:?}, expected {expected:?}");
    }
}

#[test]
fn add_rms_norm_leaves_others_to_burn() {
    // Flex tensors, autodiff tensors and mismatched shapes take burn's operations.
    let flex = Device::flex();
    let x = Tensor::<2>::from_floats([[1.0, 2.0]], &flex);
    assert!(add_rms_norm::try_kernel(x.clone(), x.clone(), EPS).is_none());

    let device = wgpu_device();
    let tracked = Tensor::<2>::from_floats([[1.0, 2.0]], &device.clone().autodiff()).require_grad();
    assert!(add_rms_norm::try_kernel(tracked.clone(), tracked, EPS).is_none());

    let a = Tensor::<2>::from_floats([[1.0, 2.0]], &device);
    let b = Tensor::<2>::from_floats([[1.0], [2.0]], &device);
    assert!(add_rms_norm::try_kernel(a, b, EPS).is_none());

    // The switch decides what `add_rms_norm` runs; both paths give the same
    // values. The kernel's output is held until the other path has run.
    let x = random([4, 33], 100, &device);
    let residual = random([4, 33], 101, &device);
    let on = add_rms_norm(x.clone(), residual.clone(), EPS);
    kernels::set_enabled(kernels::Kernel::AddRmsNorm, false);
    let off: Vec<f32> = add_rms_norm(x, residual, EPS).into_data().try_to_vec().unwrap();
    kernels::set_enabled(kernels::Kernel::AddRmsNorm, true);
    let on: Vec<f32> = on.into_data().try_to_vec().unwrap();
    for (a, b) in on.iter().zip(&off) {
        assert!((a - b).abs() < 1e-5, "switched on {a}, off {b}");
    }
}

/// Runs the SwiGLU kernel and burn's `silu(gate) * up` on one projection and
/// returns the largest scaled difference.
fn compare_silu_mul<const D: usize>(gate_up: Tensor<D>) -> f32 {
    let kernel = silu_mul::try_kernel(gate_up.clone()).expect("f32 wgpu tensors take the kernel");
    let kernel: Vec<f32> = kernel.into_data().try_to_vec().unwrap();

    let inner = gate_up.dims()[D - 1] / 2;
    let gate = gate_up.clone().narrow(D - 1, 0, inner);
    let up = gate_up.narrow(D - 1, inner, inner);
    let reference: Vec<f32> = (silu(gate) * up).into_data().try_to_vec().unwrap();

    max_scaled_error(&kernel, &reference)
}

#[test]
fn silu_mul_matches_burn() {
    let device = wgpu_device();
    // ARC-AGI-1's SwiGLU: inner width 1536, so gate_up is 3072 wide; the
    // mlp_t mixer's runs along 916 positions; then odd and tiny widths.
    let shapes: [[usize; 3]; 6] = [[1, 916, 3072], [8, 916, 3072], [2, 64, 2560], [1, 7, 6], [3, 5, 2], [1, 1, 130]];
    for (seed, shape) in shapes.into_iter().enumerate() {
        let gate_up = random(shape, 200 + seed as u64, &device).mul_scalar(4.0);
        let error = compare_silu_mul(gate_up);
        assert!(error <= TOLERANCE, "shape {shape:?}: kernel differs from burn by {error}");
    }
}

#[test]
fn silu_mul_large_grid_and_views() {
    let device = wgpu_device();
    // 65,536 workgroups of 64 need a second line of the grid.
    let error = compare_silu_mul(random([65_537 * 64 / 2, 4], 300, &device));
    assert!(error <= TOLERANCE, "large grid: kernel differs from burn by {error}");

    let view = random([2, 10, 12], 301, &device).swap_dims(1, 2);
    let error = compare_silu_mul(view);
    assert!(error <= TOLERANCE, "strided view: kernel differs from burn by {error}");
}

#[test]
fn silu_mul_writes_the_activation() {
    // gate [2, -2], up [3, -3]: silu(2) * 3 and silu(-2) * -3.
    let device = wgpu_device();
    let gate_up = Tensor::<2>::from_floats([[2.0, -2.0, 3.0, -3.0]], &device);

    let output: Vec<f32> = silu_mul::try_kernel(gate_up).unwrap().into_data().try_to_vec().unwrap();

    let silu = |v: f32| v / (1.0 + (-v).exp());
    let expected = [silu(2.0) * 3.0, silu(-2.0) * -3.0];
    for (got, want) in output.iter().zip(expected) {
        assert!((got - want).abs() < 1e-6, "got {output:?}, expected {expected:?}");
    }
    assert!(silu_mul::try_kernel(Tensor::<2>::zeros([1, 3], &device)).is_none(), "an odd width has no halves");
}

/// Runs the attention kernel and burn's attention on the same tensors and
/// returns the largest scaled difference.
fn compare_attention(query: Tensor<4>, key: Tensor<4>, value: Tensor<4>) -> f32 {
    let kernel = attention::try_kernel(query.clone(), key.clone(), value.clone()).expect("f32 wgpu tensors take the kernel");
    let kernel: Vec<f32> = kernel.into_data().try_to_vec().unwrap();

    let reference: Vec<f32> = attention::burn_attention(query, key, value).into_data().try_to_vec().unwrap();

    max_scaled_error(&kernel, &reference)
}

/// Compares the kernel with burn on random queries, keys and values of
/// `shape`, scaled by `spread` to widen the scores.
fn assert_attention_matches(shape: [usize; 4], spread: f32, seed: u64) {
    let device = wgpu_device();
    let [query, key, value] = [0, 1, 2].map(|i| random(shape, seed + i, &device).mul_scalar(spread));
    let error = compare_attention(query, key, value);
    assert!(error <= TOLERANCE, "shape {shape:?}: kernel differs from burn by {error}");
}

#[test]
fn attention_matches_burn_at_arc_shapes() {
    // ARC-AGI-1: 916 positions, 8 heads of 64, batch 1.
    assert_attention_matches([1, 916, 8, 64], 1.0, 400);
}

#[test]
fn attention_matches_burn_at_arc_shapes_batch_8() {
    // Burn's plain attention cannot take batch 8 here in one call: its
    // scores, 8 x 8 x 916 x 916 floats (205 MiB), are more than one GPU
    // buffer may hold under the default limits. The kernel runs the whole
    // batch and burn each example on its own.
    let device = wgpu_device();
    let shape = [8, 916, 8, 64];
    let [query, key, value] = [0, 1, 2].map(|i| random(shape, 410 + i, &device));

    let kernel = attention::try_kernel(query.clone(), key.clone(), value.clone()).expect("f32 wgpu tensors take the kernel");
    let kernel: Vec<f32> = kernel.into_data().try_to_vec().unwrap();

    let example = |t: &Tensor<4>, b: usize| t.clone().narrow(0, b, 1);
    let reference: Vec<f32> = (0..8)
        .flat_map(|b| {
            let attended = attention::burn_attention(example(&query, b), example(&key, b), example(&value, b));
            attended.into_data().try_to_vec::<f32>().unwrap()
        })
        .collect();

    let error = max_scaled_error(&kernel, &reference);
    assert!(error <= TOLERANCE, "batch 8: kernel differs from burn by {error}");
}

#[test]
fn attention_matches_burn_at_awkward_shapes() {
    // One position, then a block of 16 queries and a tile of 16 keys with one
    // position over. Heads of 32 (the small golden models), 128 (a tile of 4
    // keys), 4, 8 and 16, odd head counts, and batch 2 and 3.
    let shapes: [[usize; 4]; 7] = [
        [1, 1, 1, 64],
        [1, 65, 2, 64],
        [2, 33, 3, 32],
        [1, 97, 2, 128],
        [2, 81, 4, 4],
        [1, 30, 5, 8],
        [3, 129, 1, 16],
    ];
    for (seed, shape) in shapes.into_iter().enumerate() {
        assert_attention_matches(shape, 1.0, 500 + 10 * seed as u64);
    }
}

#[test]
fn attention_keeps_large_scores_finite() {
    // Inputs of standard deviation 6 give scaled scores of standard deviation
    // 36 * 8 / 8 = 36, up to about 110: exp of the raw scores overflows f32,
    // so the kernel writes finite values only if every exponent is taken after
    // the running maximum. Scores that large round to about 1e-5 apart between
    // the kernel and burn, and the exponentials turn that into relative errors
    // of about 1e-4 in the weights, hence the wider tolerance.
    let device = wgpu_device();
    let shape = [1, 200, 2, 64];
    let [query, key, value] = [0, 1, 2].map(|i| random(shape, 600 + i, &device).mul_scalar(6.0));
    let error = compare_attention(query, key, value);
    assert!(error <= 1e-3, "kernel differs from burn by {error}");
}

#[test]
fn attention_reads_views_of_the_qkv_projection() {
    // The layer narrows one [batch, seq, 3 * heads, head_dim] projection into
    // queries, keys and values, so each is a strided view.
    let device = wgpu_device();
    let qkv = random([2, 50, 3 * 4, 16], 700, &device);
    let query = qkv.clone().narrow(2, 0, 4);
    let key = qkv.clone().narrow(2, 4, 4);
    let value = qkv.narrow(2, 8, 4);
    let error = compare_attention(query, key, value);
    assert!(error <= TOLERANCE, "views: kernel differs from burn by {error}");
}

#[test]
fn attention_past_65535_workgroups() {
    // 70,000 heads of one position each: one workgroup per head.
    assert_attention_matches([1, 1, 70_000, 4], 1.0, 800);
}

#[test]
fn attention_writes_the_softmax_average() {
    // One head of width 4, so the scale is 1/2. Query 0 is all zeros and
    // scores both keys 0: weights 1/2 and 1/2. Query 1 scores key 0 at 0 and
    // key 1 at 2 * ln 3 / 2 = ln 3: weights 1/4 and 3/4.
    let device = wgpu_device();
    let ln3 = 3f32.ln();
    let query = Tensor::<4>::from_floats([[[[0.0, 0.0, 0.0, 0.0]], [[2.0, 0.0, 0.0, 0.0]]]], &device);
    let key = Tensor::<4>::from_floats([[[[0.0, 0.0, 0.0, 0.0]], [[ln3, 0.0, 0.0, 0.0]]]], &device);
    let value = Tensor::<4>::from_floats([[[[10.0, 0.0, 1.0, 2.0]], [[20.0, 4.0, 1.0, -2.0]]]], &device);

    let output: Vec<f32> = attention::try_kernel(query, key, value).unwrap().into_data().try_to_vec().unwrap();

    let expected = [15.0, 2.0, 1.0, 0.0, 17.5, 3.0, 1.0, -1.0];
    assert_eq!(output.len(), expected.len());
    for (got, want) in output.iter().zip(expected) {
        assert!((got - want).abs() < 1e-5, "got {output:?}, expected {expected:?}");
    }
}

#[test]
fn attention_leaves_others_to_burn() {
    // Flex tensors, autodiff tensors, mismatched shapes and head widths the
    // kernel does not take go to burn's attention.
    let flex = Device::flex();
    let x = Tensor::<4>::zeros([1, 2, 1, 4], &flex);
    assert!(attention::try_kernel(x.clone(), x.clone(), x).is_none());

    let device = wgpu_device();
    let tracked = Tensor::<4>::zeros([1, 2, 1, 4], &device.clone().autodiff()).require_grad();
    assert!(attention::try_kernel(tracked.clone(), tracked.clone(), tracked).is_none());

    let a = Tensor::<4>::zeros([1, 2, 1, 4], &device);
    let b = Tensor::<4>::zeros([1, 3, 1, 4], &device);
    assert!(attention::try_kernel(a.clone(), b, a).is_none());

    for width in [2, 48, 256] {
        let head = Tensor::<4>::zeros([1, 2, 1, width], &device);
        assert!(attention::try_kernel(head.clone(), head.clone(), head).is_none(), "width {width}");
    }
}

#[test]
fn attention_routes_large_scores_to_the_kernel() {
    // Two heads of 4,100 positions: burn's scores would take 134.5 MB, over
    // the 128 MiB that one buffer may hold, and burn's attention fails to
    // allocate them on lavapipe. The layer's attention takes the kernel
    // there; burn, one head at a time, is the reference.
    let device = wgpu_device();
    let shape = [1, 4100, 2, 4];
    assert!(attention::scores_exceed_burn_limit(shape));
    let [query, key, value] = [0, 1, 2].map(|i| random(shape, 1000 + i, &device));

    let routed: Vec<f32> = kernels::attention(query.clone(), key.clone(), value.clone()).into_data().try_to_vec().unwrap();

    let head = |t: &Tensor<4>, h: usize| t.clone().narrow(2, h, 1);
    let per_head: Vec<Tensor<4>> = (0..2).map(|h| attention::burn_attention(head(&query, h), head(&key, h), head(&value, h))).collect();
    let reference: Vec<f32> = Tensor::cat(per_head, 2).into_data().try_to_vec().unwrap();
    let error = max_scaled_error(&routed, &reference);
    assert!(error <= TOLERANCE, "routed attention differs from burn by {error}");
}
