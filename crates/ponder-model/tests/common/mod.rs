//! Golden cases from the official TRM and HRM code, and the comparisons the golden tests share.

#![allow(dead_code, non_snake_case)]

pub mod train;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use burn::prelude::*;
use ponder_model::checkpoint::StateDict;
use ponder_model::{Halting, Model, TrmBatch, TrmConfig};

/// Max absolute logit error on the CPU backend.
pub const CPU_LOGITS_TOLERANCE: f32 = 1e-4;
/// Max absolute logit error on the CPU backend after the first step of
/// `sudoku_mlp_small`. That case amplifies float32 rounding: evaluating the
/// same network in float64 (numpy, outside this repository) lands 8.4e-5 from
/// the golden logits at step 1, so no float32 summation order can promise 1e-4 there.
pub const CPU_SENSITIVE_LOGITS_TOLERANCE: f32 = 2e-4;
/// Max absolute logit error on wgpu, whose reductions sum in another order.
pub const WGPU_LOGITS_TOLERANCE: f32 = 2e-3;
/// Max absolute q_halt (and q_continue) error on every backend.
pub const Q_HALT_TOLERANCE: f32 = 1e-3;

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The shared golden folder beside the repository, where `arc_full` lives
/// because its 27 MB of weights are not copied into the repository.
pub fn shared_golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/golden")
}

/// One golden case: config, weights under the official keys, inputs and outputs.
pub struct GoldenCase {
    pub name: String,
    pub config: TrmConfig,
    pub weights: StateDict,
    pub io: StateDict,
    pub eval_steps: usize,
}

impl GoldenCase {
    pub fn load(dir: &Path, name: &str) -> Self {
        let config_path = dir.join(format!("{name}.config.json"));
        let config_text = std::fs::read_to_string(&config_path)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", config_path.display()));
        let config = TrmConfig::from_json_str(&config_text).unwrap();

        let meta_path = dir.join(format!("{name}.json"));
        let meta: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&meta_path).unwrap()).unwrap();
        let eval_steps = meta["eval_steps"].as_u64().expect("eval_steps in the case description") as usize;

        let weights = StateDict::open(dir.join(format!("{name}.safetensors"))).unwrap();
        let io = StateDict::open(dir.join(format!("{name}.io.safetensors"))).unwrap();
        Self { name: name.to_string(), config, weights, io, eval_steps }
    }

    fn stored(&self, name: &str) -> &ponder_model::checkpoint::HostTensor {
        self.io.get(name).unwrap_or_else(|| panic!("{}: no tensor {name} in the golden outputs", self.name))
    }

    pub fn shape(&self, name: &str) -> Vec<usize> {
        self.stored(name).shape().to_vec()
    }

    pub fn has(&self, name: &str) -> bool {
        self.io.contains_key(name)
    }

    pub fn floats(&self, name: &str) -> Vec<f32> {
        self.stored(name).as_f32().unwrap_or_else(|| panic!("{name} is not a float tensor")).to_vec()
    }

    pub fn ints(&self, name: &str) -> Vec<i32> {
        let values = self.stored(name).as_i64().unwrap_or_else(|| panic!("{name} is not an integer tensor"));
        values.iter().map(|&v| i32::try_from(v).unwrap()).collect()
    }

    pub fn batch(&self, device: &Device) -> TrmBatch {
        let inputs = TensorData::new(self.ints("input.inputs"), self.shape("input.inputs"));
        let ids = TensorData::new(self.ints("input.puzzle_identifiers"), self.shape("input.puzzle_identifiers"));
        TrmBatch {
            inputs: Tensor::from_data(inputs, device),
            puzzle_identifiers: Tensor::from_data(ids, device),
        }
    }
}

pub fn max_abs_diff(got: &[f32], expected: &[f32]) -> f32 {
    assert_eq!(got.len(), expected.len(), "different lengths");
    got.iter().zip(expected).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max)
}

pub fn floats<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().unwrap()
}

