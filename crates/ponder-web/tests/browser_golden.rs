//! The model in the browser against the official TRM and HRM outputs: the
//! golden cases compiled into the test, run on WebGPU (SwiftShader in
//! headless Chromium) and on the Flex CPU fallback, read back asynchronously.

#![cfg(target_arch = "wasm32")]
#![allow(dead_code)]

use burn::tensor::{Device, Int, Tensor, TensorData};
use ponder_model::checkpoint::StateDict;
use ponder_model::{Halting, Model, TrmBatch, TrmConfig};
use ponder_web::{BackendRequest, acquire};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Max absolute logit error on the CPU; the sudoku case's second step is
/// sensitive to float32 rounding (a float64 evaluation of the same network
/// lands 8.4e-5 from the golden logits there).
const CPU_LOGITS_TOLERANCE: f32 = 1e-4;
const CPU_SENSITIVE_LOGITS_TOLERANCE: f32 = 2e-4;
/// Max absolute logit error on WebGPU, whose reductions sum in another order.
const WEBGPU_LOGITS_TOLERANCE: f32 = 2e-3;
const Q_HALT_TOLERANCE: f32 = 1e-3;

struct Case {
    name: &'static str,
    config: &'static str,
    weights: &'static [u8],
    io: &'static [u8],
    steps: usize,
}

const ARC_SMALL: Case = Case {
    name: "arc_small",
    config: include_str!("../../ponder-model/tests/fixtures/arc_small.config.json"),
    weights: include_bytes!("../../ponder-model/tests/fixtures/arc_small.safetensors"),
    io: include_bytes!("../../ponder-model/tests/fixtures/arc_small.io.safetensors"),
    steps: 3,
};

const HRM_ARC_SMALL: Case = Case {
    name: "hrm_arc_small",
    config: include_str!("../../ponder-model/tests/fixtures/hrm_arc_small.config.json"),
    weights: include_bytes!("../../ponder-model/tests/fixtures/hrm_arc_small.safetensors"),
    io: include_bytes!("../../ponder-model/tests/fixtures/hrm_arc_small.io.safetensors"),
    steps: 3,
};

const SUDOKU_MLP_SMALL: Case = Case {
    name: "sudoku_mlp_small",
    config: include_str!("../../ponder-model/tests/fixtures/sudoku_mlp_small.config.json"),
    weights: include_bytes!("../../ponder-model/tests/fixtures/sudoku_mlp_small.safetensors"),
    io: include_bytes!("../../ponder-model/tests/fixtures/sudoku_mlp_small.io.safetensors"),
    steps: 2,
};

async fn device(request: BackendRequest) -> Device {
    acquire(request).await.expect("the backend initialises").device
}

fn ints(io: &StateDict, name: &str) -> (Vec<i32>, Vec<usize>) {
    let tensor = io.get(name).unwrap_or_else(|| panic!("no {name} in the golden outputs"));
    let values = tensor.as_i64().expect("integer tensor").iter().map(|&value| value as i32).collect();
    (values, tensor.shape().to_vec())
}

fn floats<'a>(io: &'a StateDict, name: &str) -> &'a [f32] {
    io.get(name).and_then(|tensor| tensor.as_f32()).unwrap_or_else(|| panic!("no float {name} in the golden outputs"))
}

async fn read_floats<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data_async().await.unwrap().try_to_vec::<f32>().unwrap()
}

async fn read_ints<const D: usize>(tensor: Tensor<D, Int>) -> Vec<i32> {
    tensor.into_data_async().await.unwrap().convert::<i32>().try_to_vec::<i32>().unwrap()
}

fn max_abs_diff(got: &[f32], expected: &[f32]) -> f32 {
    assert_eq!(got.len(), expected.len());
    got.iter().zip(expected).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max)
}

