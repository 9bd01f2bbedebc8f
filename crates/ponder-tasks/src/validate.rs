//! Validation of ARC JSON: walks a parsed `serde_json::Value` and collects
//! every problem with its location, instead of stopping at the first.

use serde_json::Value;

use crate::arc::{Pair, Task, TestPair};
use crate::grid::{Grid, MAX_SIDE};
use crate::problem::{GridRole, Location, PairKind, Problem, ProblemKind, json_type};

/// Parses JSON text, turning a syntax error into a problem with its line,
/// column and byte offset.
pub fn parse_json(text: &str) -> Result<Value, Problem> {
    serde_json::from_str(text).map_err(|error| Problem::new(Location::file(), syntax_problem(text, &error)))
}

/// Converts a serde_json error into [`ProblemKind::InvalidJson`].
///
/// serde_json counts columns in bytes from 1 and points at the last byte it
/// read, so the offset is that byte; at the end of input it is the text length.
pub fn syntax_problem(text: &str, error: &serde_json::Error) -> ProblemKind {
    let (line, column) = (error.line(), error.column());
    let offset = if error.is_eof() {
        text.len()
    } else {
        let line_start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
        (line_start + column.saturating_sub(1)).min(text.len())
    };
    let full = error.to_string();
    let suffix = format!(" at line {line} column {column}");
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
    ProblemKind::InvalidJson { line, column, offset, message }
}

/// Validates one task object, returning the task or every problem found.
pub fn task_from_value(location: &Location, value: &Value) -> Result<Task, Vec<Problem>> {
    let mut problems = Vec::new();
    let Some(object) = value.as_object() else {
        let kind = ProblemKind::WrongType { expected: "an object with `train` and `test`", found: json_type(value) };
        return Err(vec![Problem::new(location.clone(), kind)]);
    };

    // Train problems come before test problems, in the order of the file.
    let train = pair_list(location, object.get("train"), PairKind::Train, &mut problems);
    let mut train_pairs = Vec::new();
    for (index, pair) in train.iter().enumerate() {
        let pair_location = location.pair(PairKind::Train, index);
        let Some((input, output)) = pair_grids(&pair_location, pair, true, &mut problems) else { continue };
        if let (Some(input), Some(output)) = (input, output) {
            train_pairs.push(Pair { input, output });
        }
    }

    let test = pair_list(location, object.get("test"), PairKind::Test, &mut problems);
    let mut test_pairs = Vec::new();
    for (index, pair) in test.iter().enumerate() {
        let pair_location = location.pair(PairKind::Test, index);
        let Some((input, output)) = pair_grids(&pair_location, pair, false, &mut problems) else { continue };
        if let Some(input) = input {
            test_pairs.push(TestPair { input, output });
        }
    }

    if problems.is_empty() { Ok(Task { train: train_pairs, test: test_pairs }) } else { Err(problems) }
}

/// Returns the pairs under `key`, recording a problem when the key is
/// missing, not a list, or an empty list.
fn pair_list<'a>(location: &Location, value: Option<&'a Value>, kind: PairKind, problems: &mut Vec<Problem>) -> &'a [Value] {
    let key = kind.key();
    let problem = match value {
        None => ProblemKind::MissingKey { key },
        Some(Value::Array(pairs)) if pairs.is_empty() => ProblemKind::EmptyPairList { key },
        Some(Value::Array(pairs)) => return pairs,
        Some(other) => ProblemKind::WrongType { expected: "a list of pairs", found: json_type(other) },
    };
    problems.push(Problem::new(location.clone(), problem));
    &[]
}

/// Validates one pair object. Returns `None` when it is not an object, else
/// the grids that are valid; a missing test output is not a problem.
fn pair_grids(
    location: &Location,
    value: &Value,
    output_required: bool,
    problems: &mut Vec<Problem>,
) -> Option<(Option<Grid>, Option<Grid>)> {
    let Some(object) = value.as_object() else {
        let kind = ProblemKind::WrongType { expected: "an object with `input` and `output`", found: json_type(value) };
        problems.push(Problem::new(location.clone(), kind));
        return None;
    };

    let input = match object.get("input") {
        Some(grid) => grid_from_value(&location.grid(GridRole::Input), grid, problems),
        None => {
            problems.push(Problem::new(location.clone(), ProblemKind::MissingKey { key: "input" }));
            None
        }
    };
    let output = match object.get("output") {
        Some(grid) => grid_from_value(&location.grid(GridRole::Output), grid, problems),
        None if output_required => {
            problems.push(Problem::new(location.clone(), ProblemKind::MissingKey { key: "output" }));
            None
        }
        None => None,
    };
    Some((input, output))
}

/// Validates one grid value, recording every bad row and cell.
pub fn grid_from_value(location: &Location, value: &Value, problems: &mut Vec<Problem>) -> Option<Grid> {
    let found_before = problems.len();
    let push = |problems: &mut Vec<Problem>, kind| problems.push(Problem::new(location.clone(), kind));

    let Some(rows) = value.as_array() else {
        push(problems, ProblemKind::WrongType { expected: "a list of rows", found: json_type(value) });
        return None;
    };
    if rows.is_empty() {
        push(problems, ProblemKind::NoRows);
        return None;
    }
    if rows.len() > MAX_SIDE {
        push(problems, ProblemKind::TooManyRows { rows: rows.len() });
    }

    // The first row that is a list sets the width that every other row must have.
    let reference = rows.iter().enumerate().find_map(|(row, value)| Some((row, value.as_array()?.len())));
    let width = reference.map(|(_, len)| len);
    if let Some((reference_row, cols)) = reference.filter(|&(_, cols)| cols > MAX_SIDE) {
        push(problems, ProblemKind::TooManyColumns { row: reference_row, cols });
    }
    let mut cells = Vec::with_capacity(rows.len() * width.unwrap_or(0));
    for (row, row_value) in rows.iter().enumerate() {
        let Some(row_cells) = row_value.as_array() else {
            push(problems, ProblemKind::RowNotList { row, found: json_type(row_value) });
            continue;
        };
        if row_cells.is_empty() {
            push(problems, ProblemKind::EmptyRow { row });
            continue;
        }
        if let Some((reference_row, expected)) = reference.filter(|&(_, cols)| cols != row_cells.len() && cols > 0) {
            push(problems, ProblemKind::RaggedRow { row, found: row_cells.len(), reference_row, expected });
        }
        for (col, cell) in row_cells.iter().enumerate() {
            match cell.as_u64() {
                Some(colour) if colour <= 9 => cells.push(colour as u8),
                _ => push(problems, ProblemKind::InvalidCell { row, col, found: cell.to_string() }),
            }
        }
    }

    if problems.len() > found_before {
        return None;
    }
    // Every check of `Grid::new` was made above, so this only fails on a bug.
    Grid::new(rows.len(), width.unwrap_or(0), cells).ok()
}