pub fn ints<const D: usize>(tensor: Tensor<D, Int>) -> Vec<i32> {
    tensor.into_data().convert::<i32>().try_to_vec().unwrap()
}

/// Errors of one step, for the report a failing test prints.
#[derive(Debug)]
pub struct StepErrors {
    pub logits: f32,
    pub q_halt: f32,
    /// Present where the case stores `stepK.q_continue_logits` (the HRM case does).
    pub q_continue: Option<f32>,
    pub z_H: f32,
    pub wrong_preds: usize,
}

/// Runs `steps` ACT steps of `case` on `device` and measures every step
/// against the golden outputs.
pub fn run_case(case: &GoldenCase, device: &Device, steps: usize) -> Vec<StepErrors> {
    let model = Model::load(&case.config, &case.weights, device).unwrap();
    let batch = case.batch(device);

    let mut carry = model.initial_act_carry(&batch);
    let mut errors = Vec::new();
    for step in 0..steps {
        let (next, output) = model.act_step(carry, &batch, Halting::MaxSteps, None);
        carry = next;

        let logits_name = format!("step{step}.logits");
        assert_eq!(output.logits.dims().to_vec(), case.shape(&logits_name), "step {step} logits shape");
        let golden_preds = case.ints(&format!("step{step}.preds"));
        let preds = ints(output.preds);
        let q_continue_name = format!("step{step}.q_continue_logits");
        let q_continue = case
            .has(&q_continue_name)
            .then(|| max_abs_diff(&floats(output.q_continue_logits), &case.floats(&q_continue_name)));
        errors.push(StepErrors {
            logits: max_abs_diff(&floats(output.logits), &case.floats(&logits_name)),
            q_halt: max_abs_diff(&floats(output.q_halt_logits), &case.floats(&format!("step{step}.q_halt_logits"))),
            q_continue,
            z_H: max_abs_diff(&floats(carry.inner.z_H.clone()), &case.floats(&format!("step{step}.z_H"))),
            wrong_preds: preds.iter().zip(&golden_preds).filter(|(a, b)| a != b).count(),
        });
    }
    errors
}

/// Asserts the tolerances on every step and prints the measured errors.
pub fn assert_case(case: &GoldenCase, backend: &str, errors: &[StepErrors], logits_tolerance: impl Fn(usize) -> f32) {
    for (step, error) in errors.iter().enumerate() {
        let q_continue = error.q_continue.map(|value| format!(", max |q_continue error| {value:.3e}")).unwrap_or_default();
        println!(
            "{} on {backend}, step {step}: max |logits error| {:.3e}, max |q_halt error| {:.3e}{q_continue}, max |z_H error| {:.3e}, wrong preds {}",
            case.name, error.logits, error.q_halt, error.z_H, error.wrong_preds
        );
    }
    for (step, error) in errors.iter().enumerate() {
        let tolerance = logits_tolerance(step);
        assert!(error.logits <= tolerance, "{} step {step}: logits off by {}, more than {tolerance}", case.name, error.logits);
        assert!(error.q_halt <= Q_HALT_TOLERANCE, "{} step {step}: q_halt off by {}", case.name, error.q_halt);
        if let Some(q_continue) = error.q_continue {
            assert!(q_continue <= Q_HALT_TOLERANCE, "{} step {step}: q_continue off by {q_continue}", case.name);
        }
        assert_eq!(error.wrong_preds, 0, "{} step {step}: predictions differ", case.name);
    }
}

/// The native wgpu device, initialised once per test binary because burn's
/// wgpu runtime cannot be initialised twice.
pub fn wgpu_device() -> Device {
    static DEVICE: OnceLock<Result<Device, String>> = OnceLock::new();
    let device = DEVICE.get_or_init(|| Device::wgpu_options().init().map_err(|error| error.to_string()));
    match device {
        Ok(device) => device.clone(),
        Err(error) => panic!(
            "no wgpu adapter ({error}); these tests need a Vulkan driver, for example Mesa's lavapipe from the Debian packages mesa-vulkan-drivers and libvulkan1"
        ),
    }
}
