//! The hand-written kernels in `shaders/` against burn's own operations in
//! headless Chromium on WebGPU (SwiftShader), read back asynchronously.
//!
//! WebGPU reports an invalid shader or binding only in the console, so these
//! tests compare values: a kernel that writes nothing leaves its output buffer
//! stale or zero, and the comparison fails. The kernel runs first and its
//! output stays alive while the reference runs, so the reference cannot reuse
//! that buffer.

#![cfg(target_arch = "wasm32")]

use burn::tensor::activation::silu;
use burn::tensor::{Device, Distribution, Tensor};
use ponder_model::kernels::{self, Kernel, add_rms_norm, attention, attention_grad, silu_mul};
use ponder_model::rms_norm::rms_norm;
use ponder_web::{BackendRequest, acquire};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const EPS: f64 = 1e-5;

/// Largest difference allowed, relative to 1 + |reference|: the kernel and
/// burn sum the squares in different orders.
const TOLERANCE: f32 = 2e-5;

async fn webgpu() -> Device {
    acquire(BackendRequest::WebGpu).await.expect("WebGPU initialises").device
}

async fn read<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data_async().await.unwrap().try_to_vec::<f32>().unwrap()
}

async fn assert_matches<const D: usize>(device: &Device, shape: [usize; D], seed: u64) {
    device.seed(seed);
    let x = Tensor::<D>::random(shape, Distribution::Normal(0.0, 1.0), device);
    let residual = Tensor::<D>::random(shape, Distribution::Normal(0.0, 1.0), device);

    let kernel = add_rms_norm::try_kernel(x.clone(), residual.clone(), EPS).expect("f32 WebGPU tensors take the kernel");
    let kernel = read(kernel).await;
    let reference = read(rms_norm(x + residual, EPS)).await;

    assert_close(&kernel, &reference, &format!("add_rms_norm {shape:?}"));
}

async fn assert_silu_mul_matches<const D: usize>(device: &Device, shape: [usize; D], seed: u64) {
    device.seed(seed);
    let gate_up = Tensor::<D>::random(shape, Distribution::Normal(0.0, 4.0), device);

    let kernel = silu_mul::try_kernel(gate_up.clone()).expect("f32 WebGPU tensors take the kernel");
    let kernel = read(kernel).await;
    let inner = shape[D - 1] / 2;
    let gate = gate_up.clone().narrow(D - 1, 0, inner);
    let up = gate_up.narrow(D - 1, inner, inner);
    let reference = read(silu(gate) * up).await;

    assert_close(&kernel, &reference, &format!("silu_mul {shape:?}"));
}

/// Compares the attention kernel with burn, one example of the batch at a
/// time: burn's scores for the whole ARC-AGI-1 batch of 8 (205 MiB) are more
/// than one WebGPU buffer may hold under the default limits.
async fn assert_attention_matches(device: &Device, shape: [usize; 4], spread: f32, seed: u64) {
    device.seed(seed);
    let [query, key, value] = [0, 1, 2].map(|_| Tensor::<4>::random(shape, Distribution::Normal(0.0, spread as f64), device));

    let kernel = attention::try_kernel(query.clone(), key.clone(), value.clone()).expect("f32 WebGPU tensors take the kernel");
    let kernel = read(kernel).await;
    let mut reference = Vec::with_capacity(kernel.len());
    for b in 0..shape[0] {
        let [query, key, value] = [&query, &key, &value].map(|t| t.clone().narrow(0, b, 1));
        reference.extend(read(attention::burn_attention(query, key, value)).await);
    }

    assert_close(&kernel, &reference, &format!("attention {shape:?}"));
}

/// An attention implementation, run here on autodiff tensors.
type Attend = fn(Tensor<4>, Tensor<4>, Tensor<4>) -> Tensor<4>;

/// Runs `attend` on autodiff copies of `inputs`, back-propagates
/// `sum(output * output_grad)` and reads back the output and the gradients of
/// the queries, keys and values, in that order.
async fn gradients(attend: Attend, inputs: &[Tensor<4>; 3], output_grad: &Tensor<4>) -> [Vec<f32>; 4] {
    let [query, key, value] = inputs.clone().map(|t| t.autodiff().require_grad());
    let output = attend(query.clone(), key.clone(), value.clone());
    let grads = (output.clone() * output_grad.clone().autodiff()).sum().backward();
    let grad = |t: &Tensor<4>| t.grad(&grads).expect("every input takes part in the output");
    [read(output.inner()).await, read(grad(&query)).await, read(grad(&key)).await, read(grad(&value)).await]
}

