//! Scores over a set of tasks. Two conventions are in use and give different
//! numbers, so every report names its convention:
//!
//! - the official ARC evaluator gives each task the fraction of its test
//!   inputs that are right, and averages over tasks;
//! - HRM reports a task as solved only when all its test inputs are right.

use std::fmt;

use crate::arc::Task;
use crate::kaggle::Submission;
use crate::problem::{Location, Problem, ProblemKind, Problems};

/// Correctness of each test input of one task, in test order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskOutcome {
    pub id: String,
    pub test_correct: Vec<bool>,
}

impl TaskOutcome {
    /// Credit under the official evaluator: right test inputs over all of them.
    pub fn fractional_credit(&self) -> f64 {
        if self.test_correct.is_empty() {
            return 0.0;
        }
        self.test_correct.iter().filter(|&&right| right).count() as f64 / self.test_correct.len() as f64
    }

    /// Returns whether HRM counts the task, which needs every test input right.
    pub fn all_right(&self) -> bool {
        !self.test_correct.is_empty() && self.test_correct.iter().all(|&right| right)
    }
}

/// Scoring convention of a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Convention {
    /// Fractional credit per test input, averaged over tasks.
    OfficialArc,
    /// A task counts only when all its test inputs are right.
    HrmAllTests,
}

impl fmt::Display for Convention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Convention::OfficialArc => "official ARC evaluator, fractional credit per test input",
            Convention::HrmAllTests => "HRM, a task counts only when all its test inputs are right",
        })
    }
}

/// A score over a set of tasks at one pass@k.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub convention: Convention,
    pub pass_k: usize,
    /// Sum of task credits (tasks solved for HRM).
    pub solved: f64,
    pub tasks: usize,
}

impl Score {
    pub fn compute(outcomes: &[TaskOutcome], pass_k: usize, convention: Convention) -> Self {
        let solved = match convention {
            Convention::OfficialArc => outcomes.iter().map(TaskOutcome::fractional_credit).sum(),
            Convention::HrmAllTests => outcomes.iter().filter(|outcome| outcome.all_right()).count() as f64,
        };
        Self { convention, pass_k, solved, tasks: outcomes.len() }
    }

    /// Score as a fraction of the tasks, 0 for no tasks.
    pub fn fraction(&self) -> f64 {
        if self.tasks == 0 { 0.0 } else { self.solved / self.tasks as f64 }
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pass@{}: {:.4} ({:.2} of {} tasks; {})",
            self.pass_k,
            self.fraction(),
            self.solved,
            self.tasks,
            self.convention
        )
    }
}

/// Grades a Kaggle submission against tasks with known test outputs: a test
/// input is right when either attempt equals its output (pass@2).
pub fn grade_submission(submission: &Submission, tasks: &[(String, Task)]) -> Result<Vec<TaskOutcome>, Problems> {
    submission.check_against(tasks)?;
    let mut problems = Vec::new();
    let mut outcomes = Vec::with_capacity(tasks.len());
    for (id, task) in tasks {
        let Some((_, attempts)) = submission.tasks.iter().find(|(other, _)| other == id) else { continue };
        let mut test_correct = Vec::with_capacity(task.test.len());
        for (index, (pair, attempt)) in task.test.iter().zip(attempts).enumerate() {
            let Some(output) = &pair.output else {
                let location = Location::task(id).pair(crate::problem::PairKind::Test, index);
                problems.push(Problem::new(location, ProblemKind::MissingKey { key: "output" }));
                continue;
            };
            test_correct.push(&attempt.attempt_1 == output || &attempt.attempt_2 == output);
        }
        outcomes.push(TaskOutcome { id: id.clone(), test_correct });
    }
    if problems.is_empty() { Ok(outcomes) } else { Err(Problems(problems)) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::Grid;
    use crate::kaggle::{Attempts, parse_kaggle};

    fn outcome(id: &str, test_correct: &[bool]) -> TaskOutcome {
        TaskOutcome { id: id.to_owned(), test_correct: test_correct.to_vec() }
    }

    #[test]
    fn conventions_differ_on_partial_tasks() {
        let outcomes = [outcome("a", &[true]), outcome("b", &[true, false]), outcome("c", &[false]), outcome("d", &[true, true, true])];
        let official = Score::compute(&outcomes, 2, Convention::OfficialArc);
        let hrm = Score::compute(&outcomes, 2, Convention::HrmAllTests);
        assert_eq!(official.fraction(), 2.5 / 4.0);
        assert_eq!(hrm.fraction(), 0.5);
        assert_eq!(
            official.to_string(),
            "pass@2: 0.6250 (2.50 of 4 tasks; official ARC evaluator, fractional credit per test input)"
        );
        assert_eq!(
            hrm.to_string(),
            "pass@2: 0.5000 (2.00 of 4 tasks; HRM, a task counts only when all its test inputs are right)"
        );
    }

    #[test]
    fn submission_grading() {
        let challenges = r#"{"a":{"train":[{"input":[[1]],"output":[[1]]}],"test":[{"input":[[1]]},{"input":[[2]]}]}}"#;
        let tasks = parse_kaggle(challenges, Some(r#"{"a":[[[5]],[[6]]]}"#)).unwrap();
        let grid = |colour| Grid::filled(1, 1, colour).unwrap();
        let submission = Submission {
            tasks: vec![(
                "a".to_owned(),
                vec![
                    Attempts { attempt_1: grid(4), attempt_2: grid(5) },
                    Attempts { attempt_1: grid(4), attempt_2: grid(4) },
                ],
            )],
        };
        let outcomes = grade_submission(&submission, &tasks).unwrap();
        assert_eq!(outcomes, vec![outcome("a", &[true, false])]);
        assert_eq!(Submission::from_json(&submission.to_json()), Ok(submission));
    }

    #[test]
    fn submission_with_wrong_entry_count() {
        let challenges = r#"{"a":{"train":[{"input":[[1]],"output":[[1]]}],"test":[{"input":[[1]]}]}}"#;
        let tasks = parse_kaggle(challenges, None).unwrap();
        let submission = Submission::from_json(r#"{"a":[]}"#).unwrap();
        let error = grade_submission(&submission, &tasks).unwrap_err();
        assert_eq!(error.to_string(), "task a: 1 test inputs, but the submission has 0 entries");
    }
}
