//! A build with burn's kernel fusion (`--features fusion`), which `ponder
//! bench --profile` and the browser's bench page compare with the
//! hand-written kernels: on native wgpu (lavapipe on CI) the TRM and the HRM
//! still match the official outputs, no hand-written kernel runs, and the
//! memory figures of the bench still come through fusion's client.
//!
//! The kernels count their launches process-wide, so this file contains one test.

#![cfg(feature = "fusion")]

mod common;

use common::*;
use ponder_model::kernels::{self, Kernel};

#[test]
fn fused_wgpu_matches_official_without_the_kernels() {
    assert!(kernels::FUSION);
    kernels::set_all_enabled(true);
    let device = wgpu_device();

    for name in ["arc_small", "hrm_arc_small"] {
        let case = GoldenCase::load(&fixtures_dir(), name);
        let errors = run_case(&case, &device, case.eval_steps);
        assert_case(&case, "wgpu with fusion", &errors, |_| WGPU_LOGITS_TOLERANCE);
    }

    // Every kernel was switched on, yet each call took burn's fused path.
    for kernel in Kernel::ALL {
        assert_eq!(kernels::launches(kernel), 0, "{kernel:?} ran on fused tensors");
    }
    let reserved = kernels::memory::reserved_bytes(&device).expect("fusion hides the wgpu memory pools");
    assert!(reserved > 0, "the pools report no memory after two golden runs");
}
