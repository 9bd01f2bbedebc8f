//! Each malformed ARC file the validator must reject, with its exact message.

use ponder_tasks::Task;
use ponder_tasks::kaggle::{parse_challenges, parse_kaggle, parse_solutions};

/// Builds a one-pair task whose train input is `grid`.
fn task_with_input(grid: &str) -> String {
    format!(r#"{{"train":[{{"input":{grid},"output":[[1]]}}],"test":[{{"input":[[0]]}}]}}"#)
}

fn problems(id: &str, text: &str) -> Vec<String> {
    match Task::from_json(id, text) {
        Ok(_) => Vec::new(),
        Err(problems) => problems.0.iter().map(ToString::to_string).collect(),
    }
}

fn cell_message(found: &str) -> String {
    format!("task t, train pair 0, input grid: row 0, column 1: cell is {found}, expected an integer from 0 to 9")
}

#[test]
fn invalid_cells_are_named() {
    for found in ["null", "10", "-1", "5.0", "\"5\"", "true"] {
        let text = task_with_input(&format!("[[0,{found}]]"));
        assert_eq!(problems("t", &text), vec![cell_message(found)], "cell {found}");
    }
}

#[test]
fn every_bad_cell_is_reported() {
    let text = task_with_input(r#"[[null,1],[2,"x"]]"#);
    assert_eq!(
        problems("t", &text),
        vec![
            "task t, train pair 0, input grid: row 0, column 0: cell is null, expected an integer from 0 to 9",
            "task t, train pair 0, input grid: row 1, column 1: cell is \"x\", expected an integer from 0 to 9",
        ]
    );
}

#[test]
fn ragged_rows() {
    let text = task_with_input("[[1,2],[3],[4,5,6]]");
    assert_eq!(
        problems("t", &text),
        vec![
            "task t, train pair 0, input grid: row 1 has 1 cells, but row 0 has 2",
            "task t, train pair 0, input grid: row 2 has 3 cells, but row 0 has 2",
        ]
    );
}

#[test]
fn empty_grids() {
    assert_eq!(
        problems("t", &task_with_input("[]")),
        vec!["task t, train pair 0, input grid: grid is an empty list, expected 1 to 30 rows"]
    );
    assert_eq!(
        problems("t", &task_with_input("[[]]")),
        vec!["task t, train pair 0, input grid: row 0 is an empty list, expected 1 to 30 cells"]
    );
}

#[test]
fn grids_over_thirty() {
    let tall = format!("[{}]", vec!["[0]"; 31].join(","));
    assert_eq!(
        problems("t", &task_with_input(&tall)),
        vec!["task t, train pair 0, input grid: grid has 31 rows, the maximum is 30"]
    );
    let wide = format!("[[{}]]", vec!["0"; 31].join(","));
    assert_eq!(
        problems("t", &task_with_input(&wide)),
        vec!["task t, train pair 0, input grid: row 0 has 31 cells, the maximum is 30"]
    );
}

#[test]
fn smallest_and_largest_grids_pass() {
    let row = format!("[{}]", vec!["9"; 30].join(","));
    let full = format!("[{}]", vec![row.as_str(); 30].join(","));
    let task = Task::from_json("t", &task_with_input(&full)).unwrap();
    assert_eq!(task.train[0].input.rows(), 30);
    assert_eq!(task.train[0].input.cols(), 30);
    assert_eq!(task.train[0].output.size_text(), "1x1");
}

#[test]
fn missing_train_and_test() {
    assert_eq!(problems("t", "{}"), vec!["task t: missing key `train`", "task t: missing key `test`"]);
}

#[test]
fn empty_test_list() {
    let text = r#"{"train":[{"input":[[1]],"output":[[1]]}],"test":[]}"#;
    assert_eq!(problems("t", text), vec!["task t: `test` is an empty list, expected at least one pair"]);
}

#[test]
fn missing_train_output() {
    let text = r#"{"train":[{"input":[[1]]}],"test":[{"input":[[1]]}]}"#;
    assert_eq!(problems("t", text), vec!["task t, train pair 0: missing key `output`"]);
}

#[test]
fn top_level_array() {
    assert_eq!(problems("t", "[1, 2]"), vec!["task t: expected an object with `train` and `test`, found an array"]);
}

#[test]
fn truncated_json_gives_offset() {
    // 33 bytes long: the offset of a truncated file is its length.
    let text = "{\"train\": [{\"input\": [[1, 2],\n [3";
    assert_eq!(
        problems("t", text),
        vec!["file: invalid JSON at line 2, column 3 (byte offset 33): EOF while parsing a list"]
    );
}

#[test]
fn syntax_error_inside_text_gives_offset() {
    let text = "{\"train\": [}\n";
    assert_eq!(
        problems("t", text),
        vec!["file: invalid JSON at line 1, column 12 (byte offset 11): expected value"]
    );
    assert_eq!(&text[11..12], "}");
}

#[test]
fn test_output_optional_and_extra_keys_allowed() {
    let text = r#"{"name":"demo","train":[{"input":[[1]],"output":[[2]],"note":1}],"test":[{"input":[[3]]}]}"#;
    let task = Task::from_json("t", text).unwrap();
    assert_eq!(task.test[0].output, None);
}

#[test]
fn problems_in_several_pairs_all_reported() {
    let text = r#"{"train":[{"input":[[1]],"output":[[2,10]]},{"input":[],"output":[[1]]}],"test":[{"output":[[3]]}]}"#;
    assert_eq!(
        problems("t", text),
        vec![
            "task t, train pair 0, output grid: row 0, column 1: cell is 10, expected an integer from 0 to 9",
            "task t, train pair 1, input grid: grid is an empty list, expected 1 to 30 rows",
            "task t, test pair 0: missing key `input`",
        ]
    );
}

fn kaggle_problems(challenges: &str, solutions: &str) -> Vec<String> {
    match parse_kaggle(challenges, Some(solutions)) {
        Ok(_) => Vec::new(),
        Err(problems) => problems.0.iter().map(ToString::to_string).collect(),
    }
}

const CHALLENGES: &str = r#"{
  "aa": {"train":[{"input":[[1]],"output":[[2]]}],"test":[{"input":[[3]]},{"input":[[4]]}]},
  "bb": {"train":[{"input":[[1]],"output":[[2]]}],"test":[{"input":[[5]]}]}
}"#;

#[test]
fn kaggle_solution_count_mismatch() {
    let solutions = r#"{"aa":[[[1]]],"bb":[[[6]]]}"#;
    assert_eq!(
        kaggle_problems(CHALLENGES, solutions),
        vec!["task aa: 2 test inputs, but the solutions file has 1 output grids"]
    );
}

#[test]
fn kaggle_missing_and_unknown_solutions() {
    let solutions = r#"{"aa":[[[1]],[[2]]],"cc":[[[6]]]}"#;
    assert_eq!(
        kaggle_problems(CHALLENGES, solutions),
        vec![
            "task bb: no solutions for this task in the solutions file",
            "task cc: solutions file has an entry for this task, but the challenges file has no such task",
        ]
    );
}

#[test]
fn kaggle_solutions_attach_in_order() {
    let solutions = r#"{"bb":[[[6]]],"aa":[[[7]],[[8,9]]]}"#;
    let tasks = parse_kaggle(CHALLENGES, Some(solutions)).unwrap();
    assert_eq!(tasks[0].0, "aa");
    assert_eq!(tasks[0].1.test[1].output.as_ref().map(|g| g.to_rows()), Some(vec![vec![8, 9]]));
}

#[test]
fn kaggle_duplicate_ids_within_file() {
    let text = r#"{"aa":{"train":[{"input":[[1]],"output":[[2]]}],"test":[{"input":[[3]]}]},
                   "aa":{"train":[{"input":[[1]],"output":[[2]]}],"test":[{"input":[[3]]}]}}"#;
    let messages: Vec<String> = parse_challenges(text).unwrap_err().0.iter().map(ToString::to_string).collect();
    assert_eq!(messages, vec!["task aa: task id appears 2 times in the file"]);
}

