//! The model against the official TRM outputs on native wgpu (lavapipe on CI).

mod common;

use common::*;

#[test]
fn arc_small_matches_official_on_wgpu() {
    let case = GoldenCase::load(&fixtures_dir(), "arc_small");
    let errors = run_case(&case, &wgpu_device(), case.eval_steps);
    assert_case(&case, "wgpu", &errors, |_| WGPU_LOGITS_TOLERANCE);
}

#[test]
fn sudoku_mlp_small_matches_official_on_wgpu() {
    let case = GoldenCase::load(&fixtures_dir(), "sudoku_mlp_small");
    let errors = run_case(&case, &wgpu_device(), case.eval_steps);
    assert_case(&case, "wgpu", &errors, |_| WGPU_LOGITS_TOLERANCE);
}
