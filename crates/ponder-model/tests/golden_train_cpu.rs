//! The training step (loss and gradients) against the official TRM on burn's CPU backend (Flex).

mod common;

use burn::prelude::*;
use common::train::*;
use common::*;

#[test]
fn arc_small_train_step_matches_official() {
    let case = GoldenCase::load(&fixtures_dir(), "arc_small");
    let errors = run_train_step(&case, &Device::flex());
    assert_train_step(&case, "cpu", &errors);
}

#[test]
fn sudoku_mlp_small_train_step_matches_official() {
    let case = GoldenCase::load(&fixtures_dir(), "sudoku_mlp_small");
    let errors = run_train_step(&case, &Device::flex());
    assert_train_step(&case, "cpu", &errors);
}
