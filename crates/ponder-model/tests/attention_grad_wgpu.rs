//! The attention kernels with their backward pass (`shaders/attention.wgsl`,
//! `attention_grad_query.wgsl`, `attention_grad_key.wgsl`) against burn's
//! attention on autodiff, on native wgpu (lavapipe on CI): the output and the
//! gradients of the queries, keys and values under a random output gradient.
//!
//! Each comparison runs the kernels first and keeps their gradients alive
//! while burn's are computed, so a kernel that writes nothing leaves stale or
//! zero values behind and the comparison fails.

// A build with burn's fusion never runs the kernels (`fusion_wgpu.rs` checks that).
#![cfg(not(feature = "fusion"))]

mod common;

use burn::prelude::*;
use burn::tensor::Distribution;
use common::wgpu_device;
use ponder_model::kernels::{attention, attention_grad};

/// Largest difference allowed, relative to 1 + |burn's value|. The kernels
/// sum in another order than burn's matrix products and take the softmax from
/// a recomputed log-sum-exp, so they agree to f32 rounding, not bit for bit.
const TOLERANCE: f32 = 1e-4;

fn random(shape: [usize; 4], seed: u64, device: &Device) -> Tensor<4> {
    device.seed(seed);
    Tensor::random(shape, Distribution::Normal(0.0, 1.0), device)
}

/// An attention implementation on autodiff tensors.
type Attend = fn(Tensor<4>, Tensor<4>, Tensor<4>) -> Tensor<4>;

/// The output and the three input gradients, read back.
struct Computed {
    output: Vec<f32>,
    grads: [Vec<f32>; 3],
}

/// Runs `attend` on autodiff copies of `inputs`, back-propagates
/// `sum(output * output_grad)`, so that the output's gradient is
/// `output_grad`, and reads back the output and the input gradients.
fn run(attend: Attend, inputs: &[Tensor<4>; 3], output_grad: &Tensor<4>) -> Computed {
    let [query, key, value] = inputs.clone().map(|t| t.autodiff().require_grad());

    let output = attend(query.clone(), key.clone(), value.clone());
    let loss = (output.clone() * output_grad.clone().autodiff()).sum();
    let grads = loss.backward();

    let read = |t: &Tensor<4>| -> Vec<f32> {
        let grad = t.grad(&grads).expect("every input takes part in the output");
        grad.into_data().try_to_vec().unwrap()
    };
    Computed {
        output: output.inner().into_data().try_to_vec().unwrap(),
        grads: [read(&query), read(&key), read(&value)],
    }
}

/// Runs the kernels' path, and panics if it does not take the tensors.
fn kernels_path(query: Tensor<4>, key: Tensor<4>, value: Tensor<4>) -> Tensor<4> {
    attention_grad::try_tracked(query, key, value).expect("f32 autodiff wgpu tensors take the kernels")
}

/// Returns the largest `|got - want| / (1 + |want|)`, after checking that the
/// lengths agree and that every value is finite.
fn max_scaled_error(got: &[f32], want: &[f32]) -> f32 {
    assert_eq!(got.len(), want.len());
    got.iter()
        .zip(want)
        .map(|(got, want)| {
            assert!(got.is_finite(), "kernel wrote {got}");
            (got - want).abs() / (1.0 + want.abs())
        })
        .fold(0.0, f32::max)
}

/// Compares the kernels with burn on `inputs` and asserts that the output
/// and each gradient agree within `tolerance`.
fn assert_grads_match(inputs: [Tensor<4>; 3], seed: u64, tolerance: f32) {
    let shape = inputs[0].dims();
    let output_grad = random(shape, seed, &inputs[0].device());

    let ours = run(kernels_path, &inputs, &output_grad);
    let burn = run(attention::burn_attention, &inputs, &output_grad);

    let error = max_scaled_error(&ours.output, &burn.output);
    assert!(error <= tolerance, "shape {shape:?}: output differs from burn by {error}");
    for ((name, got), want) in ["query", "key", "value"].into_iter().zip(&ours.grads).zip(&burn.grads) {
        let error = max_scaled_error(got, want);
        assert!(error <= tolerance, "shape {shape:?}: {name} gradient differs from burn by {error}");
    }
}

fn assert_matches(shape: [usize; 4], seed: u64) {
    let device = wgpu_device();
    let inputs = [0, 1, 2].map(|i| random(shape, seed + i, &device));
    assert_grads_match(inputs, seed + 3, TOLERANCE);
}

#[test]
fn gradients_match_burn_at_the_arc_shape() {
    // ARC-AGI-1: 916 positions, 8 heads of 64, batch 1.
    assert_matches([1, 916, 8, 64], 100);
}

#[test]
fn gradients_match_burn_at_awkward_shapes() {
    // One position, then a block of 16 rows and a tile with one position
    // over. Heads of 4 to 64 (tiles of 16 and 8), odd head counts, batch 1 to 8.
    let shapes: [[usize; 4]; 7] = [
        [1, 1, 1, 64],
        [1, 17, 2, 64],
        [2, 33, 3, 32],
        [2, 81, 4, 4],
        [1, 30, 5, 8],
        [3, 129, 1, 16],
        [8, 45, 2, 64],
    ];
    for (index, shape) in shapes.into_iter().enumerate() {
        assert_matches(shape, 200 + 10 * index as u64);
    }
}