/// Runs the kernels with their backward pass, and panics if they do not take the tensors.
fn tracked_kernels(query: Tensor<4>, key: Tensor<4>, value: Tensor<4>) -> Tensor<4> {
    attention_grad::try_tracked(query, key, value).expect("f32 autodiff WebGPU tensors take the kernels")
}

/// Compares the output and the gradients of the kernels with burn's attention
/// on autodiff, under a random output gradient.
async fn assert_gradients_match(device: &Device, shape: [usize; 4], seed: u64) {
    device.seed(seed);
    let [query, key, value, output_grad] =
        [0, 1, 2, 3].map(|_| Tensor::<4>::random(shape, Distribution::Normal(0.0, 1.0), device));
    let inputs = [query, key, value];

    let ours = gradients(tracked_kernels, &inputs, &output_grad).await;
    let burn = gradients(attention::burn_attention, &inputs, &output_grad).await;

    for ((name, got), want) in ["output", "query gradient", "key gradient", "value gradient"].into_iter().zip(&ours).zip(&burn) {
        assert_close_within(got, want, GRADIENT_TOLERANCE, &format!("attention {name} {shape:?}"));
    }
}

/// Tolerance of the attention gradients: the kernels sum in another order
/// than burn's matrix products and take the softmax from a recomputed
/// log-sum-exp.
const GRADIENT_TOLERANCE: f32 = 1e-4;

fn assert_close(kernel: &[f32], reference: &[f32], case: &str) {
    assert_close_within(kernel, reference, TOLERANCE, case);
}

fn assert_close_within(kernel: &[f32], reference: &[f32], tolerance: f32, case: &str) {
    assert_eq!(kernel.len(), reference.len(), "{case}");
    let error = kernel
        .iter()
        .zip(reference)
        .map(|(got, want)| {
            assert!(got.is_finite(), "{case}: kernel wrote {got}");
            (got - want).abs() / (1.0 + want.abs())
        })
        .fold(0.0, f32::max);
    assert!(error <= tolerance, "{case}: kernel differs from burn by {error}");
}

#[wasm_bindgen_test]
async fn add_rms_norm_matches_burn_on_webgpu() {
    let device = webgpu().await;
    // The ARC-AGI-1 shape at batch 1 and 8, then awkward ones: widths that are
    // not multiples of the workgroup, a width of one, the mlp_t sequence axis.
    assert_matches(&device, [1, 916, 512], 1).await;
    assert_matches(&device, [8, 916, 512], 2).await;
    assert_matches(&device, [1, 7, 100], 3).await;
    assert_matches(&device, [3, 5, 1], 4).await;
    assert_matches(&device, [2, 64, 916], 5).await;
    assert_matches(&device, [70_001, 3], 6).await;
}

#[wasm_bindgen_test]
async fn silu_mul_matches_burn_on_webgpu() {
    let device = webgpu().await;
    // ARC-AGI-1's SwiGLU projection (inner width 1536) at batch 1 and 8, the
    // mlp_t mixer's along 916 positions, odd and tiny widths, and enough
    // values to need a second line of the dispatch grid.
    assert_silu_mul_matches(&device, [1, 916, 3072], 11).await;
    assert_silu_mul_matches(&device, [8, 916, 3072], 12).await;
    assert_silu_mul_matches(&device, [2, 64, 2560], 13).await;
    assert_silu_mul_matches(&device, [1, 7, 6], 14).await;
    assert_silu_mul_matches(&device, [3, 5, 2], 15).await;
    assert_silu_mul_matches(&device, [65_537 * 32, 4], 16).await;
}

#[wasm_bindgen_test]
async fn add_rms_norm_writes_the_normalised_sum_on_webgpu() {
    let device = webgpu().await;
    let x = Tensor::<2>::from_floats([[3.0, -4.0], [1.0, 1.0]], &device);
    let residual = Tensor::<2>::from_floats([[0.0, 0.0], [-1.0, -1.0]], &device);

    let output = read(add_rms_norm::try_kernel(x, residual, EPS).unwrap()).await;

    let divisor = (12.5f32 + 1e-5).sqrt();
    let expected = [3.0 / divisor, -4.0 / divisor, 0.0, 0.0];
    for (got, want) in output.iter().zip(expected) {
        assert!((got - want).abs() < 1e-6, "got {output:?}, expected {expected:?}");
    }
}

