//! `ponder check FILE...`: validates ARC task files and reports every problem.
//!
//! A file is read as a single task when its top level has a `train` or
//! `test` key (or is not an object), and as a Kaggle challenges file otherwise.
//! For `NAME_challenges.json`, a `NAME_solutions.json` beside it is checked
//! too and its outputs count as the test outputs.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ponder_tasks::kaggle::check_kaggle;
use ponder_tasks::problem::Problem;
use ponder_tasks::{Task, validate};

#[derive(clap::Args)]
pub struct Args {
    /// Task files: single-task JSON (`{"train": [...], "test": [...]}`) or
    /// Kaggle challenges files. Pair, row and column numbers in messages
    /// count from 0.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Problems and valid tasks found in all files.
#[derive(Default)]
struct Totals {
    problems: usize,
    tasks: usize,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut totals = Totals::default();
    for path in &args.files {
        check_file(path, &mut totals);
    }

    let files = args.files.len();
    println!(
        "checked {files} {}: {} valid {}, {} {}",
        if files == 1 { "file" } else { "files" },
        totals.tasks,
        if totals.tasks == 1 { "task" } else { "tasks" },
        totals.problems,
        if totals.problems == 1 { "problem" } else { "problems" },
    );
    Ok(if totals.problems == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn check_file(path: &Path, totals: &mut Totals) {
    let path_text = path.display();
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => {
            println!("{path_text}: failed to read: {error}");
            totals.problems += 1;
            return;
        }
    };

    if is_single_task(&text) {
        let id = path.file_stem().map_or_else(|| path_text.to_string(), |stem| stem.to_string_lossy().into_owned());
        match Task::from_json(&id, &text) {
            Ok(task) => print_summary(path, &id, &task, totals),
            Err(problems) => print_problems(path, &problems.0, totals),
        }
        return;
    }

    let solutions_path = solutions_beside(path);
    let solutions = match &solutions_path {
        Some(solutions_path) => match std::fs::read_to_string(solutions_path) {
            Ok(text) => Some(text),
            Err(error) => {
                println!("{}: failed to read: {error}", solutions_path.display());
                totals.problems += 1;
                None
            }
        },
        None => None,
    };

    let checked = check_kaggle(&text, solutions.as_deref());
    print_problems(path, &checked.challenge_problems, totals);
    if let Some(solutions_path) = &solutions_path {
        print_problems(solutions_path, &checked.solution_problems, totals);
    }
    for (id, task) in &checked.tasks {
        print_summary(path, id, task, totals);
    }
}

/// Returns whether the text is a single task rather than a map of tasks,
/// which is anything but a non-empty object without `train` and `test` keys.
/// Broken JSON also counts as a single task, so its syntax problem is
/// reported once.
fn is_single_task(text: &str) -> bool {
    match validate::parse_json(text) {
        Ok(serde_json::Value::Object(object)) => {
            object.is_empty() || object.contains_key("train") || object.contains_key("test")
        }
        _ => true,
    }
}

/// Finds `X_solutions.json` beside a file named `X_challenges.json`.
fn solutions_beside(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix("_challenges.json")?;
    let solutions = path.with_file_name(format!("{stem}_solutions.json"));
    solutions.is_file().then_some(solutions)
}

fn print_problems(path: &Path, problems: &[Problem], totals: &mut Totals) {
    for problem in problems {
        println!("{}: {problem}", path.display());
    }
    totals.problems += problems.len();
}

fn print_summary(path: &Path, id: &str, task: &Task, totals: &mut Totals) {
    println!("{}: ok {id}: {}", path.display(), task.summary());
    totals.tasks += 1;
}
