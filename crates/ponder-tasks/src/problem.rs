//! Validation problems and where in a task file they were found.
//!
//! Indices in locations are 0-based, as in the JSON lists they point into.

use std::fmt;

/// Whether a pair is a demonstration (`train`) or a query (`test`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairKind {
    Train,
    Test,
}

impl PairKind {
    /// The JSON key of the list that contains pairs of this kind.
    pub fn key(self) -> &'static str {
        match self {
            PairKind::Train => "train",
            PairKind::Test => "test",
        }
    }
}

/// Role of a grid in its pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GridRole {
    Input,
    Output,
}

impl GridRole {
    pub fn key(self) -> &'static str {
        match self {
            GridRole::Input => "input",
            GridRole::Output => "output",
        }
    }
}

/// Position of a problem: the task, then optionally the pair and the grid.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    pub task: Option<String>,
    pub pair: Option<(PairKind, usize)>,
    pub grid: Option<GridRole>,
}

impl Location {
    pub fn file() -> Self {
        Self::default()
    }

    pub fn task(id: &str) -> Self {
        Self { task: Some(id.to_owned()), ..Self::default() }
    }

    pub fn pair(&self, kind: PairKind, index: usize) -> Self {
        Self { pair: Some((kind, index)), grid: None, ..self.clone() }
    }

    pub fn grid(&self, role: GridRole) -> Self {
        Self { grid: Some(role), ..self.clone() }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(task) = &self.task {
            parts.push(format!("task {task}"));
        }
        if let Some((kind, index)) = self.pair {
            parts.push(format!("{} pair {index}", kind.key()));
        }
        if let Some(role) = self.grid {
            parts.push(format!("{} grid", role.key()));
        }
        if parts.is_empty() {
            return f.write_str("file");
        }
        f.write_str(&parts.join(", "))
    }
}

/// Kind of problem, without its location (see [`Problem`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProblemKind {
    #[error("invalid JSON at line {line}, column {column} (byte offset {offset}): {message}")]
    InvalidJson { line: usize, column: usize, offset: usize, message: String },
    #[error("expected {expected}, found {found}")]
    WrongType { expected: &'static str, found: &'static str },
    #[error("missing key `{key}`")]
    MissingKey { key: &'static str },
    #[error("`{key}` is an empty list, expected at least one pair")]
    EmptyPairList { key: &'static str },
    #[error("grid is an empty list, expected 1 to 30 rows")]
    NoRows,
    #[error("row {row} is an empty list, expected 1 to 30 cells")]
    EmptyRow { row: usize },
    #[error("row {row} is {found}, expected a list of cells")]
    RowNotList { row: usize, found: &'static str },
    #[error("grid has {rows} rows, the maximum is 30")]
    TooManyRows { rows: usize },
    #[error("row {row} has {cols} cells, the maximum is 30")]
    TooManyColumns { row: usize, cols: usize },
    #[error("row {row} has {found} cells, but row {reference_row} has {expected}")]
    RaggedRow { row: usize, found: usize, reference_row: usize, expected: usize },
    #[error("row {row}, column {col}: cell is {found}, expected an integer from 0 to 9")]
    InvalidCell { row: usize, col: usize, found: String },
    #[error("task id appears {count} times in the file")]
    DuplicateTask { count: usize },
    #[error("no solutions for this task in the solutions file")]
    MissingSolutions,
    #[error("solutions file has an entry for this task, but the challenges file has no such task")]
    UnknownTask,
    #[error("{tests} test inputs, but the solutions file has {solutions} output grids")]
    SolutionCount { tests: usize, solutions: usize },
    #[error("{tests} test inputs, but the submission has {entries} entries")]
    AttemptCount { tests: usize, entries: usize },
    #[error("task is missing from the submission")]
    NotSubmitted,
}

/// One problem found in a task file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {kind}")]
pub struct Problem {
    pub location: Location,
    pub kind: ProblemKind,
}

impl Problem {
    pub fn new(location: Location, kind: ProblemKind) -> Self {
        Self { location, kind }
    }
}

/// Every problem found in one file; parsing fails with this when the list is
/// not empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", join_lines(.0))]
pub struct Problems(pub Vec<Problem>);

fn join_lines(problems: &[Problem]) -> String {
    problems.iter().map(Problem::to_string).collect::<Vec<_>>().join("\n")
}

/// Name of a JSON value's type with its article, for messages.
pub fn json_type(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_names_task_pair_and_grid() {
        let location = Location::task("abc").pair(PairKind::Test, 1).grid(GridRole::Output);
        assert_eq!(location.to_string(), "task abc, test pair 1, output grid");
        assert_eq!(Location::file().to_string(), "file");
    }

    #[test]
    fn problems_display_one_per_line() {
        let problems = Problems(vec![
            Problem::new(Location::task("a"), ProblemKind::MissingKey { key: "train" }),
            Problem::new(Location::task("a"), ProblemKind::MissingKey { key: "test" }),
        ]);
        assert_eq!(problems.to_string(), "task a: missing key `train`\ntask a: missing key `test`");
    }
}
