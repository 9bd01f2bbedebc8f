//! Solving with a task's embedding shard, natively: a shard holding rows 1 and
//! 3 of the golden `arc_small` table, named as the identity and one augmented
//! puzzle of 007bbfb7, must reproduce the golden predictions with its first
//! row (the golden run used row 1), and bad shards are rejected by name.

#![cfg(not(target_arch = "wasm32"))]

use std::ops::ControlFlow;
use std::path::PathBuf;

use burn::tensor::Device;
use ponder_model::checkpoint::{FloatFormat, PuzzleEmbShard, StateDict, encode_shard};
use ponder_model::{Model, TrmConfig};
use ponder_tasks::augment::{Dihedral, parse_name};
use ponder_tasks::encoding::decode_prediction;
use ponder_web::shard::TaskShard;
use ponder_web::solve::{RunSettings, solve_planned};

const TASK_ID: &str = "007bbfb7";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ponder-model/tests/fixtures").join(name)
}

fn arc_small(device: &Device) -> (Model, TrmConfig, StateDict) {
    let config = TrmConfig::from_json_str(&std::fs::read_to_string(fixture("arc_small.config.json")).unwrap()).unwrap();
    let weights = StateDict::open(fixture("arc_small.safetensors")).unwrap();
    (Model::load(&config, &weights, device).unwrap(), config, weights)
}

/// Encodes a shard of `names` whose rows are `rows` of the golden table.
fn shard_bytes(weights: &StateDict, task_id: &str, names: &[&str], rows: &[usize]) -> Vec<u8> {
    let table = weights.get("puzzle_emb.weights").unwrap();
    let ndim = table.shape()[1];
    let values = table.as_f32().unwrap();
    let shard = PuzzleEmbShard {
        task_id: task_id.to_string(),
        names: names.iter().map(|name| name.to_string()).collect(),
        row_ids: rows.iter().map(|&row| row as u32).collect(),
        puzzle_emb_ndim: ndim,
        weights: rows.iter().flat_map(|&row| values[row * ndim..(row + 1) * ndim].to_vec()).collect(),
    };
    encode_shard(&shard, FloatFormat::F32).unwrap()
}

fn golden_grid(step: usize) -> Vec<Vec<u8>> {
    let io = StateDict::open(fixture("arc_small.io.safetensors")).unwrap();
    let preds = io.get(&format!("step{step}.preds")).unwrap().as_i64().unwrap().to_vec();
    decode_prediction(&preds[..900]).unwrap().to_rows()
}

#[test]
fn shard_rows_reproduce_golden_predictions() {
    let device = Device::flex();
    let (model, config, weights) = arc_small(&device);
    let augmented = format!("{TASK_ID}|||t1|||0123456789");
    let bytes = shard_bytes(&weights, TASK_ID, &[TASK_ID, &augmented], &[1, 3]);

    let shard = TaskShard::load(&model, &config, &bytes, "007bbfb7.safetensors", &device).unwrap();
    assert_eq!(shard.info().task_id, TASK_ID);
    assert_eq!(shard.info().rows, 2);
    assert_eq!(shard.plan[0].puzzle_identifier, 0);
    assert_eq!(shard.plan[1].augmentation, parse_name(&augmented).unwrap().1);
    assert_eq!(shard.plan[1].augmentation.transform, Dihedral::from_id(1).unwrap());

    // The golden case ran train pair 0 of 007bbfb7 with row 1.
    let task = ponder_tasks::dataset::load_task(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/arc"), ponder_tasks::dataset::Dataset::Arc1Training, TASK_ID).unwrap();
    let input = task.train[0].input.clone();
    let mut identity_grids = Vec::new();
    let settings = RunSettings { steps: 3, early_halting: false, batch_size: 2 };
    let result = pollster::block_on(solve_planned(&shard.model, &device, &input, &shard.plan, settings, |report| {
        identity_grids.push(report.predictions[0].grid.clone());
        ControlFlow::Continue(())
    }, || false))
    .unwrap();

    let golden: Vec<_> = (0..3).map(|step| Some(golden_grid(step))).collect();
    assert_eq!(identity_grids, golden);
    assert_eq!(result.steps_used, vec![3, 3]);
}

#[test]
fn shard_of_other_width_is_rejected() {
    let device = Device::flex();
    let (model, mut config, weights) = arc_small(&device);
    let bytes = shard_bytes(&weights, TASK_ID, &[TASK_ID], &[1]);
    config.puzzle_emb_ndim = 32;

    let error = TaskShard::load(&model, &config, &bytes, "007bbfb7.safetensors", &device).unwrap_err();

    assert_eq!(
        error.to_string(),
        "the shard's rows have 64 values, but the loaded model's puzzle_emb_ndim is 32: it belongs to another checkpoint"
    );
}

#[test]
fn shard_row_of_another_task_is_rejected() {
    let device = Device::flex();
    let (model, config, weights) = arc_small(&device);
    let bytes = shard_bytes(&weights, TASK_ID, &[TASK_ID, "00d62c1b|||t2|||0123456789"], &[1, 2]);

    let error = TaskShard::load(&model, &config, &bytes, "007bbfb7.safetensors", &device).unwrap_err();

    assert_eq!(error.to_string(), "row 1 of the shard is named \"00d62c1b|||t2|||0123456789\", which is not a puzzle of task 007bbfb7");
}

#[test]
fn shard_that_is_not_safetensors_is_rejected() {
    let device = Device::flex();
    let (model, config, _) = arc_small(&device);

    let error = TaskShard::load(&model, &config, b"not a shard", "007bbfb7.safetensors", &device).unwrap_err();

    assert!(error.to_string().contains("007bbfb7.safetensors"), "{error}");
}
