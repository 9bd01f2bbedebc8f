//! `ponder solve TASK`: solves every test input of an ARC task under
//! augmentations and prints the two voted attempts, optionally after
//! fine-tuning on the task's demonstration pairs (`--finetune STEPS`), and
//! can write the attempts as a Kaggle `submission.json`.
//!
//! It runs the same solve and fine-tuning code as the browser's worker.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail, ensure};
use ponder_model::checkpoint::StateDict;
use ponder_model::train::FinetuneMode;
use ponder_model::{Model, TrmConfig, initial_weights};
use ponder_tasks::dataset::{Dataset, bundled_data_dir, load_task};
use ponder_tasks::kaggle::{Attempts, Submission};
use ponder_tasks::{Grid, Task};
use ponder_web::finetune::{FinetuneOptions, finetune};
use ponder_web::solve::{RunSettings, SolveOptions, SolveResult, solve};

use crate::forward::Backend;

/// Augmented inputs run together on the device while solving.
const SOLVE_BATCH: usize = 4;

#[derive(clap::Args)]
pub struct Args {
    /// A task id of the bundled dataset (see --dataset), or the path of a
    /// single-task JSON file.
    task: String,
    /// Bundled dataset that contains the task when TASK is an id.
    #[arg(long, default_value = "arc1-training")]
    dataset: Dataset,
    /// Folder of a model that `ponder train` wrote (config.json and
    /// model.safetensors), in place of --config and --checkpoint.
    #[arg(long, conflicts_with_all = ["config", "checkpoint"])]
    model: Option<PathBuf>,
    /// Architecture config (JSON with the official field names, or an
    /// official all_config.yaml).
    #[arg(long, requires = "checkpoint")]
    config: Option<PathBuf>,
    /// Weights under the official state_dict keys (safetensors or `.pt`).
    /// Without --config and --checkpoint, a small model drawn from --seed is
    /// trained from scratch, which needs --finetune.
    #[arg(long, requires = "config")]
    checkpoint: Option<PathBuf>,
    /// Fine-tuning steps on the demonstration pairs before solving (0: none).
    #[arg(long, default_value_t = 0)]
    finetune: usize,
    /// Stop fine-tuning after this many seconds, even before --finetune steps.
    #[arg(long)]
    time_budget: Option<f64>,
    /// Fine-tune every weight with AdamW, not only the puzzle rows. Always
    /// on for the model trained from scratch.
    #[arg(long)]
    full: bool,
    /// Augmented copies of each test input to vote over (and, with
    /// --finetune, of the demonstrations to learn from), the identity included.
    #[arg(long, default_value_t = 8)]
    augmentations: usize,
    /// ACT steps per augmented input; defaults to the config's halt_max_steps.
    #[arg(long)]
    steps: Option<usize>,
    /// Augment the demonstrations with the 8 dihedral transforms only, without
    /// colour permutations: for tasks whose rule is about particular colours.
    #[arg(long)]
    keep_colours: bool,
    /// Demonstrations per fine-tuning step.
    #[arg(long, default_value_t = 8)]
    batch_size: usize,
    /// Base learning rate of AdamW when every weight is fine-tuned.
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    /// Seeds the model drawn without a checkpoint, the augmentations and the halting exploration.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[arg(long, value_enum, default_value = "cpu")]
    backend: Backend,
    /// Also write the attempts as a Kaggle submission.json to this path.
    #[arg(long)]
    submission: Option<PathBuf>,
}

/// How to solve a task: the settings of `ponder solve` that `ponder eval` shares.
#[derive(Debug, Clone)]
pub struct SolveSettings {
    pub finetune: usize,
    pub time_budget: Option<f64>,
    pub full: bool,
    pub augmentations: usize,
    pub steps: Option<usize>,
    pub keep_colours: bool,
    pub batch_size: usize,
    pub lr: f64,
    pub seed: u64,
    /// Print every ACT step and fine-tuning step.
    pub verbose: bool,
}

