//! The HRM against the official sapientinc/HRM outputs on native wgpu (lavapipe on CI).

mod common;

use common::*;

#[test]
fn hrm_arc_small_matches_official_on_wgpu() {
    let case = GoldenCase::load(&fixtures_dir(), "hrm_arc_small");
    let errors = run_case(&case, &wgpu_device(), case.eval_steps);
    assert_eq!(errors.len(), 3);
    assert_case(&case, "wgpu", &errors, |_| WGPU_LOGITS_TOLERANCE);
}
