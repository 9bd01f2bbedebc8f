//! The Kaggle ARC Prize formats: a challenges file mapping task ids to tasks
//! without test outputs, a solutions file mapping the same ids to the test
//! output grids in test order, and `submission.json` with two attempts per
//! test input.

use serde::Serialize;
use serde_json::Value;

use crate::arc::Task;
use crate::grid::Grid;
use crate::json::{OrderedMap, duplicate_keys, parse_entries};
use crate::problem::{GridRole, Location, PairKind, Problem, ProblemKind, Problems, json_type};
use crate::validate::{grid_from_value, task_from_value};

/// Tasks in file order, each with its id.
pub type TaskList = Vec<(String, Task)>;

/// The outcome of checking a challenges file and, when given, its solutions
/// file: the valid tasks, and every problem of each file.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    pub tasks: TaskList,
    pub challenge_problems: Vec<Problem>,
    pub solution_problems: Vec<Problem>,
}

impl Checked {
    fn into_result(self) -> Result<TaskList, Problems> {
        let mut problems = self.challenge_problems;
        problems.extend(self.solution_problems);
        if problems.is_empty() { Ok(self.tasks) } else { Err(Problems(problems)) }
    }
}

/// Checks a challenges file (or any map from ids to tasks) and, when given,
/// its solutions file, collecting every problem. Valid tasks are kept even
/// when others are not. A solutions file only fills tasks whose own entry is
/// valid and has one output per test input.
pub fn check_kaggle(challenges: &str, solutions: Option<&str>) -> Checked {
    let mut checked = Checked::default();
    let entries = match parse_entries(challenges, "an object mapping task ids to tasks") {
        Ok(entries) => entries,
        Err(problem) => {
            checked.challenge_problems.push(problem);
            Vec::new()
        }
    };
    checked.challenge_problems.extend(duplicate_keys(&entries));
    for (id, value) in &entries {
        match task_from_value(&Location::task(id), value) {
            Ok(task) => checked.tasks.push((id.clone(), task)),
            Err(found) => checked.challenge_problems.extend(found),
        }
    }

    let Some(solutions) = solutions else { return checked };
    let (outputs, problems) = check_solutions(solutions);
    checked.solution_problems = problems;
    for (id, task) in checked.tasks.iter_mut() {
        let Some((_, grids)) = outputs.iter().find(|(other, _)| other == id) else {
            // A solution entry that failed validation was reported already.
            if !checked.solution_problems.iter().any(|problem| problem.location.task.as_ref() == Some(id)) {
                checked.solution_problems.push(Problem::new(Location::task(id), ProblemKind::MissingSolutions));
            }
            continue;
        };
        if grids.len() != task.test.len() {
            let kind = ProblemKind::SolutionCount { tests: task.test.len(), solutions: grids.len() };
            checked.solution_problems.push(Problem::new(Location::task(id), kind));
            continue;
        }
        for (pair, output) in task.test.iter_mut().zip(grids) {
            pair.output = Some(output.clone());
        }
    }
    for (id, _) in &outputs {
        if !entries.iter().any(|(other, _)| other == id) {
            checked.solution_problems.push(Problem::new(Location::task(id), ProblemKind::UnknownTask));
        }
    }
    checked
}

/// Parses and validates a challenges file.
pub fn parse_challenges(text: &str) -> Result<TaskList, Problems> {
    check_kaggle(text, None).into_result()
}

/// Parses a challenges file and, when given, its solutions file.
pub fn parse_kaggle(challenges: &str, solutions: Option<&str>) -> Result<TaskList, Problems> {
    check_kaggle(challenges, solutions).into_result()
}

/// Parses a solutions file: for each task id, its test output grids.
pub fn parse_solutions(text: &str) -> Result<Vec<(String, Vec<Grid>)>, Problems> {
    let (solutions, problems) = check_solutions(text);
    if problems.is_empty() { Ok(solutions) } else { Err(Problems(problems)) }
}

/// Validates a solutions file, returning the valid entries and every problem.
fn check_solutions(text: &str) -> (Vec<(String, Vec<Grid>)>, Vec<Problem>) {
    let entries = match parse_entries(text, "an object mapping task ids to lists of grids") {
        Ok(entries) => entries,
        Err(problem) => return (Vec::new(), vec![problem]),
    };
    let mut problems = duplicate_keys(&entries);
    let mut solutions = Vec::with_capacity(entries.len());
    for (id, value) in &entries {
        let location = Location::task(id);
        let Some(grids) = value.as_array() else {
            let kind = ProblemKind::WrongType { expected: "a list of output grids", found: json_type(value) };
            problems.push(Problem::new(location, kind));
            continue;
        };
        let before = problems.len();
        let mut outputs = Vec::with_capacity(grids.len());
        for (index, grid) in grids.iter().enumerate() {
            let grid_location = location.pair(PairKind::Test, index).grid(GridRole::Output);
            outputs.extend(grid_from_value(&grid_location, grid, &mut problems));
        }
        if problems.len() == before {
            solutions.push((id.clone(), outputs));
        }
    }
    (solutions, problems)
}

