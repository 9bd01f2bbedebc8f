//! `ponder solve` with the golden arc_small checkpoint prints two attempts
//! per test input and writes a valid submission. Trained from scratch on
//! b1948b0a (every 6 becomes a 2), it solves the test input. A run with
//! neither a model nor fine-tuning is rejected with its reason.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ponder_tasks::Grid;
use ponder_tasks::kaggle::Submission;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ponder-model/tests/fixtures").join(name)
}

fn ponder(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ponder")).arg("solve").args(args).output().expect("ponder runs")
}

#[test]
fn solve_with_checkpoint_writes_submission() {
    let submission = std::env::temp_dir().join(format!("ponder-solve-submission-{}.json", std::process::id()));
    let config = fixture("arc_small.config.json");
    let checkpoint = fixture("arc_small.safetensors");

    let output = ponder(&[
        "007bbfb7",
        "--config",
        config.to_str().unwrap(),
        "--checkpoint",
        checkpoint.to_str().unwrap(),
        "--augmentations",
        "2",
        "--steps",
        "1",
        "--submission",
        submission.to_str().unwrap(),
    ]);

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("solving test input 0 under 2 augmentations, 1 ACT steps each"), "{stdout}");
    assert!(stdout.contains("  step 1/1, augmentations 1-2 of 2 (100%)"), "{stdout}");
    assert!(stdout.contains("test input 0, attempt 1"), "{stdout}");
    assert!(stdout.contains("test input 0, attempt 2"), "{stdout}");
    assert!(stdout.contains("solved 0 of 1 test inputs") || stdout.contains("solved 1 of 1 test inputs"), "{stdout}");

    let written = Submission::from_json(&std::fs::read_to_string(&submission).unwrap()).unwrap();
    std::fs::remove_file(&submission).ok();
    assert_eq!(written.tasks.len(), 1);
    assert_eq!(written.tasks[0].0, "007bbfb7");
    assert_eq!(written.tasks[0].1.len(), 1, "one entry per test input");
}

#[test]
fn solve_after_training_from_scratch() {
    let output = ponder(&["b1948b0a", "--finetune", "60", "--augmentations", "8", "--keep-colours", "--batch-size", "4"]);

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("fine-tuning on the demonstrations of b1948b0a (Full, 60 steps at most)"), "{stdout}");
    assert!(stdout.contains("step    1/60: loss "), "{stdout}");
    let solution = Grid::from_rows(&[[2, 7, 7, 2], [2, 7, 2, 7], [7, 7, 7, 2], [7, 2, 7, 2]]).unwrap();
    let attempt_1 = stdout.split("test input 0, attempt 1").nth(1).expect("attempt 1 is printed");
    assert!(attempt_1.starts_with(" (right):\n2772\n2727\n7772\n7272\n"), "{stdout}\nexpected {solution:?}");
    assert!(stdout.contains("solved 1 of 1 test inputs"), "{stdout}");
}

#[test]
fn solve_without_model_or_finetuning_is_rejected() {
    let output = ponder(&["b1948b0a"]);

    assert!(!output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim(),
        "error: give a model with --config and --checkpoint, or --finetune STEPS to train a small model from scratch on the task"
    );
}

#[test]
fn solve_of_unknown_task_names_it() {
    let output = ponder(&["not-a-task", "--finetune", "1"]);

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not-a-task"), "{stderr}");
}
