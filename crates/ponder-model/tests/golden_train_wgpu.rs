//! The training step (loss and gradients) against the official TRM on native wgpu (lavapipe on CI).

mod common;

use common::train::*;
use common::*;

#[test]
fn arc_small_train_step_matches_official_on_wgpu() {
    let case = GoldenCase::load(&fixtures_dir(), "arc_small");
    let errors = run_train_step(&case, &wgpu_device());
    assert_train_step(&case, "wgpu", &errors);
}

#[test]
fn sudoku_mlp_small_train_step_matches_official_on_wgpu() {
    let case = GoldenCase::load(&fixtures_dir(), "sudoku_mlp_small");
    let errors = run_train_step(&case, &wgpu_device());
    assert_train_step(&case, "wgpu", &errors);
}
