//! Reproduces, byte for byte, the ARC inputs and labels that the official TRM
//! code fed its model in the reference cases. The fixtures hold only
//! `input.inputs`, `input.labels` and `input.puzzle_identifiers`; see
//! `fixtures/README.md` for where they come from.

use std::path::Path;

use ponder_tasks::dataset::{Dataset, bundled_data_dir, load_task};
use ponder_tasks::encoding::{Translation, encode_pair, labels_with_ignore};
use safetensors::SafeTensors;

/// Reads an `I32` tensor as integers.
fn read_i32(tensors: &SafeTensors, name: &str) -> (Vec<usize>, Vec<i32>) {
    let view = tensors.tensor(name).unwrap();
    assert_eq!(view.dtype(), safetensors::Dtype::I32, "{name}");
    let values = view.data().chunks_exact(4).map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    (view.shape().to_vec(), values)
}

/// Checks one case: row k of the batch is train pair 0 of `tasks[k]` from
/// ARC-AGI-1 training, encoded without translation. The cases were found by
/// decoding each row and matching it against the dataset.
fn check_case(case: &str, tasks: &[&str], puzzle_identifiers: &[i32]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(format!("{case}.input.safetensors"));
    let bytes = std::fs::read(&path).unwrap();
    let tensors = SafeTensors::deserialize(&bytes).unwrap();

    let (input_shape, inputs) = read_i32(&tensors, "input.inputs");
    let (label_shape, labels) = read_i32(&tensors, "input.labels");
    let (_, identifiers) = read_i32(&tensors, "input.puzzle_identifiers");
    assert_eq!(input_shape, vec![tasks.len(), 900]);
    assert_eq!(label_shape, vec![tasks.len(), 900]);
    // Identifiers index the case's own puzzle table, so they are recorded
    // rather than derived.
    assert_eq!(identifiers, puzzle_identifiers);

    for (row, id) in tasks.iter().enumerate() {
        let task = load_task(&bundled_data_dir(), Dataset::Arc1Training, id).unwrap();
        let pair = &task.train[0];
        let (input, output) = encode_pair(&pair.input, &pair.output, Translation::default()).unwrap();
        let input: Vec<i32> = input.into_iter().map(i32::from).collect();
        assert_eq!(input, inputs[row * 900..(row + 1) * 900], "{case} inputs row {row} ({id})");
        assert_eq!(labels_with_ignore(&output), labels[row * 900..(row + 1) * 900], "{case} labels row {row} ({id})");
    }
}

#[test]
fn arc_small_matches_official_encoding() {
    check_case("arc_small", &["007bbfb7", "1e0a9b12"], &[1, 3]);
}

#[test]
fn arc_full_matches_official_encoding() {
    check_case("arc_full", &["0d3d703e"], &[2]);
}

#[test]
fn hrm_arc_small_matches_official_encoding() {
    check_case("hrm_arc_small", &["05f2a901", "a85d4709"], &[2, 1]);
}

#[test]
fn same_id_differs_across_datasets() {
    let data = bundled_data_dir();
    let arc1 = ponder_tasks::dataset::load_dataset(&data, Dataset::Arc1Evaluation).unwrap();
    let arc2 = ponder_tasks::dataset::load_dataset(&data, Dataset::Arc2Training).unwrap();
    assert_eq!(arc1.len(), 400);
    assert_eq!(arc2.len(), 1000);
    let shared = arc1.iter().filter(|(id, _)| arc2.iter().any(|(other, _)| other == id)).count();
    assert!(shared > 0, "ARC-AGI-2 training reuses ARC-AGI-1 evaluation ids");
}

#[test]
fn load_task_reports_missing_id() {
    let error = load_task(&bundled_data_dir(), Dataset::Arc2Evaluation, "nope").unwrap_err();
    assert_eq!(error.to_string(), "task nope not found in arc2-evaluation");
}
