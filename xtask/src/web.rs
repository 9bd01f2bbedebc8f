//! Building and serving the web app with Trunk, and the npm package with wasm-pack.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use crate::process;
use crate::root;
use crate::setup;
use crate::toolchain::WasmToolchain;

/// `cargo xtask serve`: set-up, then `trunk serve` on 127.0.0.1, rebuilding on change.
pub fn serve(port: u16) -> Result<(), String> {
    let toolchain = setup::run_for_app()?;
    fetch_wasm_crates(&toolchain)?;
    println!("serving the web app on http://127.0.0.1:{port}/ (Ctrl+C stops)");
    process::run(
        trunk(&toolchain)
            .args(["serve", "--release", "--offline", "--address", "127.0.0.1", "--port"])
            .arg(port.to_string()),
    )
}

/// Builds the web app into dist/ as `serve` does, for the browser tests.
pub fn build(toolchain: &WasmToolchain) -> Result<(), String> {
    build_into(toolchain, &root().join("dist"), false)
}

/// Builds the web app into `dist`, with burn's fusion when `fusion` is set.
fn build_into(toolchain: &WasmToolchain, dist: &Path, fusion: bool) -> Result<(), String> {
    fetch_wasm_crates(toolchain)?;
    let mut command = trunk(toolchain);
    command.args(["build", "--release", "--offline", "--dist"]).arg(dist);
    if fusion {
        command.args(["--features", "fusion"]);
    }
    process::run(&mut command)
}

/// `cargo xtask bench-browser`: builds dist/ as `serve` does, then runs the
/// bench page in headless Chromium through `tools/bench-browser.mjs`.
/// With `--fusion` it builds the app with burn's fusion into dist-fusion/
/// instead, leaving dist/ as the tests expect it.
pub fn bench_browser(args: &[String]) -> Result<(), String> {
    let toolchain = setup::run_for_app()?;
    let root = root();
    let fusion = args.iter().any(|arg| arg == "--fusion");
    let dist = root.join(if fusion { "dist-fusion" } else { "dist" });
    build_into(&toolchain, &dist, fusion)?;
    process::run(
        Command::new("node")
            .current_dir(&root)
            .arg(root.join("tools").join("bench-browser.mjs"))
            .arg("--dist")
            .arg(&dist)
            .args(args.iter().filter(|arg| *arg != "--fusion")),
    )
}

/// `cargo xtask pkg`: the npm package in pkg/, built by wasm-pack.
pub fn pkg() -> Result<(), String> {
    let toolchain = setup::run()?;
    let root = root();
    process::run(
        toolchain
            .command("wasm-pack")
            .current_dir(&root)
            .env("PATH", path_with_node_tools(&toolchain))
            .args(["build", "--release", "--target", "web", "--mode", "no-install", "--out-dir"])
            .arg(root.join("pkg"))
            .arg(root.join("crates").join("ponder-web")),
    )
}

/// Downloads the crates that a wasm32 build needs and a native one does not
/// (`gloo-timers`, which the `fusion` feature needs on wasm32), because Trunk
/// runs cargo offline. It takes seconds when cargo's cache has them all.
fn fetch_wasm_crates(toolchain: &WasmToolchain) -> Result<(), String> {
    process::run(
        toolchain
            .cargo()
            .current_dir(root())
            .args(["fetch", "--target", "wasm32-unknown-unknown"]),
    )
}

fn trunk(toolchain: &WasmToolchain) -> Command {
    let mut command = toolchain.command("trunk");
    command.current_dir(root()).env("PATH", path_with_node_tools(toolchain));
    command
}

/// PATH with node_modules/.bin in front, where `wasm-opt` (npm `binaryen`) lives.
pub fn path_with_node_tools(toolchain: &WasmToolchain) -> OsString {
    let mut path = root().join("node_modules").join(".bin").into_os_string();
    path.push(":");
    path.push(toolchain.path());
    path
}
