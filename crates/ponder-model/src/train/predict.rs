//! Solving a fine-tuned task's test input: the input under every
//! augmentation with that augmentation's puzzle row, a fixed number of ACT
//! steps, each prediction mapped back and the grids voted on.

#[cfg(not(target_arch = "wasm32"))]
use burn::module::Module;
use burn::prelude::*;
use ponder_tasks::encoding::EncodingError;
use ponder_tasks::vote::{Candidate, Ranked, rank};

#[cfg(not(target_arch = "wasm32"))]
use crate::act::Halting;
use crate::train::data::AugmentedTask;
#[cfg(not(target_arch = "wasm32"))]
use crate::trm::Trm;
use crate::trm::TrmBatch;

/// The batch of one test input under every augmentation of `data`, or
/// `None` when the task has no test input `test_index`.
pub fn test_batch(data: &AugmentedTask, test_index: usize, device: &Device) -> Option<Result<(Vec<String>, TrmBatch), EncodingError>> {
    let inputs = match data.test_inputs(test_index)? {
        Ok(inputs) => inputs,
        Err(error) => return Some(Err(error)),
    };
    let count = inputs.len();
    let seq = inputs[0].1.len();
    let names: Vec<String> = inputs.iter().map(|(name, _, _)| name.clone()).collect();
    let tokens: Vec<i32> = inputs.iter().flat_map(|(_, tokens, _)| tokens.iter().copied()).collect();
    let identifiers: Vec<i32> = inputs.iter().map(|(_, _, identifier)| *identifier).collect();
    let batch = TrmBatch {
        inputs: Tensor::from_data(TensorData::new(tokens, [count, seq]), device),
        puzzle_identifiers: Tensor::from_data(TensorData::new(identifiers, [count]), device),
    };
    Some(Ok((names, batch)))
}

/// Ranks the predictions made for `names` (one per augmentation): `preds` is
/// `[augmentations * seq]` tokens, `q_halt` one logit per augmentation.
pub fn rank_predictions(names: &[String], preds: &[i64], q_halt: &[f32]) -> Vec<Ranked> {
    let seq = preds.len() / names.len().max(1);
    let candidates: Vec<Candidate> = names
        .iter()
        .enumerate()
        .filter_map(|(index, name)| {
            let tokens = &preds[index * seq..(index + 1) * seq];
            Candidate::from_augmented(name, tokens, q_halt[index]).ok().map(|(_, candidate)| candidate)
        })
        .collect();
    rank(&candidates)
}

/// Runs `steps` ACT steps on test input `test_index` under every
/// augmentation and returns the voted grids, best first. Reads the
/// predictions back synchronously, so it is native-only.
#[cfg(not(target_arch = "wasm32"))]
pub fn predict_test(model: &Trm, data: &AugmentedTask, test_index: usize, steps: usize) -> Option<Result<Vec<Ranked>, EncodingError>> {
    let model = model.valid();
    let device = model.lm_head.weight.val().device();
    let (names, batch) = match test_batch(data, test_index, &device)? {
        Ok(found) => found,
        Err(error) => return Some(Err(error)),
    };
    let outputs = model.evaluate(&batch, steps.max(1), Halting::MaxSteps);
    let last = outputs.last()?;
    let preds: Vec<i64> = last.preds.clone().into_data().convert::<i64>().try_into_vec().ok()?;
    let q_halt: Vec<f32> = last.q_halt_logits.clone().into_data().convert::<f32>().try_into_vec().ok()?;
    Some(Ok(rank_predictions(&names, &preds, &q_halt)))
}
