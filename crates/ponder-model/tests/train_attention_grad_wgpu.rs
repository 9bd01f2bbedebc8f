//! The official training step with the attention kernel and its backward
//! pass on every attention call still matches the golden loss and gradients
//! on native wgpu (lavapipe on CI).
//!
//! The kernels count their launches process-wide, and the routing switch is
//! process-wide too, so this file contains one test.

// A build with burn's fusion never runs the kernels (`fusion_wgpu.rs` checks that).
#![cfg(not(feature = "fusion"))]

mod common;

use common::train::*;
use common::*;
use ponder_model::kernels::{self, Kernel, attention};

/// The official training step with the attention kernels and their backward
/// pass on every attention call, forward and backward, still matches the
/// golden loss and gradients. Natively the kernels take only large scores, so
/// the test routes every size to them.
#[test]
fn train_step_matches_official_with_attention_kernels() {
    let case = GoldenCase::load(&fixtures_dir(), "arc_small");
    let config = &case.config;
    let before = kernels::launches(Kernel::AttentionGrad);

    attention::prefer_kernel_at_every_size(true);
    let errors = run_train_step(&case, &wgpu_device());
    attention::prefer_kernel_at_every_size(false);

    // The last round of the ACT step records gradients: L_cycles updates of
    // z_L and one of z_H through every layer, with one backward call each.
    let graded_calls = (config.L_cycles + 1) * config.L_layers;
    assert_eq!(kernels::launches(Kernel::AttentionGrad) - before, graded_calls as u64);
    assert_train_step(&case, "wgpu", &errors);
}
