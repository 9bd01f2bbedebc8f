//! Building and serving the web app with Trunk, and the npm package with wasm-pack.

use std::ffi::OsString;
use std::process::Command;

use crate::process;
use crate::root;
use crate::setup;
use crate::toolchain::WasmToolchain;

/// `cargo xtask serve`: set-up, then `trunk serve` on 127.0.0.1, rebuilding on change.
pub fn serve(port: u16) -> Result<(), String> {
    let toolchain = setup::run_for_app()?;
    println!("serving the web app on http://127.0.0.1:{port}/ (Ctrl+C stops)");
    process::run(
        trunk(&toolchain)
            .args(["serve", "--release", "--offline", "--address", "127.0.0.1", "--port"])
            .arg(port.to_string()),
    )
}

/// Builds the web app into dist/ as `serve` does, for the browser tests.
pub fn build(toolchain: &WasmToolchain) -> Result<(), String> {
    process::run(trunk(toolchain).args(["build", "--release", "--offline"]))
}

/// `cargo xtask bench-browser`: builds dist/ as `serve` does, then runs the
/// bench page in headless Chromium through `tools/bench-browser.mjs`.
pub fn bench_browser(args: &[String]) -> Result<(), String> {
    let toolchain = setup::run_for_app()?;
    build(&toolchain)?;
    let root = root();
    process::run(
        Command::new("node")
            .current_dir(&root)
            .arg(root.join("tools").join("bench-browser.mjs"))
            .arg("--dist")
            .arg(root.join("dist"))
            .args(args),
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
