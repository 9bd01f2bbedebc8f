//! Fine-tuning as the browser's worker drives it, run natively: the step
//! count, the time budget and cancelling each stop the run and keep the best
//! step, and the fine-tuned model then solves the task under the
//! augmentations it learned. The model is the HRM golden case, so this also
//! covers embedding-only fine-tuning of HRM (with its q_continue target).

#![cfg(not(target_arch = "wasm32"))]

use std::cell::Cell;
use std::ops::ControlFlow;
use std::path::PathBuf;

use burn::tensor::Device;
use ponder_model::checkpoint::StateDict;
use ponder_model::train::FinetuneMode;
use ponder_model::{Family, TrmConfig};
use ponder_tasks::Task;
use ponder_tasks::dataset::{Dataset, load_task};
use ponder_web::finetune::{FinetuneOptions, FinetuneProgress, StopReason, finetune};
use ponder_web::solve::RunSettings;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ponder-model/tests/fixtures").join(name)
}

fn hrm_arc_small() -> (TrmConfig, StateDict) {
    let config = TrmConfig::from_json_str(&std::fs::read_to_string(fixture("hrm_arc_small.config.json")).unwrap()).unwrap();
    assert_eq!(config.family, Family::Hrm);
    (config, StateDict::open(fixture("hrm_arc_small.safetensors")).unwrap())
}

fn task_007bbfb7() -> Task {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/arc");
    load_task(&data, Dataset::Arc1Training, "007bbfb7").unwrap()
}

fn options(steps: usize) -> FinetuneOptions {
    FinetuneOptions { steps, augmentations: 2, batch_size: 2, mode: FinetuneMode::EmbeddingOnly, ..FinetuneOptions::default() }
}

#[test]
fn runs_the_requested_steps_and_solves_under_its_augmentations() {
    let device = Device::flex();
    let (config, weights) = hrm_arc_small();
    let task = task_007bbfb7();
    let mut seen: Vec<FinetuneProgress> = Vec::new();

    let (finetuned, summary) = pollster::block_on(finetune(&weights, &config, &device, "007bbfb7", &task, &options(3), |progress| {
        seen.push(*progress);
        ControlFlow::Continue(())
    }, || false, || 0.0))
    .unwrap();

    assert_eq!(summary.stopped, StopReason::Steps);
    assert_eq!(summary.steps_run, 3);
    assert_eq!(summary.augmentations, 2);
    assert_eq!(seen.iter().map(|progress| progress.step).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert!(seen.iter().all(|progress| progress.loss.is_finite() && progress.steps == 3));
    let lowest = seen.iter().map(|progress| progress.lm_loss).fold(f32::INFINITY, f32::min);
    assert_eq!(summary.best.unwrap().lm_loss, lowest, "the kept step is the one with the lowest cross-entropy");

    assert!(finetuned.is_for(&task));
    assert_eq!(finetuned.model.family(), Family::Hrm);
    let mut reports = 0;
    let settings = RunSettings { steps: 2, early_halting: false, batch_size: 2 };
    let result = pollster::block_on(finetuned.solve(&device, 0, settings, |report| {
        reports += 1;
        assert_eq!(report.augmentations, 2);
        ControlFlow::Continue(())
    }, || false))
    .unwrap();
    assert_eq!(reports, 2);
    assert_eq!(result.steps_used, vec![2, 2]);
    assert_eq!(result.tally.iter().map(|entry| entry.votes).sum::<usize>(), 2);
}

#[test]
fn cancelling_keeps_the_steps_run_so_far() {
    let device = Device::flex();
    let (config, weights) = hrm_arc_small();
    let cancelled = Cell::new(false);

    let (finetuned, summary) = pollster::block_on(finetune(&weights, &config, &device, "007bbfb7", &task_007bbfb7(), &options(50), |_| {
        cancelled.set(true);
        ControlFlow::Continue(())
    }, || cancelled.get(), || 0.0))
    .unwrap();

    assert_eq!(summary.stopped, StopReason::Cancelled);
    assert_eq!(summary.steps_run, 1);
    assert_eq!(summary.best.unwrap().step, 1);
    assert_eq!(finetuned.data.augmentations.len(), 2);
}

#[test]
fn time_budget_stops_the_run() {
    let device = Device::flex();
    let (config, weights) = hrm_arc_small();
    // A clock that advances 400 ms at every reading.
    let now = Cell::new(0.0);
    let clock = || {
        now.set(now.get() + 400.0);
        now.get()
    };
    let budget = FinetuneOptions { time_budget_ms: Some(1000.0), ..options(50) };

    let (_, summary) = pollster::block_on(finetune(&weights, &config, &device, "007bbfb7", &task_007bbfb7(), &budget, |_| ControlFlow::Continue(()), || false, clock))
        .unwrap();

    // Readings: 400 (check, step 1 runs), 800 (its report), 1200 (check: stop).
    assert_eq!(summary.stopped, StopReason::TimeBudget);
    assert_eq!(summary.steps_run, 1);
}

#[test]
fn invalid_options_name_the_option() {
    let device = Device::flex();
    let (config, weights) = hrm_arc_small();
    let none = FinetuneOptions { augmentations: 0, ..options(1) };

    let error = pollster::block_on(finetune(&weights, &config, &device, "007bbfb7", &task_007bbfb7(), &none, |_| ControlFlow::Continue(()), || false, || 0.0))
        .unwrap_err();

    assert_eq!(error.to_string(), "invalid option augmentations = 0: expected 1 to 64");
}
