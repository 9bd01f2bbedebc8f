//! `ponder train --preset sudoku|maze|arc --out DIR`: trains a model from a
//! seed with Ponder's own training loop, saving it every few steps so that a
//! stopped run (time budget spent, process killed) resumes from DIR.
//!
//! DIR contains `config.json`, `model.safetensors` (official keys), the
//! optimiser state in `train_state.safetensors`, one JSON line per step in
//! `metrics.jsonl`, and `run.json` with the settings and the time spent.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail, ensure};
use ponder_model::checkpoint::{FloatFormat, StateDict};
use ponder_model::train::{TrainReport, Trainer};
use ponder_model::{Model, TrmConfig, initial_weights};
use serde::{Deserialize, Serialize};

use crate::forward::Backend;
use crate::presets::{self, Preset};

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, value_enum)]
    preset: Preset,
    /// Folder of the run; an existing run there is resumed.
    #[arg(long)]
    out: PathBuf,
    /// Seeds the initial weights, the data and the halting exploration.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Training steps of the whole run (the learning-rate schedule spans
    /// them). Defaults to the preset's; a resumed run keeps its own.
    #[arg(long)]
    steps: Option<usize>,
    /// Stop this invocation after this long (for example 90s, 30m, 2h); run
    /// the same command again to continue.
    #[arg(long, value_parser = parse_duration)]
    time_budget: Option<f64>,
    /// Stop this invocation after step N and save; run the command again
    /// (without --until, or with a later N) to continue.
    #[arg(long, value_name = "N")]
    until: Option<usize>,
    /// Save the model and the training state every this many steps.
    #[arg(long, default_value_t = 50)]
    save_every: usize,
    /// Print a progress line every this many steps.
    #[arg(long, default_value_t = 10)]
    log_every: usize,
    #[arg(long, value_enum, default_value = "cpu")]
    backend: Backend,
}

/// The settings and progress of a run, saved as `run.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub preset: Preset,
    pub seed: u64,
    pub total_steps: usize,
    pub steps_done: usize,
    /// Seconds spent training, over every invocation.
    pub train_seconds: f64,
    pub backend: String,
    pub machine: String,
    /// The data settings, in words.
    pub data: String,
    pub batch_size: usize,
    pub lr: f64,
}

const CONFIG_FILE: &str = "config.json";
const MODEL_FILE: &str = "model.safetensors";
const STATE_FILE: &str = "train_state.safetensors";
const METRICS_FILE: &str = "metrics.jsonl";
const RUN_FILE: &str = "run.json";

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    ensure!(args.save_every > 0, "--save-every must be at least 1");
    ensure!(args.log_every > 0, "--log-every must be at least 1");
    let device = args.backend.device()?.autodiff();
    let (mut source, puzzle_rows) = args.preset.source()?;
    std::fs::create_dir_all(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;

    let run_path = args.out.join(RUN_FILE);
    let (mut trainer, mut record, config) = if run_path.exists() {
        resume(&args, &device)?
    } else {
        let total_steps = args.steps.unwrap_or_else(|| default_steps(args.preset));
        ensure!(total_steps > 0, "--steps must be at least 1");
        let config = args.preset.model_config(puzzle_rows);
        let model = Model::load(&config, &initial_weights(&config, args.seed), &device).context("cannot build the model")?;
        let trainer_config = args.preset.trainer_config(args.seed, total_steps);
        let record = RunRecord {
            preset: args.preset,
            seed: args.seed,
            total_steps,
            steps_done: 0,
            train_seconds: 0.0,
            backend: format!("{:?}", args.backend).to_lowercase(),
            machine: machine_description(),
            data: data_description(args.preset),
            batch_size: trainer_config.batch_size,
            lr: trainer_config.lr,
        };
        write_atomically(&args.out.join(CONFIG_FILE), serde_json::to_string_pretty(&config)?.as_bytes())?;
        let trainer = Trainer::new(model, &config, trainer_config)?;
        (trainer, record, config)
    };
    println!(
        "training {} ({} parameters) on {}, step {} of {}, seed {}; saving to {}",
        args.preset.name(),
        parameter_count(&config),
        record.data,
        trainer.steps(),
        record.total_steps,
        record.seed,
        args.out.display()
    );

    let mut metrics = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(args.out.join(METRICS_FILE))
        .with_context(|| format!("cannot open {}", args.out.join(METRICS_FILE).display()))?;
    let started = Instant::now();
    let seconds_before = record.train_seconds;
    let first_step = trainer.steps();
    let stop_at = args.until.unwrap_or(record.total_steps).min(record.total_steps);
    while trainer.steps() < stop_at {
        if args.time_budget.is_some_and(|budget| started.elapsed().as_secs_f64() >= budget) {
            println!("time budget spent after {:.0} s", started.elapsed().as_secs_f64());
            break;
        }
        let report = trainer.step(source.as_mut())?;
        writeln!(metrics, "{}", metrics_line(&report))?;
        if report.step % args.log_every == 0 || report.step == record.total_steps {
            print_progress(&report, record.total_steps, trainer.steps() - first_step, started);
        }
        if report.step % args.save_every == 0 {
            record.train_seconds = seconds_before + started.elapsed().as_secs_f64();
            save(&args.out, &trainer, &mut record)?;
        }
    }
    record.train_seconds = seconds_before + started.elapsed().as_secs_f64();
    save(&args.out, &trainer, &mut record)?;
    if trainer.steps() >= record.total_steps {
        println!("done: {} steps in {:.0} s of training; model in {}", record.total_steps, record.train_seconds, args.out.join(MODEL_FILE).display());
    } else {
        println!("saved at step {} of {}; run the same command to continue", trainer.steps(), record.total_steps);
    }
    Ok(ExitCode::SUCCESS)
}

