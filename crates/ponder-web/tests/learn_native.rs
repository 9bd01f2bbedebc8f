//! Fine-tuning learns a real ARC task natively on the CPU; see `common` for
//! the task, the model and the settings that the browser run shares.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use burn::tensor::Device;

#[test]
fn finetune_learns_recolouring_task_on_cpu() {
    let (reports, result) = pollster::block_on(common::learn_and_solve(&Device::flex()));

    common::assert_learned(&reports, &result);
}
