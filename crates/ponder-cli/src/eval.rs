//! `ponder eval --dataset sudoku|maze --model DIR`: runs a trained model on
//! held-out generated puzzles and prints the exact-solve rate after every ACT
//! step, so that the gain from more recursion shows. With an ARC dataset it
//! solves each task as `ponder solve` does and prints pass@1 and pass@2
//! (see `eval_arc`). Results are written to `--out` as they come, and a run
//! stopped halfway continues from there.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail, ensure};
use burn::prelude::*;
use ponder_model::{Halting, Model, TrmBatch, TrmConfig};
use ponder_tasks::dataset::Dataset;
use ponder_tasks::maze::Maze;
use ponder_tasks::rng::Rng;
use ponder_tasks::sudoku::Board;
use serde::{Deserialize, Serialize};

use crate::forward::Backend;
use crate::presets::{self, Preset};

/// Added to `--seed` for the held-out puzzles, so that they come from another
/// stream than the training data of the same seed. A held-out puzzle could
/// still equal a training one by chance; with Sudoku grids and mazes of these
/// sizes that chance is negligible.
const HELD_OUT_STREAM: u64 = 0x4845_4C44_4F55_5421;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// Generated Sudoku of the preset's difficulty; solved = every cell right.
    Sudoku,
    /// Generated mazes of the preset's size; solved = a valid shortest path.
    Maze,
}

/// The dataset that `--dataset` names: a generated family or a bundled ARC dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvalDataset {
    Generated(Family),
    Arc(Dataset),
}

fn parse_dataset(name: &str) -> Result<EvalDataset, String> {
    match name {
        "sudoku" => Ok(EvalDataset::Generated(Family::Sudoku)),
        "maze" => Ok(EvalDataset::Generated(Family::Maze)),
        _ => name.parse().map(EvalDataset::Arc).map_err(|_| {
            let arc: Vec<_> = Dataset::ALL.iter().map(|dataset| dataset.name()).collect();
            format!("unknown dataset `{name}`: expected sudoku, maze, {}", arc.join(", "))
        }),
    }
}

#[derive(clap::Args)]
pub struct Args {
    /// sudoku, maze, or a bundled ARC dataset (arc1-training, arc1-evaluation,
    /// arc2-training, arc2-evaluation).
    #[arg(long, value_parser = parse_dataset)]
    dataset: EvalDataset,
    /// Folder with `config.json` and `model.safetensors`, as `ponder train`
    /// writes it; defaults to the shipped model in `models/<dataset>`.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Held-out puzzles to generate (sudoku and maze).
    #[arg(long, default_value_t = 1000)]
    count: usize,
    /// Seeds the held-out puzzles, or the ARC augmentations and fine-tuning.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// ACT steps per puzzle; defaults to the config's halt_max_steps.
    #[arg(long)]
    pub steps: Option<usize>,
    /// Sudoku only: givens of the held-out puzzles, which singles still solve.
    /// Set it to measure the model off its training difficulty (the default).
    #[arg(long)]
    givens: Option<usize>,
    /// Puzzles run together (sudoku and maze).
    #[arg(long, default_value_t = 50)]
    batch_size: usize,
    /// Results file, written after every batch or task; an unfinished one
    /// with the same settings is continued.
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "cpu")]
    pub backend: Backend,
    #[command(flatten)]
    pub arc: crate::eval_arc::ArcArgs,
}

/// The results file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    pub dataset: Family,
    pub model: String,
    pub seed: u64,
    pub count: usize,
    /// Givens of the Sudoku puzzles; absent for mazes and in files written
    /// before the option existed (those used the preset's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub givens: Option<usize>,
    pub steps: usize,
    /// Per puzzle, whether it was solved after each ACT step.
    pub solved_after_step: Vec<Vec<bool>>,
    /// Per puzzle, the first step with a positive q_halt logit (the last step if none).
    pub halted_at: Vec<usize>,
}

impl Results {
    /// Solved puzzles after each step, counted over the puzzles done so far.
    pub fn solved_per_step(&self) -> Vec<usize> {
        (0..self.steps).map(|step| self.solved_after_step.iter().filter(|solved| solved[step]).count()).collect()
    }

