//! Fine-tuning learns a real ARC task in the browser: the same task, model
//! and settings as the native run in `learn_native.rs`, with every read-back
//! asynchronous, on the wasm CPU backend.

#![cfg(target_arch = "wasm32")]

mod common;

use ponder_web::{BackendRequest, acquire};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

// NOTE: on WebGPU under SwiftShader (headless Chromium on a 2-core machine
// without a GPU) this run did not finish within wasm-bindgen-test's 15
// minutes, so the browser test trains on the CPU backend. The golden training
// step on native wgpu covers the GPU path of fine-tuning.
#[wasm_bindgen_test]
async fn finetune_learns_recolouring_task_on_wasm_cpu() {
    let device = acquire(BackendRequest::Cpu).await.expect("the CPU backend initialises").device;
    let (reports, result) = common::learn_and_solve(&device).await;

    common::assert_learned(&reports, &result);
}
