//! The browser's ACT-step profile natively on the CPU backend: its rows, the
//! scaling of sampled calls, the whole step, its option errors and cancel.
//! A fake clock that advances 1 ms a reading makes every time exact.

#![cfg(not(target_arch = "wasm32"))]

use std::cell::Cell;

use burn::tensor::Device;
use ponder_model::{Model, TrmConfig, initial_weights};
use ponder_web::profile::{PartReport, ProfileError, ProfileOptions, profile_step};

/// Builds the small ARC config's model: H_cycles 1, L_cycles 1 and 2 layers, so 4 block calls a step.
fn small_model(device: &Device) -> (Model, TrmConfig) {
    let config = TrmConfig::small_arc();
    let model = Model::load(&config, &initial_weights(&config, 0), device).unwrap();
    (model, config)
}

/// Returns a clock that reads 1 ms later every time it is read.
fn ticking_clock() -> impl Fn() -> f64 {
    let ticks = Cell::new(0.0);
    move || {
        ticks.set(ticks.get() + 1.0);
        ticks.get()
    }
}

#[test]
fn profile_reports_every_part() {
    let device = Device::flex();
    let (model, config) = small_model(&device);
    let mut seen = Vec::new();

    let options = ProfileOptions { batch: 1, sample_calls: None, whole_step: false };
    let on_part = |row: &PartReport| seen.push(row.part.clone());
    let report = pollster::block_on(profile_step(&model, &config, &device, options, on_part, || false, ticking_clock())).unwrap();

    let rows: Vec<(&str, usize, bool, bool)> =
        report.parts.iter().map(|row| (row.part.as_str(), row.calls, row.nested, row.in_step)).collect();
    assert_eq!(
        rows,
        [
            ("attention (4 calls)", 4, false, true),
            ("  of which softmax(q k^T) v (4 calls)", 4, true, true),
            ("SwiGLU MLP (4 calls)", 4, false, true),
            ("  of which silu(gate) * up (4 calls)", 4, true, true),
            ("residual add + RMSNorm (8 calls)", 8, false, true),
            // The gradient round of a fine-tuning step: L_cycles + 1 calls of each layer.
            ("fine-tuning, not in the step: softmax(q k^T) v and its gradient (4 calls)", 4, false, false),
        ]
    );
    assert_eq!(seen, report.parts.iter().map(|row| row.part.clone()).collect::<Vec<_>>());
    // Each timed run reads the clock twice, 1 ms apart, whatever the calls.
    for row in &report.parts {
        assert_eq!(row.timed_calls, row.calls, "{}", row.part);
        assert_eq!((row.off_ms, row.on_ms), (1.0, 1.0), "{}", row.part);
    }
    assert_eq!((report.step_off_ms, report.step_on_ms), (None, None));
}

#[test]
fn profile_scales_sampled_calls() {
    let device = Device::flex();
    let (model, config) = small_model(&device);

    let options = ProfileOptions { batch: 2, sample_calls: Some(2), whole_step: true };
    let report = pollster::block_on(profile_step(&model, &config, &device, options, |_| {}, || false, ticking_clock())).unwrap();

    // 1 ms for 2 timed calls is 2 ms for a step's 4, and 4 ms for its 8 norms.
    let attention = &report.parts[0];
    assert_eq!((attention.timed_calls, attention.off_ms), (2, 2.0));
    let norm = &report.parts[4];
    assert_eq!((norm.timed_calls, norm.on_ms), (2, 4.0));
    assert_eq!(report.batch, 2);
    assert_eq!((report.step_off_ms, report.step_on_ms), (Some(1.0), Some(1.0)));
}

#[test]
fn profile_rejects_empty_options() {
    let device = Device::flex();
    let (model, config) = small_model(&device);

    let no_batch = ProfileOptions { batch: 0, ..ProfileOptions::default() };
    let error = pollster::block_on(profile_step(&model, &config, &device, no_batch, |_| {}, || false, ticking_clock())).unwrap_err();
    assert_eq!(error.to_string(), "invalid profile options: batch must be at least 1");

    let no_calls = ProfileOptions { sample_calls: Some(0), ..ProfileOptions::default() };
    let error = pollster::block_on(profile_step(&model, &config, &device, no_calls, |_| {}, || false, ticking_clock())).unwrap_err();
    assert_eq!(error.to_string(), "invalid profile options: sampleCalls must be at least 1");
}

#[test]
fn profile_stops_when_cancelled() {
    let device = Device::flex();
    let (model, config) = small_model(&device);
    let mut rows = 0;

    let on_part = |_: &PartReport| rows += 1;
    let result = pollster::block_on(profile_step(&model, &config, &device, ProfileOptions::default(), on_part, || true, ticking_clock()));

    assert!(matches!(result, Err(ProfileError::Cancelled)), "{result:?}");
    assert_eq!(result.unwrap_err().to_string(), "profiling was cancelled");
    assert_eq!(rows, 0);
}

#[test]
fn profile_rejects_hrm() {
    let device = Device::flex();
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ponder-model/tests/fixtures");
    let config = TrmConfig::from_json_str(&std::fs::read_to_string(dir.join("hrm_arc_small.config.json")).unwrap()).unwrap();
    let weights = ponder_model::checkpoint::StateDict::open(dir.join("hrm_arc_small.safetensors")).unwrap();
    let model = Model::load(&config, &weights, &device).unwrap();

    let result = pollster::block_on(profile_step(&model, &config, &device, ProfileOptions::default(), |_| {}, || false, ticking_clock()));

    let error = result.unwrap_err();
    assert_eq!(error.to_string(), "cannot profile an HRM model: the profile covers TRM models only");
}