    /// Solved puzzles when each stops at its q_halt step.
    pub fn solved_at_halt(&self) -> usize {
        self.solved_after_step.iter().zip(&self.halted_at).filter(|(solved, halted)| solved[**halted - 1]).count()
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let family = match args.dataset {
        EvalDataset::Generated(family) => family,
        EvalDataset::Arc(dataset) => return crate::eval_arc::run(&args, dataset),
    };
    ensure!(args.count > 0, "--count must be at least 1");
    ensure!(args.batch_size > 0, "--batch-size must be at least 1");
    ensure!(args.givens.is_none() || family == Family::Sudoku, "--givens applies to Sudoku only");
    let model_dir = model_dir_or_shipped(args.model.as_ref(), family.name())?;
    let (config, model) = load_model_dir(&model_dir, &args.backend.device()?)?;
    let expected = match family {
        Family::Sudoku => presets::Preset::Sudoku.model_config(1),
        Family::Maze => presets::Preset::Maze.model_config(1),
    };
    ensure!(
        config.seq_len == expected.seq_len && config.vocab_size == expected.vocab_size,
        "{} reads {} tokens of a {}-token vocabulary, but {:?} puzzles are {} tokens of {}: this model is for another puzzle family",
        model_dir.display(),
        config.seq_len,
        config.vocab_size,
        family,
        expected.seq_len,
        expected.vocab_size
    );
    let steps = args.steps.unwrap_or(config.halt_max_steps);
    ensure!(steps > 0, "--steps must be at least 1");
    let givens = args.givens;

    let mut results = Results {
        dataset: family,
        model: model_dir.display().to_string(),
        seed: args.seed,
        count: args.count,
        givens,
        steps,
        solved_after_step: Vec::new(),
        halted_at: Vec::new(),
    };
    if let Some(out) = &args.out {
        if let Some(previous) = read_previous(out, &results)? {
            println!("continuing {}: {} of {} puzzles done", out.display(), previous.halted_at.len(), args.count);
            results = previous;
        }
    }

    // The puzzles are drawn in order, so skipping the ones done replays the generator.
    let mut rng = Rng::new(args.seed.wrapping_add(HELD_OUT_STREAM));
    let puzzles = (0..args.count).map(|_| Puzzle::generate(family, givens, &mut rng)).collect::<anyhow::Result<Vec<_>>>()?;
    let device = model.device();
    let started = Instant::now();
    while results.halted_at.len() < args.count {
        let done = results.halted_at.len();
        let batch = &puzzles[done..(done + args.batch_size).min(args.count)];
        let (solved, halted) = run_batch(&model, &config, batch, steps, &device)?;
        results.solved_after_step.extend(solved);
        results.halted_at.extend(halted);
        if let Some(out) = &args.out {
            std::fs::write(out, serde_json::to_string(&results)?).with_context(|| format!("cannot write {}", out.display()))?;
        }
        let last = results.solved_per_step()[steps - 1];
        println!(
            "{:>5}/{} puzzles, {} solved after step {steps} ({:.1} s)",
            results.halted_at.len(),
            args.count,
            last,
            started.elapsed().as_secs_f64()
        );
    }

    print_summary(&results);
    Ok(ExitCode::SUCCESS)
}

fn print_summary(results: &Results) {
    let count = results.halted_at.len();
    let what = match results.dataset {
        Family::Sudoku => "exactly solved",
        Family::Maze => "valid shortest paths",
    };
    let difficulty = results.givens.map(|givens| format!(", {givens} givens")).unwrap_or_default();
    println!("{what} on {count} held-out puzzles (seed {}{difficulty}), after each ACT step:", results.seed);
    for (step, solved) in results.solved_per_step().into_iter().enumerate() {
        println!("  step {:>2}: {:>6.2}% ({solved} of {count})", step + 1, 100.0 * solved as f64 / count as f64);
    }
    let at_halt = results.solved_at_halt();
    let mean_steps = results.halted_at.iter().sum::<usize>() as f64 / count as f64;
    println!("stopping at q_halt: {:.2}% ({at_halt} of {count}), {mean_steps:.2} steps on average", 100.0 * at_halt as f64 / count as f64);
}

/// One held-out puzzle with what counts as solving it.
enum Puzzle {
    Sudoku { puzzle: Board, solution: Board },
    Maze(Maze),
}

impl Puzzle {
    fn generate(family: Family, givens: Option<usize>, rng: &mut Rng) -> anyhow::Result<Self> {
        Ok(match family {
            Family::Sudoku => {
                let generated = match givens {
                    Some(givens) => presets::generate_sudoku_with(rng, givens)?,
                    None => presets::generate_sudoku(rng),
                };
                Puzzle::Sudoku { puzzle: generated.puzzle, solution: generated.solution }
            }
            Family::Maze => Puzzle::Maze(presets::generate_maze(rng).0),
        })
    }

    fn tokens(&self) -> Vec<i32> {
        match self {
            Puzzle::Sudoku { puzzle, .. } => puzzle.to_tokens().map(i32::from).to_vec(),
            Puzzle::Maze(maze) => maze.to_tokens().into_iter().map(i32::from).collect(),
        }
    }

