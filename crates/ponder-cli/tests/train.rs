//! `ponder train` writes a model that `ponder eval` reads, a run stopped
//! and resumed ends with the weights of an uninterrupted run (to float
//! rounding), and a resume that would change the run is rejected with
//! its reason.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ponder_model::checkpoint::StateDict;

fn ponder(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ponder")).args(args).output().expect("ponder runs")
}

fn succeed(args: &[&str]) -> String {
    let output = ponder(args);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "ponder {args:?} failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    stdout
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ponder-train-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn read(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap_or_else(|error| panic!("cannot read {file} in {}: {error}", dir.display()))
}

/// Asserts that two runs saved the same tensors, equal to 1e-5 of each
/// tensor's largest value: a resumed run starts from copies of its tensors,
/// whose memory layout can change the rounding of later sums.
fn assert_close(first: &Path, second: &Path, file: &str) {
    let open = |dir: &Path| StateDict::from_bytes(&read(dir, file), file).unwrap();
    let (first, second) = (open(first), open(second));
    assert_eq!(first.keys().collect::<Vec<_>>(), second.keys().collect::<Vec<_>>(), "{file}");
    for ((key, a), (_, b)) in first.iter().zip(second.iter()) {
        match (a.as_f32(), b.as_f32()) {
            (Some(a), Some(b)) => {
                let scale = a.iter().fold(0f32, |max, value| max.max(value.abs())).max(1e-6);
                let worst = a.iter().zip(b).fold(0f32, |max, (x, y)| max.max((x - y).abs()));
                assert!(worst <= 1e-5 * scale, "{file}: {key} differs by {worst} (largest value {scale})");
            }
            _ => assert_eq!(a.as_i64(), b.as_i64(), "{file}: {key}"),
        }
    }
}

#[test]
fn resumed_run_matches_straight_run() {
    let straight = fresh_dir("straight");
    let resumed = fresh_dir("resumed");
    let common = ["train", "--preset", "sudoku", "--steps", "4", "--seed", "3", "--log-every", "1"];

    let straight_out = succeed(&[&common[..], &["--out", straight.to_str().unwrap()]].concat());
    let first = succeed(&[&common[..], &["--out", resumed.to_str().unwrap(), "--until", "2"]].concat());
    let second = succeed(&[&common[..], &["--out", resumed.to_str().unwrap()]].concat());

    assert!(straight_out.contains("step      4/4: loss "), "{straight_out}");
    assert!(first.contains("saved at step 2 of 4; run the same command to continue"), "{first}");
    assert!(second.contains("step 2 of 4"), "{second}");
    assert!(second.contains("done: 4 steps"), "{second}");
    assert_eq!(read(&straight, "config.json"), read(&resumed, "config.json"));
    assert_close(&straight, &resumed, "model.safetensors");
    assert_close(&straight, &resumed, "train_state.safetensors");
    let metrics = String::from_utf8(read(&resumed, "metrics.jsonl")).unwrap();
    let straight_metrics = String::from_utf8(read(&straight, "metrics.jsonl")).unwrap();
    assert_eq!(metrics.lines().count(), 4);
    assert!(metrics.lines().last().unwrap().contains("\"step\":4"), "{metrics}");
    // The steps before the stop ran in one process in both runs.
    assert_eq!(metrics.lines().take(3).collect::<Vec<_>>(), straight_metrics.lines().take(3).collect::<Vec<_>>());

    // The trained folder is a model that eval reads.
    let results = resumed.join("results.json");
    let eval = succeed(&[
        "eval", "--dataset", "sudoku", "--model", resumed.to_str().unwrap(), "--count", "3", "--steps", "2", "--out", results.to_str().unwrap(),
    ]);
    assert!(eval.contains("exactly solved on 3 held-out puzzles (seed 0), after each ACT step:"), "{eval}");
    assert!(eval.contains("  step  2: "), "{eval}");
    let saved: serde_json::Value = serde_json::from_slice(&read(&resumed, "results.json")).unwrap();
    assert_eq!(saved["halted_at"].as_array().unwrap().len(), 3);
    assert_eq!(saved["solved_after_step"][0].as_array().unwrap().len(), 2);

    std::fs::remove_dir_all(&straight).ok();
    std::fs::remove_dir_all(&resumed).ok();
}

#[test]
fn resume_with_other_seed_is_rejected() {
    let dir = fresh_dir("other-seed");
    let path = dir.to_str().unwrap();
    succeed(&["train", "--preset", "sudoku", "--steps", "2", "--until", "1", "--out", path]);

    let output = ponder(&["train", "--preset", "sudoku", "--steps", "2", "--seed", "9", "--out", path]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert_eq!(
        stderr.trim(),
        format!("error: {path} contains a sudoku run from seed 0, not sudoku from seed 9: choose another --out, or repeat that run's --preset and --seed")
    );

    let output = ponder(&["train", "--preset", "sudoku", "--steps", "5", "--out", path]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim(), format!("error: {path} contains a run of 2 steps, and --steps cannot change the schedule of a started run"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn eval_rejects_model_of_other_family() {
    let dir = fresh_dir("family");
    let path = dir.to_str().unwrap();
    succeed(&["train", "--preset", "sudoku", "--steps", "1", "--out", path]);

    let output = ponder(&["eval", "--dataset", "maze", "--model", path, "--count", "1"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim(),
        format!("error: {path} reads 81 tokens of a 11-token vocabulary, but Maze puzzles are 900 tokens of 6: this model is for another puzzle family")
    );
    std::fs::remove_dir_all(&dir).ok();
}
