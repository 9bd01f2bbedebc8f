//! `ponder eval` on ARC tasks: pass@1 and pass@2 under both conventions,
//! results written per task and continued by a second run.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ponder-model/tests/fixtures").join(name)
}

fn ponder(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ponder")).args(args).output().expect("ponder runs")
}

fn succeed(args: &[&str]) -> String {
    let output = ponder(args);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "ponder {args:?} failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    stdout
}

/// Writes a model folder as `ponder train` does, with the golden arc_small checkpoint in it.
fn arc_small_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ponder-eval-arc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(fixture("arc_small.config.json"), dir.join("config.json")).unwrap();
    std::fs::copy(fixture("arc_small.safetensors"), dir.join("model.safetensors")).unwrap();
    dir
}

#[test]
fn arc_eval_scores_and_continues() {
    let dir = arc_small_dir();
    let model = dir.to_str().unwrap();
    let out = dir.join("results.json");
    let first_list = dir.join("first.txt");
    let both_list = dir.join("both.txt");
    std::fs::write(&first_list, "# the first task\n007bbfb7\n").unwrap();
    std::fs::write(&both_list, "007bbfb7\n00d62c1b\n").unwrap();
    let common = ["eval", "--dataset", "arc1-training", "--model", model, "--augmentations", "2", "--steps", "1", "--out", out.to_str().unwrap()];

    let first = succeed(&[&common[..], &["--tasks", first_list.to_str().unwrap()]].concat());
    assert!(first.contains("   1/1 007bbfb7: pass@2 [false]"), "{first}");
    assert!(first.contains("arc1-training on 1 tasks"), "{first}");

    let second = succeed(&[&common[..], &["--tasks", both_list.to_str().unwrap()]].concat());
    assert!(second.contains(&format!("continuing {}: 1 tasks done", out.display())), "{second}");
    assert!(!second.contains("007bbfb7: pass@2"), "the finished task ran again:\n{second}");
    assert!(second.contains("   2/2 00d62c1b: pass@2 [false]"), "{second}");
    assert!(second.contains("  pass@1: 0.0000 (0.00 of 2 tasks; official ARC evaluator, fractional credit per test input)"), "{second}");
    assert!(second.contains("  pass@2: 0.0000 (0.00 of 2 tasks; HRM, a task counts only when all its test inputs are right)"), "{second}");

    let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let ids: Vec<_> = saved["tasks"].as_array().unwrap().iter().map(|task| task["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids, ["007bbfb7", "00d62c1b"]);
    assert_eq!(saved["settings"], "2 augmentations, 1 ACT steps, 0 fine-tuning steps, seed 0");

    // Other settings do not continue these results.
    let output = ponder(&["eval", "--dataset", "arc1-training", "--model", model, "--augmentations", "3", "--steps", "1", "--out", out.to_str().unwrap()]);
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim(),
        format!(
            "error: {} contains results of another evaluation (arc1-training, model {model}, 2 augmentations, 1 ACT steps, 0 fine-tuning steps, seed 0): choose another --out or delete it",
            out.display()
        )
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn unknown_dataset_lists_choices() {
    let output = ponder(&["eval", "--dataset", "chess"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown dataset `chess`: expected sudoku, maze, arc1-training, arc1-evaluation, arc2-training, arc2-evaluation"),
        "{stderr}"
    );
}

/// The figures in `models/sudoku/figures.json`, which the model card and the
/// README quote.
#[derive(serde::Deserialize)]
struct Figures {
    count: usize,
    seed: u64,
    solved_per_step: Vec<usize>,
    solved_at_halt: usize,
}

#[test]
fn shipped_sudoku_model_reproduces_its_figures() {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/sudoku");
    let figures: Figures = serde_json::from_str(&std::fs::read_to_string(models.join("figures.json")).unwrap()).unwrap();
    let out = std::env::temp_dir().join(format!("ponder-eval-sudoku-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&out);

    // No --model: eval picks the shipped model.
    let count = figures.count.to_string();
    let seed = figures.seed.to_string();
    let stdout = succeed(&["eval", "--dataset", "sudoku", "--count", &count, "--seed", &seed, "--out", out.to_str().unwrap()]);

    let results: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let solved_after_step = results["solved_after_step"].as_array().unwrap();
    assert_eq!(solved_after_step.len(), figures.count);
    // Within one percentage point, as the model card promises.
    let tolerance = figures.count / 100;
    for (step, &expected) in figures.solved_per_step.iter().enumerate() {
        let solved = solved_after_step.iter().filter(|puzzle| puzzle[step].as_bool().unwrap()).count();
        assert!(solved.abs_diff(expected) <= tolerance, "step {}: {solved} solved, the card says {expected}\n{stdout}", step + 1);
    }
    let halted_at = results["halted_at"].as_array().unwrap();
    let at_halt = solved_after_step
        .iter()
        .zip(halted_at)
        .filter(|(puzzle, halted)| puzzle[halted.as_u64().unwrap() as usize - 1].as_bool().unwrap())
        .count();
    assert!(at_halt.abs_diff(figures.solved_at_halt) <= tolerance, "at q_halt: {at_halt} solved, the card says {}\n{stdout}", figures.solved_at_halt);
    std::fs::remove_file(&out).ok();
}

#[test]
fn sudoku_eval_takes_other_givens() {
    let out = std::env::temp_dir().join(format!("ponder-eval-givens-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&out);

    let stdout = succeed(&["eval", "--dataset", "sudoku", "--count", "3", "--steps", "1", "--givens", "40", "--out", out.to_str().unwrap()]);
    assert!(stdout.contains("exactly solved on 3 held-out puzzles (seed 0, 40 givens), after each ACT step:"), "{stdout}");
    let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(saved["givens"], 40);

    let output = ponder(&["eval", "--dataset", "maze", "--count", "1", "--givens", "40"]);
    assert_eq!(String::from_utf8_lossy(&output.stderr).trim(), "error: --givens applies to Sudoku only");
    std::fs::remove_file(&out).ok();
}

/// Maze and ARC have no shipped model yet, so eval without --model must print what to do.
#[test]
fn missing_shipped_model_is_named() {
    let output = ponder(&["eval", "--dataset", "maze", "--count", "1"]);
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim(),
        "error: no maze model is shipped yet: train one with `ponder train --preset maze --out DIR` and pass --model DIR"
    );

    let output = ponder(&["eval", "--dataset", "arc1-evaluation"]);
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim(),
        "error: no arc model is shipped yet: train one with `ponder train --preset arc --out DIR` and pass --model DIR"
    );
}
