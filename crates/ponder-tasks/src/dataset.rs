//! The ARC-AGI datasets bundled in the repository's `data/arc/` folder, in
//! the Kaggle combined format. Task ids are unique within a dataset only:
//! ARC-AGI-1 and ARC-AGI-2 reuse ids for different tasks.

use std::fmt;
use std::str::FromStr;

#[cfg(not(target_arch = "wasm32"))]
pub use native::{DatasetError, bundled_data_dir, load_dataset, load_task, repository_dir};

/// One of the four bundled ARC datasets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dataset {
    Arc1Training,
    Arc1Evaluation,
    Arc2Training,
    Arc2Evaluation,
}

impl Dataset {
    pub const ALL: [Dataset; 4] = [Dataset::Arc1Training, Dataset::Arc1Evaluation, Dataset::Arc2Training, Dataset::Arc2Evaluation];

    /// Name used on the command line and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Dataset::Arc1Training => "arc1-training",
            Dataset::Arc1Evaluation => "arc1-evaluation",
            Dataset::Arc2Training => "arc2-training",
            Dataset::Arc2Evaluation => "arc2-evaluation",
        }
    }

    /// Prefix of the Kaggle file names: `{prefix}_challenges.json` and
    /// `{prefix}_solutions.json`.
    pub fn file_prefix(self) -> &'static str {
        match self {
            Dataset::Arc1Training => "arc-agi_training",
            Dataset::Arc1Evaluation => "arc-agi_evaluation",
            Dataset::Arc2Training => "arc-agi_training2",
            Dataset::Arc2Evaluation => "arc-agi_evaluation2",
        }
    }
}

impl fmt::Display for Dataset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown dataset `{0}`, expected arc1-training, arc1-evaluation, arc2-training or arc2-evaluation")]
pub struct UnknownDataset(pub String);

impl FromStr for Dataset {
    type Err = UnknownDataset;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|dataset| dataset.name() == name).ok_or_else(|| UnknownDataset(name.to_owned()))
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::path::{Path, PathBuf};

    use super::Dataset;
    use crate::arc::Task;
    use crate::json::parse_entries;
    use crate::kaggle::{TaskList, attach_solutions, parse_kaggle, parse_solutions};
    use crate::problem::{Location, Problems};
    use crate::validate::task_from_value;

    #[derive(Debug, thiserror::Error)]
    pub enum DatasetError {
        #[error("failed to read {path}: {source}")]
        Io { path: PathBuf, source: std::io::Error },
        #[error("task {id} not found in {dataset}")]
        TaskNotFound { dataset: Dataset, id: String },
        #[error("invalid {dataset} files:\n{problems}")]
        Invalid { dataset: Dataset, problems: Problems },
    }

    /// Returns the repository's `data/arc/` folder.
    pub fn bundled_data_dir() -> PathBuf {
        repository_dir().join("data/arc")
    }

    /// Returns the repository's root: under `cargo run` and `cargo test` the
    /// root above the running crate's folder, which Cargo sets at run time,
    /// else the one above where this crate was compiled. So a target folder
    /// shared by clones serves each clone its own files.
    pub fn repository_dir() -> PathBuf {
        let at_run_time = std::env::var_os("CARGO_MANIFEST_DIR").map(|crate_dir| Path::new(&crate_dir).join("../.."));
        match at_run_time {
            Some(root) if root.join("data/arc").is_dir() => root,
            _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."),
        }
    }

    fn read(path: PathBuf) -> Result<String, DatasetError> {
        std::fs::read_to_string(&path).map_err(|source| DatasetError::Io { path, source })
    }

    /// Loads every task of a dataset with its test outputs.
    pub fn load_dataset(data_dir: &Path, dataset: Dataset) -> Result<TaskList, DatasetError> {
        let prefix = dataset.file_prefix();
        let challenges = read(data_dir.join(format!("{prefix}_challenges.json")))?;
        let solutions = read(data_dir.join(format!("{prefix}_solutions.json")))?;
        parse_kaggle(&challenges, Some(&solutions)).map_err(|problems| DatasetError::Invalid { dataset, problems })
    }

    /// Loads one task by id with its test outputs, validating only that task.
    pub fn load_task(data_dir: &Path, dataset: Dataset, id: &str) -> Result<Task, DatasetError> {
        let prefix = dataset.file_prefix();
        let invalid = |problems| DatasetError::Invalid { dataset, problems };
        let not_found = || DatasetError::TaskNotFound { dataset, id: id.to_owned() };

        let challenges = read(data_dir.join(format!("{prefix}_challenges.json")))?;
        let entries = parse_entries(&challenges, "an object mapping task ids to tasks").map_err(|p| invalid(Problems(vec![p])))?;
        let (_, value) = entries.iter().find(|(key, _)| key == id).ok_or_else(not_found)?;
        let task = task_from_value(&Location::task(id), value).map_err(|problems| invalid(Problems(problems)))?;

        let solutions = parse_solutions(&read(data_dir.join(format!("{prefix}_solutions.json")))?).map_err(invalid)?;
        let own: Vec<_> = solutions.into_iter().filter(|(key, _)| key == id).collect();
        let mut tasks = vec![(id.to_owned(), task)];
        attach_solutions(&mut tasks, &own).map_err(invalid)?;
        tasks.pop().map(|(_, task)| task).ok_or_else(not_found)
    }
}