/// Resumes the run saved in `--out`, after checking that the command requests the same run.
fn resume(args: &Args, device: &burn::tensor::Device) -> anyhow::Result<(Trainer, RunRecord, TrmConfig)> {
    let dir = &args.out;
    let record: RunRecord = read_json(&dir.join(RUN_FILE))?;
    if record.preset != args.preset || record.seed != args.seed {
        bail!(
            "{} contains a {} run from seed {}, not {} from seed {}: choose another --out, or repeat that run's --preset and --seed",
            dir.display(),
            record.preset.name(),
            record.seed,
            args.preset.name(),
            args.seed
        );
    }
    if let Some(steps) = args.steps {
        ensure!(steps == record.total_steps, "{} contains a run of {} steps, and --steps cannot change the schedule of a started run", dir.display(), record.total_steps);
    }
    let (config, weights) = read_model_dir(dir, 0)?;
    let state = StateDict::open(dir.join(STATE_FILE))?;
    let model = Model::load(&config, &weights, device).context("cannot build the saved model")?;
    let trainer_config = args.preset.trainer_config(record.seed, record.total_steps);
    let trainer = Trainer::resume(model, &config, trainer_config, &state)?;

    // Steps after the last save are run again, so their metrics lines go.
    truncate_metrics(&dir.join(METRICS_FILE), trainer.steps())?;
    Ok((trainer, record, config))
}

fn save(dir: &Path, trainer: &Trainer, record: &mut RunRecord) -> anyhow::Result<()> {
    record.steps_done = trainer.steps();
    let weights = trainer.model().to_state_dict()?.to_safetensors(FloatFormat::F32)?;
    let state = trainer.state()?.to_safetensors(FloatFormat::F32)?;
    write_atomically(&dir.join(MODEL_FILE), &weights)?;
    write_atomically(&dir.join(STATE_FILE), &state)?;
    write_atomically(&dir.join(RUN_FILE), serde_json::to_string_pretty(record)?.as_bytes())
}

/// Writes a file through a temporary beside it, so that a killed process
/// leaves the old file or the new one, never half of one.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let temporary = path.with_extension("partial");
    std::fs::write(&temporary, bytes).with_context(|| format!("cannot write {}", temporary.display()))?;
    std::fs::rename(&temporary, path).with_context(|| format!("cannot replace {}", path.display()))
}

/// Reads the config and weights of a model folder that `ponder train`
/// writes. `seq` fills `seq_len` for an official all_config.yaml (see
/// [`crate::forward::read_config`]).
pub fn read_model_dir(dir: &Path, seq: usize) -> anyhow::Result<(TrmConfig, StateDict)> {
    let weights = StateDict::open(dir.join(MODEL_FILE)).with_context(|| format!("{} contains no trained model", dir.display()))?;
    let config = crate::forward::read_config(&dir.join(CONFIG_FILE), &weights, seq)?;
    Ok((config, weights))
}

pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a valid run record", path.display()))
}

fn truncate_metrics(path: &Path, steps: usize) -> anyhow::Result<()> {
    let Ok(text) = std::fs::read_to_string(path) else { return Ok(()) };
    let kept: String = text.lines().take(steps).map(|line| format!("{line}\n")).collect();
    std::fs::write(path, kept).with_context(|| format!("cannot rewrite {}", path.display()))
}

fn metrics_line(report: &TrainReport) -> String {
    serde_json::json!({
        "step": report.step,
        "loss": report.loss,
        "lm_loss": report.lm_loss,
        "accuracy": report.accuracy,
        "exact_accuracy": report.exact_accuracy,
        "lr": report.lr,
    })
    .to_string()
}

fn print_progress(report: &TrainReport, total_steps: usize, steps_this_run: usize, started: Instant) {
    let elapsed = started.elapsed().as_secs_f64();
    let rate = steps_this_run.max(1) as f64 / elapsed.max(1e-9);
    let remaining = (total_steps - report.step) as f64 / rate;
    println!(
        "step {:>6}/{total_steps}: loss {:.4} (cross-entropy {:.4}), accuracy {:.3}, exact {:.3}, lr {:.1e}, {:.2} steps/s, about {:.0} min left",
        report.step,
        report.loss,
        report.lm_loss,
        report.accuracy,
        report.exact_accuracy,
        report.lr,
        rate,
        remaining / 60.0
    );
}

fn default_steps(preset: Preset) -> usize {
    match preset {
        Preset::Sudoku => 3000,
        Preset::Maze => 2000,
        Preset::Arc => 2000,
    }
}

fn data_description(preset: Preset) -> String {
    match preset {
        Preset::Sudoku => format!(
            "generated Sudoku with {} givens, solvable by singles",
            presets::SUDOKU_DIFFICULTY.givens
        ),
        Preset::Maze => format!(
            "generated 30x30 mazes, shortest path at least {} steps, {} loops",
            presets::MAZE_MIN_LENGTH,
            presets::MAZE_LOOPS
        ),
        Preset::Arc => format!("ARC-AGI-1 training tasks, {} augmentations each", presets::ARC_AUGMENTATIONS),
    }
}

pub fn parameter_count(config: &TrmConfig) -> usize {
    ponder_model::load::expected_weights(config)
        .iter()
        .filter(|(key, _)| key != "puzzle_emb.weights")
        .map(|(_, shape)| shape.iter().product::<usize>())
        .sum()
}

/// Describes the CPU model and core count, for the record of where a model was trained.
fn machine_description() -> String {
    let cores = std::thread::available_parallelism().map(|cores| cores.get()).unwrap_or(1);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split(':').nth(1))
                .map(|name| name.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    format!("{cpu}, {cores} cores")
}

/// Reads `90`, `90s`, `30m` or `2h` as seconds.
pub fn parse_duration(text: &str) -> Result<f64, String> {
    let (number, unit) = match text.char_indices().last() {
        Some((index, 's')) => (&text[..index], 1.0),
        Some((index, 'm')) => (&text[..index], 60.0),
        Some((index, 'h')) => (&text[..index], 3600.0),
        _ => (text, 1.0),
    };
    match number.parse::<f64>() {
        Ok(value) if value.is_finite() && value > 0.0 => Ok(value * unit),
        _ => Err(format!("`{text}` is not a duration: expected a positive number with s, m or h, for example 90s, 30m or 2h")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("90"), Ok(90.0));
        assert_eq!(parse_duration("90s"), Ok(90.0));
        assert_eq!(parse_duration("1.5m"), Ok(90.0));
        assert_eq!(parse_duration("2h"), Ok(7200.0));
        assert_eq!(
            parse_duration("soon"),
            Err("`soon` is not a duration: expected a positive number with s, m or h, for example 90s, 30m or 2h".to_string())
        );
        assert!(parse_duration("-3m").is_err());
    }
}
