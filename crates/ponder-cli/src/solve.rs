// NOTE: not compiled yet: main.rs does not declare this module. Register it
// (`mod solve;`, `Solve(solve::Args)`, `Command::Solve(args) => solve::run(args)`)
// and build before relying on it.
//! `ponder solve TASK --finetune STEPS`: fine-tunes a model on the task's
//! demonstration pairs, printing each step, then solves the test inputs
//! under the same augmentations and prints the two voted attempts.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, ensure};
use burn::prelude::*;
use ponder_model::checkpoint::StateDict;
use ponder_model::train::{FinetuneConfig, FinetuneMode, Finetuner, predict_test};
use ponder_model::{Trm, TrmConfig, initial_weights};
use ponder_tasks::Grid;
use ponder_tasks::dataset::{Dataset, bundled_data_dir, load_task};
use ponder_tasks::vote::attempts;

use crate::forward::Backend;

/// The model trained from scratch when no checkpoint is given: the ARC
/// layout at hidden 64, small enough to fine-tune on a CPU in minutes.
const SMALL_CONFIG: &str = r#"{
    "batch_size": 8, "seq_len": 900, "vocab_size": 12,
    "puzzle_emb_ndim": 64, "puzzle_emb_len": 1, "num_puzzle_identifiers": 1,
    "H_cycles": 2, "L_cycles": 2, "H_layers": 0, "L_layers": 2,
    "hidden_size": 64, "expansion": 4, "num_heads": 2,
    "pos_encodings": "rope", "halt_max_steps": 2, "halt_exploration_prob": 0.1,
    "forward_dtype": "float32", "no_ACT_continue": true
}"#;

#[derive(clap::Args)]
pub struct Args {
    /// Task id in the bundled dataset, for example 3c9b0459.
    task: String,
    /// Bundled dataset that holds the task.
    #[arg(long, default_value = "arc1-training")]
    dataset: Dataset,
    /// Fine-tuning steps before solving.
    #[arg(long)]
    finetune: usize,
    /// Architecture config (JSON with the official field names). Without it
    /// and `--checkpoint`, a small model drawn from `--seed` is trained from scratch.
    #[arg(long, requires = "checkpoint")]
    config: Option<PathBuf>,
    /// Weights under the official state_dict keys (safetensors or `.pt`).
    #[arg(long, requires = "config")]
    checkpoint: Option<PathBuf>,
    /// Train every weight with AdamW, not only the puzzle rows. Always on
    /// for the from-scratch model.
    #[arg(long)]
    full: bool,
    /// Augmentations of the demonstrations, the identity included.
    #[arg(long, default_value_t = 8)]
    augmentations: usize,
    /// Examples per step.
    #[arg(long, default_value_t = 8)]
    batch_size: usize,
    /// Base learning rate of AdamW in full fine-tuning.
    #[arg(long, default_value_t = 3e-3)]
    lr: f64,
    /// Seeds the model drawn without a checkpoint, the augmentations and the halting exploration.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[arg(long, value_enum, default_value = "cpu")]
    backend: Backend,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let task = load_task(&bundled_data_dir(), args.dataset, &args.task)?;
    let device = match args.backend {
        Backend::Cpu => Device::flex(),
        Backend::Wgpu => Device::wgpu_options().init().context("no wgpu adapter")?,
    };
    let train_device = device.autodiff();

    let (config, weights, from_scratch) = match (&args.config, &args.checkpoint) {
        (Some(config_path), Some(checkpoint_path)) => {
            let text = std::fs::read_to_string(config_path).with_context(|| format!("cannot read {}", config_path.display()))?;
            let config = TrmConfig::from_json_str(&text).with_context(|| format!("invalid config {}", config_path.display()))?;
            (config, StateDict::open(checkpoint_path)?, false)
        }
        _ => {
            let config = TrmConfig::from_json_str(SMALL_CONFIG).context("invalid built-in config")?;
            let weights = initial_weights(&config, args.seed);
            (config, weights, true)
        }
    };
    ensure!(config.seq_len == ponder_tasks::encoding::SEQ_LEN, "the model's seq_len is {}, expected the ARC layout's 900", config.seq_len);
    let model = Trm::load(&config, &weights, &train_device)?;

    let mode = if args.full || from_scratch { FinetuneMode::Full } else { FinetuneMode::EmbeddingOnly };
    let finetune_config = FinetuneConfig {
        mode,
        augmentations: args.augmentations,
        translate: !from_scratch,
        batch_size: args.batch_size,
        lr: args.lr,
        total_steps: args.finetune,
        seed: args.seed,
        ..FinetuneConfig::default()
    };
    let mut finetuner = Finetuner::new(model, &config, &args.task, &task, None, finetune_config)?;

    println!("fine-tuning {} on {} augmented demonstrations ({mode:?}, {:?})", args.task, finetuner.data().examples.len(), args.backend);
    for _ in 0..args.finetune {
        let report = finetuner.step()?;
        println!(
            "step {:>4}: loss {:.4}, accuracy {:.3}, exact {:.3}{}",
            report.step,
            report.loss,
            report.accuracy,
            report.exact_accuracy,
            if report.is_best { " (best)" } else { "" }
        );
    }

    let model = finetuner.best().map(|best| &best.model).unwrap_or(finetuner.model());
    for (index, test) in task.test.iter().enumerate() {
        let ranked = predict_test(model, finetuner.data(), index, config.halt_max_steps).context("no test input")??;
        let Some(found) = attempts(&ranked) else {
            println!("test {index}: no prediction decodes to a grid");
            continue;
        };
        for (name, grid) in [("attempt 1", &found.attempt_1), ("attempt 2", &found.attempt_2)] {
            let verdict = match &test.output {
                Some(solution) if solution == grid => " (right)",
                Some(_) => " (wrong)",
                None => "",
            };
            println!("test {index}, {name}{verdict}:\n{}", grid_text(grid));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn grid_text(grid: &Grid) -> String {
    grid.to_rows().iter().map(|row| row.iter().map(|cell| cell.to_string()).collect::<String>()).collect::<Vec<_>>().join("\n")
}
