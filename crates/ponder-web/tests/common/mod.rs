//! The learning test shared by the native and the browser runs: a small model
//! from a fixed seed, fine-tuned on every weight on ARC-AGI-1 training task
//! b1948b0a (every 6 becomes a 2, 7 stays), must get every demonstration
//! right and then solve the test input.

#![allow(dead_code)]

use std::ops::ControlFlow;

use burn::tensor::Device;
use ponder_model::train::FinetuneMode;
use ponder_model::{TrmConfig, initial_weights};
use ponder_tasks::{Grid, Task};
use ponder_web::finetune::{FinetuneOptions, FinetuneProgress, finetune};
use ponder_web::solve::{RunSettings, SolveResult};

/// Task b1948b0a of the bundled ARC-AGI-1 training set, with its test output.
pub const TASK_JSON: &str = r#"{"train":[{"input":[[6,6,7,6],[6,6,7,7],[7,7,6,7]],"output":[[2,2,7,2],[2,2,7,7],[7,7,2,7]]},{"input":[[7,7,7,6],[6,6,7,6],[7,7,6,7],[7,6,7,7],[7,6,7,6],[6,6,6,7]],"output":[[7,7,7,2],[2,2,7,2],[7,7,2,7],[7,2,7,7],[7,2,7,2],[2,2,2,7]]},{"input":[[7,7,6,6,6,6],[6,7,6,7,7,7],[7,6,7,7,6,7]],"output":[[7,7,2,2,2,2],[2,7,2,7,7,7],[7,2,7,7,2,7]]}],"test":[{"input":[[6,7,7,6],[6,7,6,7],[7,7,7,6],[7,6,7,6]],"output":[[2,7,7,2],[2,7,2,7],[7,7,7,2],[7,2,7,2]]}]}"#;

pub const SEED: u64 = 7;
/// Steps after which the run gives up; a run that learns stops earlier.
pub const MAX_STEPS: usize = 60;
/// Consecutive steps with every demonstration right before training stops.
pub const SOLVED_STREAK: usize = 3;

/// The small ARC model that `ponder solve` also trains from scratch.
pub fn small_config() -> TrmConfig {
    TrmConfig::small_arc()
}

/// The 8 dihedral transforms at random offsets, so that the model must learn
/// the colour rule rather than where the demonstrations' cells are; no colour
/// permutations, which would change which colour becomes which.
pub fn options() -> FinetuneOptions {
    FinetuneOptions {
        steps: MAX_STEPS,
        augmentations: 8,
        permute_colours: false,
        translate: true,
        mode: FinetuneMode::Full,
        lr: 1e-3,
        batch_size: 4,
        warmup_steps: 3,
        seed: SEED,
        ..FinetuneOptions::default()
    }
}

pub fn task() -> Task {
    Task::from_json("b1948b0a", TASK_JSON).unwrap()
}

/// Fine-tunes until every demonstration is right `SOLVED_STREAK` steps in a
/// row (or `MAX_STEPS` pass), then solves the test input. Returns the step
/// reports and the solve result.
pub async fn learn_and_solve(device: &Device) -> (Vec<FinetuneProgress>, SolveResult) {
    let config = small_config();
    let weights = initial_weights(&config, SEED);
    let task = task();
    let mut reports: Vec<FinetuneProgress> = Vec::new();
    let mut streak = 0;

    let (finetuned, _) = finetune(&weights, &config, device, "b1948b0a", &task, &options(), |progress| {
        reports.push(*progress);
        streak = if progress.exact_accuracy == 1.0 { streak + 1 } else { 0 };
        if streak == SOLVED_STREAK { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    }, || false, || 0.0)
    .await
    .unwrap();

    let settings = RunSettings { steps: config.halt_max_steps, early_halting: false, batch_size: 4 };
    let result = finetuned.solve(device, 0, settings, |_| ControlFlow::Continue(()), || false).await.unwrap();
    (reports, result)
}

/// Asserts that the run learned: every demonstration right for the last
/// `SOLVED_STREAK` steps, the cross-entropy down, and the test input solved.
pub fn assert_learned(reports: &[FinetuneProgress], result: &SolveResult) {
    let streak = reports.iter().rev().take_while(|progress| progress.exact_accuracy == 1.0).count();
    assert_eq!(streak, SOLVED_STREAK, "the demonstrations were not all right within {MAX_STEPS} steps");
    let (first, last) = (reports[0].lm_loss, reports[reports.len() - 1].lm_loss);
    // Stablemax cross-entropy falls slowly once the predictions are right: its
    // probabilities grow linearly, not exponentially, with the logit margin.
    assert!(last < first / 2.0, "the cross-entropy went from {first} to {last} only");
    assert!(reports[0].accuracy < 0.5, "the untrained model already got {} of the tokens right", reports[0].accuracy);

    let solution = task().test[0].output.clone().unwrap();
    let attempts = result.attempts.as_ref().expect("the prediction crops to a grid");
    assert_eq!(Grid::from_rows(&attempts[0]).unwrap(), solution);
}
