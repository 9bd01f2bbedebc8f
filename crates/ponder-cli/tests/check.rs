//! `ponder check` as a user runs it: exact output and exit codes.

use std::path::PathBuf;
use std::process::Command;

/// Creates an empty folder for one test's files.
fn folder(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ponder-check-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `ponder check` on the files, from inside `dir`, returning stdout and
/// the exit code.
fn check(dir: &PathBuf, files: &[&str]) -> (String, i32) {
    let output = Command::new(env!("CARGO_BIN_EXE_ponder")).arg("check").args(files).current_dir(dir).output().unwrap();
    (String::from_utf8(output.stdout).unwrap(), output.status.code().unwrap())
}

const VALID: &str = r#"{"train":[{"input":[[1,2]],"output":[[3],[4]]},{"input":[[0]],"output":[[5]]}],
  "test":[{"input":[[6,7,8]]}]}"#;

#[test]
fn valid_task_prints_summary() {
    let dir = folder("valid");
    std::fs::write(dir.join("demo.json"), VALID).unwrap();
    let (stdout, code) = check(&dir, &["demo.json"]);
    assert_eq!(
        stdout,
        "demo.json: ok demo: 2 train pairs, 1 test input (0 with output), grids from 1x1 to 2x3\n\
         checked 1 file: 1 valid task, 0 problems\n"
    );
    assert_eq!(code, 0);
}

#[test]
fn every_problem_is_printed() {
    let dir = folder("problems");
    let text = r#"{"train":[{"input":[[1,null],[2]],"output":[[10]]}],"test":[]}"#;
    std::fs::write(dir.join("bad.json"), text).unwrap();
    let (stdout, code) = check(&dir, &["bad.json"]);
    assert_eq!(
        stdout,
        "bad.json: task bad, train pair 0, input grid: row 0, column 1: cell is null, expected an integer from 0 to 9\n\
         bad.json: task bad, train pair 0, input grid: row 1 has 1 cells, but row 0 has 2\n\
         bad.json: task bad, train pair 0, output grid: row 0, column 0: cell is 10, expected an integer from 0 to 9\n\
         bad.json: task bad: `test` is an empty list, expected at least one pair\n\
         checked 1 file: 0 valid tasks, 4 problems\n"
    );
    assert_eq!(code, 1);
}

#[test]
fn broken_json_and_missing_file() {
    let dir = folder("broken");
    std::fs::write(dir.join("cut.json"), r#"{"train": [{"input": [[1"#).unwrap();
    std::fs::write(dir.join("list.json"), "[]").unwrap();
    let (stdout, code) = check(&dir, &["cut.json", "list.json", "absent.json"]);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "cut.json: file: invalid JSON at line 1, column 24 (byte offset 24): EOF while parsing a list");
    assert_eq!(lines[1], "list.json: task list: expected an object with `train` and `test`, found an array");
    assert!(lines[2].starts_with("absent.json: failed to read: "), "{}", lines[2]);
    assert_eq!(lines[3], "checked 3 files: 0 valid tasks, 3 problems");
    assert_eq!(lines.len(), 4);
    assert_eq!(code, 1);
}

#[test]
fn kaggle_files_with_solutions_beside() {
    let dir = folder("kaggle");
    let challenges = format!(r#"{{"aa": {VALID}, "bb": {VALID}}}"#);
    std::fs::write(dir.join("set_challenges.json"), challenges).unwrap();
    std::fs::write(dir.join("set_solutions.json"), r#"{"aa": [[[1]]], "bb": [[[2]], [[3]]]}"#).unwrap();
    let (stdout, code) = check(&dir, &["set_challenges.json"]);
    assert_eq!(
        stdout,
        "set_solutions.json: task bb: 1 test inputs, but the solutions file has 2 output grids\n\
         set_challenges.json: ok aa: 2 train pairs, 1 test input (1 with output), grids from 1x1 to 2x3\n\
         set_challenges.json: ok bb: 2 train pairs, 1 test input (0 with output), grids from 1x1 to 2x3\n\
         checked 1 file: 2 valid tasks, 1 problem\n"
    );
    assert_eq!(code, 1);
}

#[test]
fn kaggle_file_without_solutions() {
    let dir = folder("kaggle-alone");
    std::fs::write(dir.join("mine.json"), format!(r#"{{"x1": {VALID}}}"#)).unwrap();
    let (stdout, code) = check(&dir, &["mine.json"]);
    assert_eq!(
        stdout,
        "mine.json: ok x1: 2 train pairs, 1 test input (0 with output), grids from 1x1 to 2x3\n\
         checked 1 file: 1 valid task, 0 problems\n"
    );
    assert_eq!(code, 0);
}

#[test]
fn bundled_arc_file_is_valid() {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/arc");
    let (stdout, code) = check(&data, &["arc-agi_evaluation2_challenges.json"]);
    assert_eq!(code, 0);
    assert_eq!(stdout.lines().last(), Some("checked 1 file: 120 valid tasks, 0 problems"));
    assert_eq!(stdout.lines().filter(|line| line.contains(": ok ")).count(), 120);
}
