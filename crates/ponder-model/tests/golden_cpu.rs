//! The model against the official TRM outputs on burn's CPU backend (Flex).

mod common;

use burn::prelude::*;
use common::*;

#[test]
fn arc_small_matches_official() {
    let case = GoldenCase::load(&fixtures_dir(), "arc_small");
    let errors = run_case(&case, &Device::flex(), case.eval_steps);
    assert_eq!(errors.len(), 3);
    assert_case(&case, "cpu", &errors, |_| CPU_LOGITS_TOLERANCE);
}

#[test]
fn sudoku_mlp_small_matches_official() {
    let case = GoldenCase::load(&fixtures_dir(), "sudoku_mlp_small");
    let errors = run_case(&case, &Device::flex(), case.eval_steps);
    assert_eq!(errors.len(), 2);
    let tolerance = |step| if step == 0 { CPU_LOGITS_TOLERANCE } else { CPU_SENSITIVE_LOGITS_TOLERANCE };
    assert_case(&case, "cpu", &errors, tolerance);
}

// The workspace's dev profile builds every dependency at opt-level 3, so one
// ACT step of the full ARC-AGI-1 shape on Flex takes seconds in a test build.
#[test]
fn arc_full_matches_official() {
    let dir = shared_golden_dir();
    assert!(
        dir.join("arc_full.safetensors").exists(),
        "arc_full is read from {}, the golden folder beside the repository; it is not there",
        dir.display()
    );
    let case = GoldenCase::load(&dir, "arc_full");
    let errors = run_case(&case, &Device::flex(), 1);
    assert_case(&case, "cpu", &errors, |_| CPU_LOGITS_TOLERANCE);
}

/// In `sudoku_mlp_small`, examples 1 and 2 have a positive q_halt after step 0
/// and example 0 after step 1, so early halting must freeze 1 and 2 at their
/// step-0 outputs and stop after two steps.
#[test]
fn q_halt_freezes_halted_examples() {
    let case = GoldenCase::load(&fixtures_dir(), "sudoku_mlp_small");
    let device = Device::flex();
    let model = ponder_model::Trm::load(&case.config, &case.weights, &device).unwrap();

    let outputs = model.evaluate(&case.batch(&device), 5, ponder_model::Halting::QHalt);

    assert_eq!(outputs.len(), 2, "evaluation should stop once every example has halted");
    let last = outputs[1].clone();
    assert_eq!(ints(last.steps), vec![2, 1, 1]);

    let [_, seq, vocab] = last.logits.dims();
    let per_example = seq * vocab;
    let logits = floats(last.logits);
    let step0 = &case.floats("step0.logits");
    let step1 = &case.floats("step1.logits");
    let example = |values: &[f32], index: usize| values[index * per_example..(index + 1) * per_example].to_vec();
    assert!(max_abs_diff(&example(&logits, 0), &example(step1, 0)) <= CPU_SENSITIVE_LOGITS_TOLERANCE);
    assert!(max_abs_diff(&example(&logits, 1), &example(step0, 1)) <= CPU_LOGITS_TOLERANCE);
    assert!(max_abs_diff(&example(&logits, 2), &example(step0, 2)) <= CPU_LOGITS_TOLERANCE);

    let q_halt = floats(last.q_halt_logits);
    let golden_step0 = case.floats("step0.q_halt_logits");
    let golden_step1 = case.floats("step1.q_halt_logits");
    let expected = [golden_step1[0], golden_step0[1], golden_step0[2]];
    assert!(max_abs_diff(&q_halt, &expected) <= Q_HALT_TOLERANCE, "{q_halt:?} vs {expected:?}");
}

/// Without early halting every example runs every step.
#[test]
fn max_steps_runs_every_step() {
    let case = GoldenCase::load(&fixtures_dir(), "sudoku_mlp_small");
    let device = Device::flex();
    let model = ponder_model::Trm::load(&case.config, &case.weights, &device).unwrap();

    let outputs = model.evaluate(&case.batch(&device), 3, ponder_model::Halting::MaxSteps);

    assert_eq!(outputs.len(), 3);
    assert_eq!(ints(outputs[2].steps.clone()), vec![3, 3, 3]);
}
