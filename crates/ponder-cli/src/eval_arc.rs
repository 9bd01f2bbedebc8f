//! `ponder eval --dataset arc1-evaluation --model DIR`: solves each task of a
//! bundled ARC dataset as `ponder solve` does (optionally after fine-tuning
//! on its demonstrations) and prints pass@1 and pass@2 under both scoring
//! conventions: the official evaluator's fractional credit, and the rule
//! that a task counts only when all its test inputs are right.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail, ensure};
use ponder_tasks::dataset::{Dataset, bundled_data_dir, load_dataset};
use ponder_tasks::score::{Convention, Score, TaskOutcome};
use serde::{Deserialize, Serialize};

use crate::eval::{Args, model_dir_or_shipped};
use crate::solve::{SolveSettings, solve_task};

#[derive(clap::Args, Debug, Clone)]
pub struct ArcArgs {
    /// ARC only: a file with one task id per line, to evaluate those tasks only.
    #[arg(long)]
    tasks: Option<PathBuf>,
    /// ARC only: augmented copies of each test input to vote over (and of
    /// the demonstrations to fine-tune on).
    #[arg(long, default_value_t = 8)]
    augmentations: usize,
    /// ARC only: fine-tuning steps on each task's demonstrations before solving.
    #[arg(long, default_value_t = 0)]
    finetune: usize,
    /// ARC only: fine-tune every weight with AdamW, not only the puzzle rows.
    #[arg(long)]
    full: bool,
    /// ARC only: base learning rate of AdamW when every weight is fine-tuned.
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
}

/// The ARC results file: one entry per task, in the order solved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ArcResults {
    dataset: String,
    model: String,
    settings: String,
    tasks: Vec<TaskResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct TaskResult {
    id: String,
    /// Per test input: the first attempt is right.
    pass_1: Vec<bool>,
    /// Per test input: either attempt is right.
    pass_2: Vec<bool>,
}

pub fn run(args: &Args, dataset: Dataset) -> anyhow::Result<ExitCode> {
    let model_dir = model_dir_or_shipped(args.model.as_ref(), "arc")?;
    let (config, weights) = crate::train::read_model_dir(&model_dir, ponder_tasks::encoding::SEQ_LEN)?;
    let device = args.backend.device()?;

    let mut tasks = load_dataset(&bundled_data_dir(), dataset)?;
    if let Some(path) = &args.arc.tasks {
        let requested = read_task_ids(path)?;
        for id in &requested {
            ensure!(tasks.iter().any(|(task_id, _)| task_id == id), "{}: task {id} is not in {dataset}", path.display());
        }
        tasks.retain(|(id, _)| requested.contains(id));
    }
    ensure!(!tasks.is_empty(), "no task to evaluate");

    let settings = SolveSettings {
        finetune: args.arc.finetune,
        time_budget: None,
        full: args.arc.full,
        augmentations: args.arc.augmentations,
        steps: args.steps,
        keep_colours: false,
        batch_size: 8,
        lr: args.arc.lr,
        seed: args.seed,
        verbose: false,
    };
    let mut results = ArcResults {
        dataset: dataset.name().to_string(),
        model: model_dir.display().to_string(),
        settings: format!(
            "{} augmentations, {} ACT steps, {} fine-tuning steps{}, seed {}",
            settings.augmentations,
            settings.steps.unwrap_or(config.halt_max_steps),
            settings.finetune,
            if settings.full { " (full)" } else { "" },
            settings.seed
        ),
        tasks: Vec::new(),
    };
    if let Some(out) = &args.out {
        if let Some(previous) = read_previous(out, &results)? {
            println!("continuing {}: {} tasks done", out.display(), previous.tasks.len());
            results = previous;
        }
    }

    let started = Instant::now();
    let total = tasks.len();
    for (id, task) in &tasks {
        if results.tasks.iter().any(|done| &done.id == id) {
            continue;
        }
        let solved = solve_task(&settings, id, task, &config, &weights, false, &device)?;
        let mut result = TaskResult { id: id.clone(), pass_1: Vec::new(), pass_2: Vec::new() };
        for (test, outcome) in task.test.iter().zip(&solved) {
            let expected = test.output.as_ref().map(|grid| grid.to_rows());
            let (first, second) = match &outcome.attempts {
                Some([first, second]) => (Some(first), Some(second)),
                None => (None, None),
            };
            let right = |attempt: Option<&Vec<Vec<u8>>>| expected.is_some() && attempt == expected.as_ref();
            result.pass_1.push(right(first));
            result.pass_2.push(right(first) || right(second));
        }
        results.tasks.push(result);
        if let Some(out) = &args.out {
            std::fs::write(out, serde_json::to_string_pretty(&results)?).with_context(|| format!("cannot write {}", out.display()))?;
        }
        let solved_2 = results.tasks.iter().filter(|task| task.pass_2.iter().all(|&right| right)).count();
        println!("{:>4}/{total} {id}: pass@2 {:?} ({solved_2} tasks fully right so far, {:.0} s)", results.tasks.len(), results.tasks.last().map(|task| &task.pass_2).unwrap(), started.elapsed().as_secs_f64());
    }

    println!("{} on {} tasks ({}), {}:", results.dataset, results.tasks.len(), results.model, results.settings);
    for (k, pick) in [(1, 0), (2, 1)] {
        let outcomes: Vec<TaskOutcome> = results
            .tasks
            .iter()
            .map(|task| TaskOutcome { id: task.id.clone(), test_correct: if pick == 0 { task.pass_1.clone() } else { task.pass_2.clone() } })
            .collect();
        for convention in [Convention::OfficialArc, Convention::HrmAllTests] {
            println!("  {}", Score::compute(&outcomes, k, convention));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn read_task_ids(path: &Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(text.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#')).map(str::to_string).collect())
}

fn read_previous(path: &Path, fresh: &ArcResults) -> anyhow::Result<Option<ArcResults>> {
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let previous: ArcResults = serde_json::from_str(&text).with_context(|| format!("{} is not an ARC results file of `ponder eval`", path.display()))?;
    if (&previous.dataset, &previous.model, &previous.settings) != (&fresh.dataset, &fresh.model, &fresh.settings) {
        bail!(
            "{} contains results of another evaluation ({}, model {}, {}): choose another --out or delete it",
            path.display(),
            previous.dataset,
            previous.model,
            previous.settings
        );
    }
    Ok(Some(previous))
}