/// Sets each task's test outputs from the solutions, checking that both files
/// hold the same ids and that every task has one solution per test input.
pub fn attach_solutions(tasks: &mut TaskList, solutions: &[(String, Vec<Grid>)]) -> Result<(), Problems> {
    let mut problems = Vec::new();
    for (id, task) in tasks.iter_mut() {
        let Some((_, outputs)) = solutions.iter().find(|(other, _)| other == id) else {
            problems.push(Problem::new(Location::task(id), ProblemKind::MissingSolutions));
            continue;
        };
        if outputs.len() != task.test.len() {
            let kind = ProblemKind::SolutionCount { tests: task.test.len(), solutions: outputs.len() };
            problems.push(Problem::new(Location::task(id), kind));
            continue;
        }
        for (pair, output) in task.test.iter_mut().zip(outputs) {
            pair.output = Some(output.clone());
        }
    }
    for (id, _) in solutions {
        if !tasks.iter().any(|(other, _)| other == id) {
            problems.push(Problem::new(Location::task(id), ProblemKind::UnknownTask));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(Problems(problems)) }
}

/// Writes the challenges file of `tasks`: test outputs are left out.
pub fn write_challenges(tasks: &[(String, Task)]) -> String {
    let stripped: Vec<(String, Task)> = tasks
        .iter()
        .map(|(id, task)| {
            let mut task = task.clone();
            task.test.iter_mut().for_each(|pair| pair.output = None);
            (id.clone(), task)
        })
        .collect();
    to_json_string(&OrderedMap(&stripped))
}

/// Writes the solutions file of `tasks`. A task whose test outputs are not all
/// known is left out, since the format has no place for an unknown grid.
pub fn write_solutions(tasks: &[(String, Task)]) -> String {
    let solutions: Vec<(String, Vec<&Grid>)> = tasks
        .iter()
        .filter_map(|(id, task)| {
            let outputs: Option<Vec<&Grid>> = task.test.iter().map(|pair| pair.output.as_ref()).collect();
            Some((id.clone(), outputs?))
        })
        .collect();
    to_json_string(&OrderedMap(&solutions))
}

/// The two attempts submitted for one test input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempts {
    pub attempt_1: Grid,
    pub attempt_2: Grid,
}

/// A Kaggle `submission.json`: for each task id, one [`Attempts`] per test
/// input in test order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Submission {
    pub tasks: Vec<(String, Vec<Attempts>)>,
}

impl Submission {
    /// Parses and validates a submission file.
    pub fn from_json(text: &str) -> Result<Self, Problems> {
        let entries = parse_entries(text, "an object mapping task ids to lists of attempts").map_err(|p| Problems(vec![p]))?;
        let mut problems = duplicate_keys(&entries);
        let mut tasks = Vec::with_capacity(entries.len());
        for (id, value) in &entries {
            let before = problems.len();
            let attempts = parse_task_attempts(&Location::task(id), value, &mut problems);
            if problems.len() == before {
                tasks.push((id.clone(), attempts));
            }
        }
        if problems.is_empty() { Ok(Self { tasks }) } else { Err(Problems(problems)) }
    }

    /// Writes the submission in Kaggle's format, tasks in their stored order.
    pub fn to_json(&self) -> String {
        to_json_string(&OrderedMap(&self.tasks))
    }

    /// Checks that the submission has each task of `tasks` with one entry per
    /// test input.
    pub fn check_against(&self, tasks: &[(String, Task)]) -> Result<(), Problems> {
        let mut problems = Vec::new();
        for (id, task) in tasks {
            match self.tasks.iter().find(|(other, _)| other == id) {
                None => problems.push(Problem::new(Location::task(id), ProblemKind::NotSubmitted)),
                Some((_, attempts)) if attempts.len() != task.test.len() => {
                    let kind = ProblemKind::AttemptCount { tests: task.test.len(), entries: attempts.len() };
                    problems.push(Problem::new(Location::task(id), kind));
                }
                Some(_) => {}
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(Problems(problems)) }
    }
}

fn parse_task_attempts(location: &Location, value: &Value, problems: &mut Vec<Problem>) -> Vec<Attempts> {
    let Some(entries) = value.as_array() else {
        let kind = ProblemKind::WrongType { expected: "a list of attempts, one per test input", found: json_type(value) };
        problems.push(Problem::new(location.clone(), kind));
        return Vec::new();
    };
    let mut attempts = Vec::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        let pair_location = location.pair(PairKind::Test, index);
        let Some(object) = entry.as_object() else {
            let kind = ProblemKind::WrongType { expected: "an object with `attempt_1` and `attempt_2`", found: json_type(entry) };
            problems.push(Problem::new(pair_location, kind));
            continue;
        };
        let mut grids = [None, None];
        for (slot, key) in grids.iter_mut().zip(["attempt_1", "attempt_2"]) {
            match object.get(key) {
                Some(grid) => *slot = grid_from_value(&pair_location, grid, problems),
                None => problems.push(Problem::new(pair_location.clone(), ProblemKind::MissingKey { key })),
            }
        }
        if let [Some(attempt_1), Some(attempt_2)] = grids {
            attempts.push(Attempts { attempt_1, attempt_2 });
        }
    }
    attempts
}

fn to_json_string<T: Serialize>(value: &T) -> String {
    // Grids, strings and maps with string keys always serialize.
    serde_json::to_string(value).unwrap_or_default()
}