impl Args {
    fn settings(&self) -> SolveSettings {
        SolveSettings {
            finetune: self.finetune,
            time_budget: self.time_budget,
            full: self.full,
            augmentations: self.augmentations,
            steps: self.steps,
            keep_colours: self.keep_colours,
            batch_size: self.batch_size,
            lr: self.lr,
            seed: self.seed,
            verbose: true,
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (task_id, task) = read_task(&args.task, args.dataset)?;
    let device = args.backend.device()?;
    let (config, weights, from_scratch) = model_source(&args)?;
    let results = solve_task(&args.settings(), &task_id, &task, &config, &weights, from_scratch, &device)?;

    let mut submitted = Vec::with_capacity(results.len());
    let mut right = 0;
    for (index, (test, result)) in task.test.iter().zip(&results).enumerate() {
        let Some([attempt_1, attempt_2]) = &result.attempts else {
            println!("test input {index}: every prediction cropped to an empty grid, so there are no attempts");
            submitted.push(Attempts { attempt_1: blank(), attempt_2: blank() });
            continue;
        };
        let attempts = Attempts { attempt_1: to_grid(attempt_1)?, attempt_2: to_grid(attempt_2)? };
        let mut solved = false;
        for (name, grid) in [("attempt 1", &attempts.attempt_1), ("attempt 2", &attempts.attempt_2)] {
            let verdict = match &test.output {
                Some(solution) if solution == grid => {
                    solved = true;
                    " (right)"
                }
                Some(_) => " (wrong)",
                None => "",
            };
            println!("test input {index}, {name}{verdict}:\n{}", grid_text(grid));
        }
        right += usize::from(solved);
        submitted.push(attempts);
    }
    if task.test.iter().all(|test| test.output.is_some()) {
        println!("solved {right} of {} test inputs", task.test.len());
    }

    if let Some(path) = &args.submission {
        let submission = Submission { tasks: vec![(task_id, submitted)] };
        std::fs::write(path, submission.to_json()).with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Solves every test input of `task`, after fine-tuning when `settings.finetune` is above 0.
pub fn solve_task(
    settings: &SolveSettings,
    task_id: &str,
    task: &Task,
    config: &TrmConfig,
    weights: &StateDict,
    from_scratch: bool,
    device: &burn::tensor::Device,
) -> anyhow::Result<Vec<SolveResult>> {
    ensure!(
        config.seq_len == ponder_tasks::encoding::SEQ_LEN,
        "the model reads {} tokens, but ARC grids are encoded as {} tokens: this is not an ARC model",
        config.seq_len,
        ponder_tasks::encoding::SEQ_LEN
    );
    let run = RunSettings { steps: settings.steps.unwrap_or(config.halt_max_steps), early_halting: false, batch_size: SOLVE_BATCH };
    if settings.finetune > 0 {
        return finetune_and_solve(settings, task_id, task, config, weights, from_scratch, device, run);
    }

    let model = Model::load(config, weights, device).context("cannot build the model")?;
    let options = SolveOptions {
        augmentations: settings.augmentations,
        steps: run.steps,
        early_halting: false,
        batch_size: SOLVE_BATCH,
        seed: settings.seed,
        puzzle_identifier: 0,
    };
    let on_step = step_printer(settings.verbose);
    let results = (0..task.test.len())
        .map(|index| {
            if settings.verbose {
                println!("solving test input {index} under {} augmentations, {} ACT steps each", settings.augmentations, run.steps);
            }
            pollster::block_on(solve(&model, config, device, task, index, &options, on_step, || false))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(results)
}

#[allow(clippy::too_many_arguments)]
fn finetune_and_solve(
    args: &SolveSettings,
    task_id: &str,
    task: &Task,
    config: &TrmConfig,
    weights: &StateDict,
    from_scratch: bool,
    device: &burn::tensor::Device,
    settings: RunSettings,
) -> anyhow::Result<Vec<SolveResult>> {
    let mode = if args.full || from_scratch { FinetuneMode::Full } else { FinetuneMode::EmbeddingOnly };
    let options = FinetuneOptions {
        steps: args.finetune,
        time_budget_ms: args.time_budget.map(|seconds| seconds * 1000.0),
        augmentations: args.augmentations,
        mode,
        lr: args.lr,
        batch_size: args.batch_size,
        permute_colours: !args.keep_colours,
        seed: args.seed,
        ..FinetuneOptions::default()
    };
    if args.verbose {
        println!("fine-tuning on the demonstrations of {task_id} ({mode:?}, {} steps at most)", args.finetune);
    }
    let started = Instant::now();
    let (finetuned, summary) = pollster::block_on(finetune(
        weights,
        config,
        device,
        task_id,
        task,
        &options,
        |progress| {
            if !args.verbose {
                return ControlFlow::Continue(());
            }
            println!(
                "step {:>4}/{}: loss {:.4} (cross-entropy {:.4}), accuracy {:.3}, exact {:.3}{}",
                progress.step,
                progress.steps,
                progress.loss,
                progress.lm_loss,
                progress.accuracy,
                progress.exact_accuracy,
                if progress.is_best { " (best)" } else { "" }
            );
            ControlFlow::Continue(())
        },
        || false,
        || started.elapsed().as_secs_f64() * 1000.0,
    ))?;
    match summary.best {
        _ if !args.verbose => {}
        Some(best) => println!("kept step {} of {} (cross-entropy {:.4}), stopped: {:?}", best.step, summary.steps_run, best.lm_loss, summary.stopped),
        None => println!("no step finished, stopped: {:?}", summary.stopped),
    }

    (0..task.test.len())
        .map(|index| {
            if args.verbose {
                println!("solving test input {index} under the {} fine-tuned augmentations", summary.augmentations);
            }
            pollster::block_on(finetuned.solve(device, index, settings, step_printer(args.verbose), || false)).map_err(Into::into)
        })
        .collect()
}

/// Reads TASK as a single-task JSON file when such a file exists, else as an
/// id of the bundled dataset.
fn read_task(task: &str, dataset: Dataset) -> anyhow::Result<(String, Task)> {
    let path = Path::new(task);
    if path.is_file() {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let id = path.file_stem().and_then(|stem| stem.to_str()).unwrap_or("task").to_string();
        let parsed = Task::from_json(&id, &text).map_err(|problems| anyhow::anyhow!("{} is not a valid ARC task:\n{problems}", path.display()))?;
        return Ok((id, parsed));
    }
    let parsed = load_task(&bundled_data_dir(), dataset, task)?;
    Ok((task.to_string(), parsed))
}

/// Returns the checkpoint given, or the small from-scratch model (which only
/// makes sense with fine-tuning), and whether it is the from-scratch one.
fn model_source(args: &Args) -> anyhow::Result<(TrmConfig, StateDict, bool)> {
    if let Some(dir) = &args.model {
        let (config, weights) = crate::train::read_model_dir(dir, ponder_tasks::encoding::SEQ_LEN)?;
        return Ok((config, weights, false));
    }
    match (&args.config, &args.checkpoint) {
        (Some(config_path), Some(checkpoint_path)) => {
            let weights = StateDict::open(checkpoint_path).with_context(|| format!("cannot read {}", checkpoint_path.display()))?;
            let config = crate::forward::read_config(config_path, &weights, ponder_tasks::encoding::SEQ_LEN)?;
            Ok((config, weights, false))
        }
        _ => {
            if args.finetune == 0 {
                bail!("give a model with --config and --checkpoint, or --finetune STEPS to train a small model from scratch on the task");
            }
            let config = TrmConfig::small_arc();
            let weights = initial_weights(&config, args.seed);
            Ok((config, weights, true))
        }
    }
}

/// Returns the ACT-step callback: a progress line per step, or nothing.
fn step_printer(verbose: bool) -> fn(&ponder_web::solve::StepReport) -> ControlFlow<()> {
    if verbose { print_solve_step } else { |_| ControlFlow::Continue(()) }
}

fn print_solve_step(report: &ponder_web::solve::StepReport) -> ControlFlow<()> {
    let last = report.first_augmentation + report.predictions.len();
    println!(
        "  step {}/{}, augmentations {}-{} of {} ({:.0}%)",
        report.step,
        report.steps,
        report.first_augmentation + 1,
        last,
        report.augmentations,
        report.progress * 100.0
    );
    ControlFlow::Continue(())
}

fn to_grid(rows: &[Vec<u8>]) -> anyhow::Result<Grid> {
    Grid::from_rows(rows).map_err(|error| anyhow::anyhow!("a voted attempt is not a grid: {error}"))
}

/// Returns the 1x1 black grid submitted when a test input has no attempt.
fn blank() -> Grid {
    Grid::from_rows(&[vec![0]]).expect("a 1x1 grid is valid")
}

fn grid_text(grid: &Grid) -> String {
    grid.to_rows().iter().map(|row| row.iter().map(|cell| cell.to_string()).collect::<String>()).collect::<Vec<_>>().join("\n")
}