    /// Returns whether `prediction` solves the puzzle: the solution for
    /// Sudoku (unique by construction), a shortest S-to-G path for a maze.
    fn is_solved_by(&self, prediction: &[i64]) -> bool {
        match self {
            Puzzle::Sudoku { solution, .. } => Board::from_tokens(prediction).is_ok_and(|board| board == *solution),
            Puzzle::Maze(maze) => Maze::from_tokens(prediction).is_ok_and(|predicted| maze.check_path(&predicted).is_ok()),
        }
    }
}

/// Runs every step on a batch and returns, per puzzle, whether each step's
/// prediction solves it, and the step at which q_halt first turned positive.
fn run_batch(model: &Model, config: &TrmConfig, puzzles: &[Puzzle], steps: usize, device: &Device) -> anyhow::Result<(Vec<Vec<bool>>, Vec<usize>)> {
    let seq = config.seq_len;
    let tokens: Vec<i32> = puzzles.iter().flat_map(Puzzle::tokens).collect();
    let batch = TrmBatch {
        inputs: Tensor::from_data(TensorData::new(tokens, [puzzles.len(), seq]), device),
        puzzle_identifiers: Tensor::zeros([puzzles.len()], device),
    };
    let outputs = model.evaluate(&batch, steps, Halting::MaxSteps);

    let mut solved = vec![Vec::with_capacity(steps); puzzles.len()];
    let mut halted_at = vec![steps; puzzles.len()];
    for (step, output) in outputs.iter().enumerate() {
        let preds: Vec<i64> = read(output.preds.clone().into_data())?;
        let q_halt: Vec<f32> = read(output.q_halt_logits.clone().into_data())?;
        for (index, puzzle) in puzzles.iter().enumerate() {
            solved[index].push(puzzle.is_solved_by(&preds[index * seq..(index + 1) * seq]));
            if q_halt[index] > 0.0 && halted_at[index] == steps {
                halted_at[index] = halted_at[index].min(step + 1);
            }
        }
    }
    Ok((solved, halted_at))
}

fn read<T: burn::tensor::Element>(data: TensorData) -> anyhow::Result<Vec<T>> {
    data.convert::<T>().try_into_vec::<T>().map_err(|error| anyhow::anyhow!("reading the outputs failed: {error:?}"))
}

/// Loads the model that `ponder train` writes: `config.json` and `model.safetensors`.
pub fn load_model_dir(dir: &Path, device: &Device) -> anyhow::Result<(TrmConfig, Model)> {
    let (config, weights) = crate::train::read_model_dir(dir, 0)?;
    let model = Model::load(&config, &weights, device).with_context(|| format!("cannot build the model in {}", dir.display()))?;
    Ok((config, model))
}

impl Family {
    fn name(self) -> &'static str {
        match self {
            Family::Sudoku => Preset::Sudoku.name(),
            Family::Maze => Preset::Maze.name(),
        }
    }
}

/// Returns the folder of a shipped model (`sudoku`, `maze`, `arc`) in the
/// repository's `models/` folder.
fn shipped_model_dir(name: &str) -> PathBuf {
    ponder_tasks::dataset::repository_dir().join("models").join(name)
}

/// Returns the folder that --model names, or else the shipped model of the
/// preset `name`, failing with what to do when that model does not ship yet.
pub fn model_dir_or_shipped(model_option: Option<&PathBuf>, name: &str) -> anyhow::Result<PathBuf> {
    if let Some(dir) = model_option {
        return Ok(dir.clone());
    }
    let dir = shipped_model_dir(name);
    ensure!(
        dir.join("model.safetensors").exists(),
        "no {name} model is shipped yet: train one with `ponder train --preset {name} --out DIR` and pass --model DIR"
    );
    Ok(dir)
}

/// Reads an earlier results file with the same settings, or `None` when
/// there is none; one with other settings is an error rather than overwritten.
fn read_previous(path: &Path, fresh: &Results) -> anyhow::Result<Option<Results>> {
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let previous: Results = serde_json::from_str(&text).with_context(|| format!("{} is not a results file of `ponder eval`", path.display()))?;
    let same = previous.dataset == fresh.dataset && previous.model == fresh.model && previous.seed == fresh.seed && previous.count == fresh.count && previous.steps == fresh.steps && previous.givens == fresh.givens;
    if !same {
        bail!(
            "{} contains results of another evaluation ({:?}, model {}, seed {}, {} puzzles, {} steps, givens {:?}): choose another --out or delete it",
            path.display(),
            previous.dataset,
            previous.model,
            previous.seed,
            previous.count,
            previous.steps,
            previous.givens
        );
    }
    Ok(Some(previous))
}