#[test]
fn gradients_reach_views_of_the_qkv_projection() {
    // The layer narrows one projection into queries, keys and values, so
    // their gradients must land in the right thirds of its gradient.
    let device = wgpu_device();
    let qkv = random([2, 50, 3 * 4, 16], 300, &device).autodiff().require_grad();
    let output_grad = random([2, 50, 4, 16], 301, &device);

    let project = |attend: Attend| -> Vec<f32> {
        let query = qkv.clone().narrow(2, 0, 4);
        let key = qkv.clone().narrow(2, 4, 4);
        let value = qkv.clone().narrow(2, 8, 4);
        let loss = (attend(query, key, value) * output_grad.clone().autodiff()).sum();
        let grads = loss.backward();
        qkv.grad(&grads).unwrap().into_data().try_to_vec().unwrap()
    };
    let ours = project(kernels_path);
    let burn = project(attention::burn_attention);

    let error = max_scaled_error(&ours, &burn);
    assert!(error <= TOLERANCE, "views: gradient differs from burn by {error}");
}

#[test]
fn gradients_keep_large_scores_finite() {
    // Inputs of standard deviation 6 give scaled scores of standard deviation
    // 36, up to about 150, and exp overflows f32 above 88, so every exponent
    // must be taken after the log-sum-exp. The softmax is then nearly one-hot,
    // and rounding in the scores moves the weights by about 1e-3 relative,
    // hence the wider tolerance.
    let device = wgpu_device();
    let inputs = [0, 1, 2].map(|i| random([1, 200, 2, 64], 400 + i, &device).mul_scalar(6.0));
    assert_grads_match(inputs, 403, 2e-3);
}

#[test]
fn gradients_of_a_uniform_softmax() {
    // Queries of zero give every key the same weight, 1/2 with two positions,
    // so by hand, with g the output gradient and scale 1/2 for heads of 4:
    //   dv[j] = (g[0] + g[1]) / 2 for both keys,
    //   dq[i] = scale * (g[i] . (v[0] - v[1])) / 4 * (k[0] - k[1]),
    //   dk[j] = 0, because dk sums over queries weighted by q.
    let device = wgpu_device();
    let query = Tensor::<4>::zeros([1, 2, 1, 4], &device);
    let key = Tensor::<4>::from_floats([[[[1.0, 0.0, 2.0, 0.0]], [[0.0, 1.0, 0.0, -1.0]]]], &device);
    let value = Tensor::<4>::from_floats([[[[1.0, 2.0, 3.0, 4.0]], [[-1.0, 0.0, 1.0, 2.0]]]], &device);
    let output_grad = Tensor::<4>::from_floats([[[[1.0, 0.0, 0.0, 0.0]], [[0.0, 0.0, 1.0, 1.0]]]], &device);

    let ours = run(kernels_path, &[query, key, value], &output_grad);

    // v[0] - v[1] = (2, 2, 2, 2); g[0] . that = 2, g[1] . that = 4; k[0] - k[1] = (1, -1, 2, 1).
    let key_difference = [1.0, -1.0, 2.0, 1.0];
    let query_grad: Vec<f32> = [2.0f32, 4.0]
        .iter()
        .flat_map(|dot| key_difference.map(|d| 0.5 * dot / 4.0 * d))
        .collect();
    let value_grad = [0.5, 0.0, 0.5, 0.5, 0.5, 0.0, 0.5, 0.5];
    let output = [0.0, 1.0, 2.0, 3.0, 0.0, 1.0, 2.0, 3.0];
    for (name, got, want) in [
        ("output", &ours.output, &output[..]),
        ("query gradient", &ours.grads[0], &query_grad[..]),
        ("key gradient", &ours.grads[1], &[0.0; 8][..]),
        ("value gradient", &ours.grads[2], &value_grad[..]),
    ] {
        let error = max_scaled_error(got, want);
        assert!(error <= 1e-6, "{name}: got {got:?}, want {want:?}");
    }
}

#[test]
fn kernels_leave_others_to_burn() {
    let device = wgpu_device();
    let tracked = |shape: [usize; 4]| Tensor::<4>::zeros(shape, &device).autodiff().require_grad();
    let plain = Tensor::<4>::zeros([1, 4, 1, 8], &device);
    assert!(attention_grad::try_tracked(plain.clone(), plain.clone(), plain).is_none(), "no autodiff");
    let wide = tracked([1, 4, 1, 128]);
    assert!(attention_grad::try_tracked(wide.clone(), wide.clone(), wide).is_none(), "heads of 128");
    let odd = tracked([1, 4, 1, 12]);
    assert!(attention_grad::try_tracked(odd.clone(), odd.clone(), odd).is_none(), "heads of 12");
    let flex = Tensor::<4>::zeros([1, 4, 1, 8], &Device::flex().autodiff()).require_grad();
    assert!(attention_grad::try_tracked(flex.clone(), flex.clone(), flex).is_none(), "Flex");
}