/// Runs the case's ACT steps and asserts each against the golden outputs.
async fn check_case(case: &Case, device: &Device, backend: &str, logits_tolerance: impl Fn(usize) -> f32) {
    let config = TrmConfig::from_json_str(case.config).unwrap();
    let weights = StateDict::from_bytes(case.weights, "weights.safetensors").unwrap();
    let io = StateDict::from_bytes(case.io, "io.safetensors").unwrap();
    let model = Model::load(&config, &weights, device).unwrap();

    let (inputs, inputs_shape) = ints(&io, "input.inputs");
    let (ids, ids_shape) = ints(&io, "input.puzzle_identifiers");
    let batch = TrmBatch {
        inputs: Tensor::<2, Int>::from_data(TensorData::new(inputs, inputs_shape), device),
        puzzle_identifiers: Tensor::<1, Int>::from_data(TensorData::new(ids, ids_shape), device),
    };

    let mut carry = model.initial_act_carry(&batch);
    for step in 0..case.steps {
        let (next, output) = model.act_step(carry, &batch, Halting::MaxSteps, None);
        carry = next;

        let logits_error = max_abs_diff(&read_floats(output.logits).await, floats(&io, &format!("step{step}.logits")));
        let q_halt_error =
            max_abs_diff(&read_floats(output.q_halt_logits).await, floats(&io, &format!("step{step}.q_halt_logits")));
        // Only the HRM case stores q_continue; TRM's is untrained there.
        let q_continue_name = format!("step{step}.q_continue_logits");
        let q_continue_error = match io.get(&q_continue_name) {
            Some(_) => max_abs_diff(&read_floats(output.q_continue_logits).await, floats(&io, &q_continue_name)),
            None => 0.0,
        };
        let preds = read_ints(output.preds).await;
        let (golden_preds, _) = ints(&io, &format!("step{step}.preds"));
        let wrong_preds = preds.iter().zip(&golden_preds).filter(|(a, b)| a != b).count();
        web_sys::console::log_1(
            &format!(
                "{} on {backend}, step {step}: max |logits error| {logits_error:.3e}, max |q_halt error| {q_halt_error:.3e}, wrong preds {wrong_preds}",
                case.name
            )
            .into(),
        );

        let tolerance = logits_tolerance(step);
        assert!(logits_error <= tolerance, "{} step {step}: logits off by {logits_error}, more than {tolerance}", case.name);
        assert!(q_halt_error <= Q_HALT_TOLERANCE, "{} step {step}: q_halt off by {q_halt_error}", case.name);
        assert!(q_continue_error <= Q_HALT_TOLERANCE, "{} step {step}: q_continue off by {q_continue_error}", case.name);
        assert_eq!(wrong_preds, 0, "{} step {step}: predictions differ", case.name);
    }
}

#[wasm_bindgen_test]
async fn arc_small_on_webgpu() {
    check_case(&ARC_SMALL, &device(BackendRequest::WebGpu).await, "webgpu", |_| WEBGPU_LOGITS_TOLERANCE).await;
}

#[wasm_bindgen_test]
async fn hrm_arc_small_on_webgpu() {
    check_case(&HRM_ARC_SMALL, &device(BackendRequest::WebGpu).await, "webgpu", |_| WEBGPU_LOGITS_TOLERANCE).await;
}

#[wasm_bindgen_test]
async fn sudoku_mlp_small_on_webgpu() {
    check_case(&SUDOKU_MLP_SMALL, &device(BackendRequest::WebGpu).await, "webgpu", |_| WEBGPU_LOGITS_TOLERANCE).await;
}

#[wasm_bindgen_test]
async fn arc_small_on_wasm_cpu() {
    check_case(&ARC_SMALL, &device(BackendRequest::Cpu).await, "cpu", |_| CPU_LOGITS_TOLERANCE).await;
}

#[wasm_bindgen_test]
async fn hrm_arc_small_on_wasm_cpu() {
    check_case(&HRM_ARC_SMALL, &device(BackendRequest::Cpu).await, "cpu", |_| CPU_LOGITS_TOLERANCE).await;
}

#[wasm_bindgen_test]
async fn sudoku_mlp_small_on_wasm_cpu() {
    let tolerance = |step| if step == 0 { CPU_LOGITS_TOLERANCE } else { CPU_SENSITIVE_LOGITS_TOLERANCE };
    check_case(&SUDOKU_MLP_SMALL, &device(BackendRequest::Cpu).await, "cpu", tolerance).await;
}
