//! The build with burn's kernel fusion (`--features fusion`), which `ponder
//! bench --profile` and the browser's bench page compare with the
//! hand-written kernels. On native wgpu (lavapipe on CI) the TRM and the HRM
//! still match the official outputs there, and no hand-written kernel runs.
//! The bench's memory figure is still read, through fusion's client.
//! `cargo xtask test --slow` runs this file in that build; the default test
//! run leaves it out because the build compiles burn a second time.
//!
//! The kernels count their launches process-wide, so this file contains one test.

#![cfg(feature = "fusion")]

mod common;

use common::*;
use ponder_model::kernels::{self, Kernel};

#[test]
fn fused_wgpu_matches_golden_without_kernels() {
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
    let reserved = kernels::memory::reserved_bytes(&device).expect("the wgpu memory pools were not found through fusion's client");
    assert!(reserved > 0, "the pools report no memory after two golden runs");
}
