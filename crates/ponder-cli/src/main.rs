//! `ponder`: the command-line face of Ponder's core.

mod bench;
mod check;
mod convert;
mod eval;
mod eval_arc;
mod forward;
mod presets;
mod profile;
mod solve;
mod train;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "ponder", version, about = "Run Tiny Recursive Models on your own CPU or GPU")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate ARC task files and print every problem found.
    Check(check::Args),
    /// Run a checkpoint on a batch for N ACT steps and write the outputs.
    Forward(forward::Args),
    /// Convert an official checkpoint into Ponder's network and embedding files.
    Convert(convert::Args),
    /// Time one ACT step on each backend.
    Bench(bench::Args),
    /// Solve an ARC task's test inputs, optionally after fine-tuning on its demonstrations.
    Solve(solve::Args),
    /// Measure a model: solve rate per ACT step on held-out Sudoku or mazes, or pass@1 and pass@2 on an ARC dataset.
    Eval(eval::Args),
    /// Train a model from a seed on generated Sudoku or mazes, or on the ARC-AGI-1 training tasks.
    Train(train::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Forward(args) => forward::run(args),
        Command::Convert(args) => convert::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Solve(args) => solve::run(args),
        Command::Train(args) => train::run(args),
        Command::Eval(args) => eval::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
