//! `ponder forward` on the `arc_small` (TRM) and `hrm_arc_small` (HRM) golden
//! cases, compared with the official outputs.

use std::path::{Path, PathBuf};
use std::process::Command;

use safetensors::{Dtype, SafeTensors};

const LOGITS_TOLERANCE: f32 = 1e-4;
/// Max absolute q_halt and q_continue error.
const Q_HALT_TOLERANCE: f32 = 1e-3;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ponder-model/tests/fixtures").join(name)
}

fn floats(file: &SafeTensors<'_>, name: &str) -> (Vec<usize>, Vec<f32>) {
    let view = file.tensor(name).unwrap_or_else(|_| panic!("no tensor {name}"));
    assert_eq!(view.dtype(), Dtype::F32, "{name}");
    let values = view.data().chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
    (view.shape().to_vec(), values)
}

fn ints(file: &SafeTensors<'_>, name: &str) -> (Vec<usize>, Vec<i32>) {
    let view = file.tensor(name).unwrap_or_else(|_| panic!("no tensor {name}"));
    assert_eq!(view.dtype(), Dtype::I32, "{name}");
    let values = view.data().chunks_exact(4).map(|b| i32::from_le_bytes(b.try_into().unwrap())).collect();
    (view.shape().to_vec(), values)
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

/// Runs `ponder forward` on a golden case on CPU and compares every output
/// it writes with the official one.
fn assert_forward_matches_golden(case: &str) {
    let out_dir = std::env::temp_dir().join(format!("ponder-forward-test-{case}-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let out = out_dir.join(format!("{case}.out.safetensors"));
    let golden_path = fixture(&format!("{case}.io.safetensors"));

    let status = Command::new(env!("CARGO_BIN_EXE_ponder"))
        .arg("forward")
        .arg("--config")
        .arg(fixture(&format!("{case}.config.json")))
        .arg("--checkpoint")
        .arg(fixture(&format!("{case}.safetensors")))
        .arg("--batch")
        .arg(&golden_path)
        .args(["--steps", "3", "--backend", "cpu", "--out"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success(), "ponder forward exited with {status}");

    let written = std::fs::read(&out).unwrap();
    let written = SafeTensors::deserialize(&written).unwrap();
    let golden = std::fs::read(&golden_path).unwrap();
    let golden = SafeTensors::deserialize(&golden).unwrap();
    let mut names = written.names();
    names.sort();
    assert_eq!(names.len(), 12, "{names:?}");

    for step in 0..3 {
        let (shape, logits) = floats(&written, &format!("step{step}.logits"));
        let (golden_shape, golden_logits) = floats(&golden, &format!("step{step}.logits"));
        assert_eq!(shape, golden_shape);
        let error = max_abs_diff(&logits, &golden_logits);
        assert!(error <= LOGITS_TOLERANCE, "{case} step {step}: logits off by {error}");

        let (_, q_halt) = floats(&written, &format!("step{step}.q_halt_logits"));
        let (_, golden_q_halt) = floats(&golden, &format!("step{step}.q_halt_logits"));
        let error = max_abs_diff(&q_halt, &golden_q_halt);
        assert!(error <= Q_HALT_TOLERANCE, "{case} step {step}: q_halt off by {error}");

        // Only the HRM case stores q_continue; TRM's released checkpoints never train it.
        let q_continue_name = format!("step{step}.q_continue_logits");
        if golden.names().contains(&q_continue_name.as_str()) {
            let (_, q_continue) = floats(&written, &q_continue_name);
            let (_, golden_q_continue) = floats(&golden, &q_continue_name);
            let error = max_abs_diff(&q_continue, &golden_q_continue);
            assert!(error <= Q_HALT_TOLERANCE, "{case} step {step}: q_continue off by {error}");
        }

        let preds = ints(&written, &format!("step{step}.preds"));
        let golden_preds = ints(&golden, &format!("step{step}.preds"));
        assert_eq!(preds, golden_preds, "{case} step {step}: predictions differ");
    }
    std::fs::remove_dir_all(&out_dir).unwrap();
}

#[test]
fn forward_arc_small_matches_golden() {
    assert_forward_matches_golden("arc_small");
}

#[test]
fn forward_hrm_arc_small_matches_golden() {
    assert_forward_matches_golden("hrm_arc_small");
}

#[test]
fn forward_rejects_token_outside_vocabulary() {
    let out_dir = std::env::temp_dir().join(format!("ponder-forward-vocab-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let batch = out_dir.join("batch.safetensors");
    let inputs: Vec<u8> = [0i32, 12].iter().flat_map(|v| v.to_le_bytes()).collect();
    let mut padded = inputs.clone();
    padded.extend(std::iter::repeat_n(0u8, 4 * 898));
    let ids: Vec<u8> = 0i32.to_le_bytes().to_vec();
    let tensors = vec![
        ("input.inputs", safetensors::tensor::TensorView::new(Dtype::I32, vec![1, 900], &padded).unwrap()),
        ("input.puzzle_identifiers", safetensors::tensor::TensorView::new(Dtype::I32, vec![1], &ids).unwrap()),
    ];
    safetensors::serialize_to_file(tensors, None, &batch).unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_ponder"))
        .arg("forward")
        .arg("--config")
        .arg(fixture("arc_small.config.json"))
        .arg("--checkpoint")
        .arg(fixture("arc_small.safetensors"))
        .arg("--batch")
        .arg(&batch)
        .arg("--out")
        .arg(out_dir.join("out.safetensors"))
        .output()
        .unwrap();

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("`input.inputs` holds 12, outside 0..12"), "{stderr}");
    std::fs::remove_dir_all(&out_dir).unwrap();
}
