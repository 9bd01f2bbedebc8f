//! Ponder's project commands, run as `cargo xtask COMMAND`.
//!
//! Everything a fresh machine needs (the wasm32 toolchain, wasm-bindgen,
//! Trunk, wasm-pack, Chromium, a Vulkan driver, Node packages) is installed by
//! `setup`, which `serve` and `test` run first; a second run only checks.

mod process;
mod setup;
mod size;
mod test;
mod toolchain;
mod web;

use std::path::PathBuf;
use std::process::ExitCode;

const HELP: &str = "\
Usage: cargo xtask COMMAND [OPTIONS]

Commands:
  setup            install every tool the other commands need (idempotent)
  serve [--port N] build the web app and serve it on http://127.0.0.1:N (default 8080)
  test [--slow]    run the tests: native, wasm in headless Chromium, Playwright;
                   --slow also runs what takes many minutes on 2 cores without
                   a GPU: the ignored tests (fine-tuning on WebGPU under
                   SwiftShader) and the golden cases in a build with burn's fusion
  size             build the release .wasm and print its size, raw and gzipped
  bench-browser [OPTIONS]
                   build the web app and profile an ACT step on its bench page
                   in headless Chromium; OPTIONS go to tools/bench-browser.mjs:
                   --backend webgpu|cpu, --batch N, --sample-calls N, --whole-step;
                   --fusion builds the app with burn's fusion (into dist-fusion/)
  pkg              build the npm package into pkg/ with wasm-pack
  help             print this message

Environment:
  PONDER_WASM_TOOLCHAIN=debian   skip rustup and use Debian's rustc-web for wasm32
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first() else {
        eprint!("{HELP}");
        return ExitCode::FAILURE;
    };

    let result = match command.as_str() {
        "setup" => setup::run().map(|_| ()),
        "serve" => parse_port(&args[1..]).and_then(web::serve),
        "test" => test::Selection::parse(&args[1..]).and_then(test::run),
        "size" => size::run(),
        "bench-browser" => web::bench_browser(&args[1..]),
        "pkg" => web::pkg(),
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n\n{HELP}")),
    };

    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse_port(args: &[String]) -> Result<u16, String> {
    match args {
        [] => Ok(8080),
        [flag, value] if flag == "--port" => {
            value.parse().map_err(|_| format!("invalid --port `{value}`: expected a number from 1 to 65535"))
        }
        _ => Err(format!("unexpected arguments {args:?}: serve takes only `--port N`")),
    }
}

/// The workspace root (the folder above `xtask/`).
pub fn root() -> PathBuf {
    // `cargo run` sets CARGO_MANIFEST_DIR for the process it starts. The value
    // compiled in is only a fallback: a target folder shared between clones
    // (as CI may keep one) can hold an xtask binary built from another clone.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir.parent().expect("xtask sits in the workspace").to_path_buf()
}