#[wasm_bindgen_test]
async fn attention_matches_burn_on_webgpu() {
    let device = webgpu().await;
    // ARC-AGI-1 (916 positions, 8 heads of 64) at batch 1 and 8. Then blocks
    // and tiles with one position over, heads of 32, 128, 4 and 8, and enough
    // workgroups to need a second line of the dispatch grid.
    assert_attention_matches(&device, [1, 916, 8, 64], 1.0, 21).await;
    assert_attention_matches(&device, [8, 916, 8, 64], 1.0, 22).await;
    assert_attention_matches(&device, [1, 65, 2, 64], 1.0, 23).await;
    assert_attention_matches(&device, [2, 33, 3, 32], 1.0, 24).await;
    assert_attention_matches(&device, [1, 97, 2, 128], 1.0, 25).await;
    assert_attention_matches(&device, [2, 81, 4, 4], 1.0, 26).await;
    assert_attention_matches(&device, [1, 30, 5, 8], 1.0, 27).await;
    assert_attention_matches(&device, [1, 1, 70_000, 4], 1.0, 29).await;
}

#[wasm_bindgen_test]
async fn attention_writes_the_softmax_average_on_webgpu() {
    // One head of width 4, so the scale is 1/2: query 0 weighs the two keys
    // 1/2 and 1/2, query 1 scores them 0 and ln 3 and weighs them 1/4 and 3/4.
    let device = webgpu().await;
    let ln3 = 3f32.ln();
    let query = Tensor::<4>::from_floats([[[[0.0, 0.0, 0.0, 0.0]], [[2.0, 0.0, 0.0, 0.0]]]], &device);
    let key = Tensor::<4>::from_floats([[[[0.0, 0.0, 0.0, 0.0]], [[ln3, 0.0, 0.0, 0.0]]]], &device);
    let value = Tensor::<4>::from_floats([[[[10.0, 0.0, 1.0, 2.0]], [[20.0, 4.0, 1.0, -2.0]]]], &device);

    let output = read(attention::try_kernel(query, key, value).unwrap()).await;

    let expected = [15.0, 2.0, 1.0, 0.0, 17.5, 3.0, 1.0, -1.0];
    assert_eq!(output.len(), expected.len());
    for (got, want) in output.iter().zip(expected) {
        assert!((got - want).abs() < 1e-5, "got {output:?}, expected {expected:?}");
    }
}

#[wasm_bindgen_test]
async fn attention_layer_takes_the_kernel_in_the_browser() {
    // In the browser the model's attention runs the kernel at every shape it
    // takes, small ones included; natively it would go to burn here.
    let device = webgpu().await;
    device.seed(40);
    let [query, key, value] = [0, 1, 2].map(|_| Tensor::<4>::random([1, 30, 2, 16], Distribution::Normal(0.0, 1.0), &device));

    let before = kernels::launches(Kernel::Attention);
    let routed = kernels::attention(query.clone(), key.clone(), value.clone());
    assert_eq!(kernels::launches(Kernel::Attention), before + 1);

    let routed = read(routed).await;
    let reference = read(attention::burn_attention(query, key, value)).await;
    assert_close(&routed, &reference, "attention layer [1, 30, 2, 16]");
}

#[wasm_bindgen_test]
async fn attention_gradients_match_burn_on_webgpu() {
    let device = webgpu().await;
    // ARC-AGI-1 (916 positions, 8 heads of 64) at batch 1, then blocks and
    // tiles with one position over, heads of 64, 32 and 4, and batch 8.
    assert_gradients_match(&device, [1, 916, 8, 64], 51).await;
    assert_gradients_match(&device, [1, 17, 2, 64], 52).await;
    assert_gradients_match(&device, [2, 33, 3, 32], 53).await;
    assert_gradients_match(&device, [2, 81, 4, 4], 54).await;
    assert_gradients_match(&device, [8, 45, 2, 64], 55).await;
}

#[wasm_bindgen_test]
async fn attention_layer_takes_the_backward_kernels_in_the_browser() {
    // Fine-tuning's autodiff tensors go through the forward kernel, and the
    // backward pass through the two backward kernels, at every shape.
    let device = webgpu().await;
    device.seed(60);
    let [query, key, value, output_grad] =
        [0, 1, 2, 3].map(|_| Tensor::<4>::random([1, 30, 2, 16], Distribution::Normal(0.0, 1.0), &device));
    let inputs = [query, key, value];

    let before = [Kernel::Attention, Kernel::AttentionGrad].map(kernels::launches);
    let routed = gradients(kernels::attention, &inputs, &output_grad).await;
    let after = [Kernel::Attention, Kernel::AttentionGrad].map(kernels::launches);
    assert_eq!(after, before.map(|count| count + 1));

    let burn = gradients(attention::burn_attention, &inputs, &output_grad).await;
    for ((name, got), want) in ["output", "query gradient", "key gradient", "value gradient"].into_iter().zip(&routed).zip(&burn) {
        assert_close_within(got, want, GRADIENT_TOLERANCE, &format!("attention layer {name}"));
    }
}