#[test]
fn kaggle_problems_name_task_in_file() {
    let text = r#"{"aa":{"train":[{"input":[[1]],"output":[[2]]}],"test":[{"input":[[3,true]]}]}, "bb": [1]}"#;
    let messages: Vec<String> = parse_challenges(text).unwrap_err().0.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        vec![
            "task aa, test pair 0, input grid: row 0, column 1: cell is true, expected an integer from 0 to 9",
            "task bb: expected an object with `train` and `test`, found an array",
        ]
    );
}

#[test]
fn kaggle_top_level_array() {
    let messages: Vec<String> = parse_solutions("[]").unwrap_err().0.iter().map(ToString::to_string).collect();
    assert_eq!(messages, vec!["file: expected an object mapping task ids to lists of grids, found an array"]);
}

#[test]
fn kaggle_check_keeps_valid_tasks() {
    let text = r#"{"aa":{"train":[{"input":[[1]],"output":[[2]]}],"test":[{"input":[[3]]}]},"bb":{"test":[{"input":[[3]]}]}}"#;
    let checked = ponder_tasks::kaggle::check_kaggle(text, Some(r#"{"aa":[[[9]]],"bb":[[[1]]]}"#));
    assert_eq!(checked.tasks.len(), 1);
    assert_eq!(checked.tasks[0].1.test[0].output.as_ref().map(|g| g.to_rows()), Some(vec![vec![9]]));
    let messages: Vec<String> = checked.challenge_problems.iter().map(ToString::to_string).collect();
    assert_eq!(messages, vec!["task bb: missing key `train`"]);
    assert!(checked.solution_problems.is_empty());
}

#[test]
fn bundled_datasets_validate() {
    use ponder_tasks::dataset::{Dataset, bundled_data_dir, load_dataset};
    let expected = [(Dataset::Arc1Training, 400, 416), (Dataset::Arc1Evaluation, 400, 419), (Dataset::Arc2Training, 1000, 1076), (Dataset::Arc2Evaluation, 120, 172)];
    for (dataset, tasks, tests) in expected {
        let loaded = load_dataset(&bundled_data_dir(), dataset).unwrap();
        assert_eq!(loaded.len(), tasks, "{dataset}");
        assert_eq!(loaded.iter().map(|(_, task)| task.test.len()).sum::<usize>(), tests, "{dataset}");
        assert!(loaded.iter().all(|(_, task)| task.test.iter().all(|pair| pair.output.is_some())), "{dataset}");
    }
}

#[test]
fn oversized_grid_reported_once_per_axis() {
    let row = format!("[{}]", vec!["0"; 31].join(","));
    let grid = format!("[{}]", vec![row.as_str(); 31].join(","));
    assert_eq!(
        problems("t", &task_with_input(&grid)),
        vec![
            "task t, train pair 0, input grid: grid has 31 rows, the maximum is 30",
            "task t, train pair 0, input grid: row 0 has 31 cells, the maximum is 30",
        ]
    );
}

#[test]
fn kaggle_files_round_trip() {
    use ponder_tasks::kaggle::{write_challenges, write_solutions};
    let solutions = r#"{"aa":[[[7]],[[8,9]]],"bb":[[[6]]]}"#;
    let tasks = parse_kaggle(CHALLENGES, Some(solutions)).unwrap();
    let challenges_text = write_challenges(&tasks);
    assert!(!challenges_text.contains("output\":[[7]]"));
    assert_eq!(write_solutions(&tasks), r#"{"aa":[[[7]],[[8,9]]],"bb":[[[6]]]}"#);
    assert_eq!(parse_kaggle(&challenges_text, Some(&write_solutions(&tasks))), Ok(tasks));
}
