// Placeholder: the `bench` subcommand is being written.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ponder bench` is not available yet")
}
