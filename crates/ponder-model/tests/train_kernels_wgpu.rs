//! A training step on native wgpu runs the recursion rounds that record no
//! gradient through the hand-written kernels, and the last round through
//! burn's operations with autodiff, and still matches the official loss and
//! gradients.
//!
//! The kernels count their launches process-wide, so this file contains one test.

// A build with burn's fusion never runs the kernels (`fusion_wgpu.rs` checks that).
#![cfg(not(feature = "fusion"))]

mod common;

use common::train::*;
use common::*;
use ponder_model::kernels::{self, Kernel};

#[test]
fn train_step_no_grad_rounds_use_kernels() {
    let case = GoldenCase::load(&fixtures_dir(), "arc_small");
    let config = &case.config;
    let before = Kernel::ALL.map(kernels::launches);

    let errors = run_train_step(&case, &wgpu_device());

    // One ACT step: H_cycles - 1 rounds without gradient, each L_cycles
    // updates of z_L and one of z_H, each through every layer of the level.
    let level_calls = (config.H_cycles - 1) * (config.L_cycles + 1) * config.L_layers;
    let launched = Kernel::ALL.map(|kernel| (kernel, kernels::launches(kernel)));
    for ((kernel, after), before) in launched.into_iter().zip(before) {
        // The attention kernel takes only scores too large for burn's
        // attention, and arc_small's are small.
        let per_layer = match kernel {
            Kernel::AddRmsNorm => 2,
            Kernel::SiluMul => 1,
            Kernel::Attention | Kernel::AttentionGrad => 0,
        };
        assert_eq!(after - before, (per_layer * level_calls) as u64, "launches of {kernel:?}");
    }
    assert_train_step(&case, "wgpu", &errors);
}
