//! Fine-tuning learns a real ARC task natively on the CPU; see `common` for
//! the task, the model and the settings that the browser run shares.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use burn::tensor::Device;
use ponder_tasks::Grid;

#[test]
fn finetune_learns_recolouring_task_on_cpu() {
    let (reports, result) = pollster::block_on(common::learn_and_solve(&Device::flex()));

    let streak = reports.iter().rev().take_while(|progress| progress.exact_accuracy == 1.0).count();
    assert_eq!(streak, common::SOLVED_STREAK, "the demonstrations were not all right within {} steps", common::MAX_STEPS);
    let (first, last) = (reports[0].lm_loss, reports[reports.len() - 1].lm_loss);
    // Stablemax cross-entropy falls slowly once the answers are right: its
    // probabilities grow linearly, not exponentially, with the logit margin.
    assert!(last < first / 2.0, "the cross-entropy went from {first} to {last} only");
    assert!(reports[0].accuracy < 0.5, "the untrained model already got {} of the tokens right", reports[0].accuracy);

    let solution = common::task().test[0].output.clone().unwrap();
    let attempts = result.attempts.expect("the prediction crops to a grid");
    assert_eq!(Grid::from_rows(&attempts[0]).unwrap(), solution);
}
