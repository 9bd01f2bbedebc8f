//! The solve loop natively, against the official golden predictions: the
//! `arc_small` case ran train pair 0 of ARC-AGI-1 task 007bbfb7 with puzzle
//! identifier 1, so solving that grid as a test input with the identity
//! augmentation must predict, after each step, the golden `preds` cropped.
//! The HRM case `hrm_arc_small` is solved the same way from its own first input.

#![cfg(not(target_arch = "wasm32"))]

use std::ops::ControlFlow;
use std::path::PathBuf;

use burn::tensor::Device;
use ponder_model::checkpoint::StateDict;
use ponder_model::{Family, Model, TrmConfig};
use ponder_tasks::{Grid, Task, TestPair};
use ponder_tasks::encoding::decode_prediction;
use ponder_web::solve::{SolveError, SolveOptions, StepReport, solve};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ponder-model/tests/fixtures").join(name)
}

fn load_case(case: &str, device: &Device) -> (Model, TrmConfig) {
    let config = TrmConfig::from_json_str(&std::fs::read_to_string(fixture(&format!("{case}.config.json"))).unwrap()).unwrap();
    let weights = StateDict::open(fixture(&format!("{case}.safetensors"))).unwrap();
    (Model::load(&config, &weights, device).unwrap(), config)
}

fn arc_small(device: &Device) -> (Model, TrmConfig) {
    load_case("arc_small", device)
}

/// Task 007bbfb7 with its first demonstration input as the test input.
fn task_007bbfb7() -> Task {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/arc");
    let task = ponder_tasks::dataset::load_task(&data, ponder_tasks::dataset::Dataset::Arc1Training, "007bbfb7").unwrap();
    let input = task.train[0].input.clone();
    Task { train: task.train, test: vec![TestPair { input, output: None }] }
}

fn golden_grid(step: usize) -> Vec<Vec<u8>> {
    golden_case_grid("arc_small", step)
}

/// Returns the golden prediction of the case's first example after ACT step `step` (from 0).
fn golden_case_grid(case: &str, step: usize) -> Vec<Vec<u8>> {
    let io = StateDict::open(fixture(&format!("{case}.io.safetensors"))).unwrap();
    let preds = io.get(&format!("step{step}.preds")).unwrap().as_i64().unwrap().to_vec();
    decode_prediction(&preds[..900]).unwrap().to_rows()
}

/// Returns the case's first input grid, as the only test input of a task, and its puzzle identifier.
fn golden_case_task(case: &str) -> (Task, usize) {
    let io = StateDict::open(fixture(&format!("{case}.io.safetensors"))).unwrap();
    let inputs = io.get("input.inputs").unwrap().as_i64().unwrap().to_vec();
    let identifier = io.get("input.puzzle_identifiers").unwrap().as_i64().unwrap()[0] as usize;
    let input: Grid = decode_prediction(&inputs[..900]).unwrap();
    let task = task_007bbfb7();
    (Task { train: task.train, test: vec![TestPair { input, output: None }] }, identifier)
}

fn options(augmentations: usize, steps: usize) -> SolveOptions {
    SolveOptions { augmentations, steps, early_halting: false, batch_size: 2, seed: 0, puzzle_identifier: 1 }
}

#[test]
fn solve_matches_golden_steps() {
    let device = Device::flex();
    let (model, config) = arc_small(&device);
    let mut reports: Vec<StepReport> = Vec::new();

    let result = pollster::block_on(solve(&model, &config, &device, &task_007bbfb7(), 0, &options(1, 3), |report| {
        reports.push(report.clone());
        ControlFlow::Continue(())
    }, || false))
    .unwrap();

    assert_eq!(reports.len(), 3);
    for (step, report) in reports.iter().enumerate() {
        assert_eq!(report.step, step + 1);
        assert_eq!(report.predictions.len(), 1);
        assert_eq!(report.predictions[0].grid.as_ref(), Some(&golden_grid(step)), "step {step}");
    }
    assert_eq!(reports[2].progress, 1.0);
    assert_eq!(result.steps_used, vec![3]);
    assert_eq!(result.tally.len(), 1);
    assert_eq!(result.tally[0].votes, 1);
    let attempts = result.attempts.unwrap();
    assert_eq!(attempts[0], golden_grid(2));
    assert_eq!(attempts[1], golden_grid(2));
}

#[test]
fn solve_matches_golden_steps_with_hrm() {
    let device = Device::flex();
    let (model, config) = load_case("hrm_arc_small", &device);
    assert_eq!(model.family(), Family::Hrm);
    let (task, identifier) = golden_case_task("hrm_arc_small");
    let options = SolveOptions { puzzle_identifier: identifier, ..options(1, 3) };
    let mut grids = Vec::new();

    let result = pollster::block_on(solve(&model, &config, &device, &task, 0, &options, |report| {
        grids.push(report.predictions[0].grid.clone());
        ControlFlow::Continue(())
    }, || false))
    .unwrap();

    let golden: Vec<_> = (0..3).map(|step| Some(golden_case_grid("hrm_arc_small", step))).collect();
    assert_eq!(grids, golden);
    assert_eq!(result.attempts.unwrap()[0], golden_case_grid("hrm_arc_small", 2));
}

#[test]
fn solve_votes_over_augmentations() {
    let device = Device::flex();
    let (model, config) = arc_small(&device);
    let mut steps_seen = Vec::new();

    let result = pollster::block_on(solve(&model, &config, &device, &task_007bbfb7(), 0, &options(3, 1), |report| {
        steps_seen.push((report.first_augmentation, report.predictions.len()));
        ControlFlow::Continue(())
    }, || false))
    .unwrap();

    // Batches of two: augmentations 0 and 1 together, then 2 alone.
    assert_eq!(steps_seen, vec![(0, 2), (2, 1)]);
    assert_eq!(result.steps_used, vec![1, 1, 1]);
    assert_eq!(result.tally.iter().map(|entry| entry.votes).sum::<usize>(), 3);
    assert!(result.tally.windows(2).all(|pair| pair[0].votes >= pair[1].votes));
}

#[test]
fn solve_stops_when_cancelled() {
    let device = Device::flex();
    let (model, config) = arc_small(&device);
    let mut calls = 0;

    let result = pollster::block_on(solve(&model, &config, &device, &task_007bbfb7(), 0, &options(1, 3), |_| {
        calls += 1;
        ControlFlow::Break(())
    }, || false));

    assert!(matches!(result, Err(SolveError::Cancelled)));
    assert_eq!(calls, 1);
}

#[test]
fn solve_checks_cancel_before_each_step() {
    let device = Device::flex();
    let (model, config) = arc_small(&device);
    let cancelled = std::cell::Cell::new(false);
    let mut calls = 0;

    let result = pollster::block_on(solve(
        &model,
        &config,
        &device,
        &task_007bbfb7(),
        0,
        &options(1, 3),
        |_| {
            calls += 1;
            cancelled.set(true);
            ControlFlow::Continue(())
        },
        || cancelled.get(),
    ));

    assert!(matches!(result, Err(SolveError::Cancelled)));
    assert_eq!(calls, 1);
}

#[test]
fn solve_rejects_missing_test_input() {
    let device = Device::flex();
    let (model, config) = arc_small(&device);

    let error = pollster::block_on(solve(&model, &config, &device, &task_007bbfb7(), 1, &options(1, 1), |_| ControlFlow::Continue(()), || false))
        .unwrap_err();

    assert_eq!(error.to_string(), "the task has 1 test inputs, so test index 1 does not exist");
}
