//! ARC tasks: demonstration pairs and test inputs, as the single-task JSON
//! format stores them.

use serde::Serialize;

use crate::grid::Grid;
use crate::problem::{Location, Problems};
use crate::validate;

/// A demonstration pair: both grids are known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pair {
    pub input: Grid,
    pub output: Grid,
}

/// A test pair; its output is absent when the answer is unknown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestPair {
    pub input: Grid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<Grid>,
}

/// One ARC task. The id is kept outside, because single-task files carry it
/// in their file name and Kaggle files as a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Task {
    pub train: Vec<Pair>,
    pub test: Vec<TestPair>,
}

impl Task {
    /// Parses and validates a single-task JSON file. `id` only names the task
    /// in problems.
    pub fn from_json(id: &str, text: &str) -> Result<Self, Problems> {
        let value = validate::parse_json(text).map_err(|problem| Problems(vec![problem]))?;
        validate::task_from_value(&Location::task(id), &value).map_err(Problems)
    }

    /// Writes the task in the single-task JSON format.
    pub fn to_json(&self) -> String {
        // Serializing grids and vectors into a string cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// All grids of the task: train inputs and outputs, then test inputs and
    /// known test outputs.
    pub fn grids(&self) -> impl Iterator<Item = &Grid> {
        let train = self.train.iter().flat_map(|pair| [&pair.input, &pair.output]);
        let test = self.test.iter().flat_map(|pair| std::iter::once(&pair.input).chain(pair.output.as_ref()));
        train.chain(test)
    }

    /// Summarizes the task in one line for `ponder check`: pairs, test inputs,
    /// and grid sizes from the fewest rows x fewest columns to the most rows x
    /// most columns (the two ends may come from different grids).
    pub fn summary(&self) -> String {
        let known = self.test.iter().filter(|pair| pair.output.is_some()).count();
        let (mut min_rows, mut min_cols, mut max_rows, mut max_cols) = (usize::MAX, usize::MAX, 0, 0);
        for grid in self.grids() {
            min_rows = min_rows.min(grid.rows());
            min_cols = min_cols.min(grid.cols());
            max_rows = max_rows.max(grid.rows());
            max_cols = max_cols.max(grid.cols());
        }
        format!(
            "{} train {}, {} test {} ({} with output), grids from {}x{} to {}x{}",
            self.train.len(),
            plural(self.train.len(), "pair", "pairs"),
            self.test.len(),
            plural(self.test.len(), "input", "inputs"),
            known,
            min_rows,
            min_cols,
            max_rows,
            max_cols,
        )
    }
}

fn plural(count: usize, one: &'static str, many: &'static str) -> &'static str {
    if count == 1 { one } else { many }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_keeps_missing_test_output() {
        let text = r#"{"train":[{"input":[[1]],"output":[[2,3]]}],"test":[{"input":[[4],[5]]}]}"#;
        let task = Task::from_json("t", text).unwrap();
        assert_eq!(task.test[0].output, None);
        assert_eq!(task.to_json(), text);
    }

    #[test]
    fn summary_counts_pairs_and_sizes() {
        let text = r#"{"train":[{"input":[[1]],"output":[[2,3]]},{"input":[[1]],"output":[[1]]}],
                      "test":[{"input":[[4],[5]]}]}"#;
        let task = Task::from_json("t", text).unwrap();
        assert_eq!(task.summary(), "2 train pairs, 1 test input (0 with output), grids from 1x1 to 2x2");
    }
}
