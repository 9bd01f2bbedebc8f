//! `cargo xtask setup`: installs every tool the build and the tests use, and
//! only checks what is already there.

use std::process::Command;

use crate::process;
use crate::root;
use crate::toolchain::{self, WasmToolchain};

/// Trunk 0.21 is the newest release that builds with Rust 1.95; 0.22 needs 1.96.1.
const TRUNK_VERSION: &str = "0.21.14";
const WASM_PACK_VERSION: &str = "0.15.1";

/// Debian packages for the browser tests: Chromium with its WebDriver, and
/// Mesa's Vulkan drivers (lavapipe natively; Chromium's SwiftShader needs the
/// Vulkan loader).
const BROWSER_PACKAGES: [&str; 4] = ["chromium", "chromium-driver", "mesa-vulkan-drivers", "libvulkan1"];

/// Installs or checks every tool, and returns the wasm32 toolchain to build with.
pub fn run() -> Result<WasmToolchain, String> {
    let toolchain = run_for_app()?;
    ensure_cargo_tool("wasm-pack", WASM_PACK_VERSION, "wasm-pack")?;
    println!("setup: done (wasm32 through {:?})", toolchain.route);
    Ok(toolchain)
}

/// Installs or checks the tools that serving, testing and measuring the web
/// app use: all but wasm-pack, which only `cargo xtask pkg` needs. Compiling
/// wasm-pack takes minutes on a fresh 2-core machine, which CI cannot spare.
pub fn run_for_app() -> Result<WasmToolchain, String> {
    ensure_apt_packages(&BROWSER_PACKAGES)?;
    ensure_node()?;
    let toolchain = toolchain::ensure()?;
    ensure_wasm_bindgen()?;
    ensure_cargo_tool("trunk", TRUNK_VERSION, "trunk")?;
    ensure_node_packages()?;
    Ok(toolchain)
}

/// Installs the Debian packages that are missing, with one `apt-get` call.
pub fn ensure_apt_packages(packages: &[&str]) -> Result<(), String> {
    let missing: Vec<&str> = packages.iter().copied().filter(|package| !apt_installed(package)).collect();
    if missing.is_empty() {
        println!("apt: {} installed", packages.join(", "));
        return Ok(());
    }

    println!("apt: installing {}", missing.join(", "));
    let sudo = !is_root();
    let apt = |args: &[&str]| {
        let mut command = if sudo { Command::new("sudo") } else { Command::new("apt-get") };
        if sudo {
            command.arg("apt-get");
        }
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    process::run(&mut apt(&["update", "-q"]))?;
    let mut install = apt(&["install", "-y", "-q", "--no-install-recommends"]);
    install.args(&missing);
    process::run(&mut install)
}

fn apt_installed(package: &str) -> bool {
    process::output(Command::new("dpkg-query").args(["-W", "-f=${Status}", package]))
        .is_some_and(|status| status.ends_with("installed") && !status.contains("not-installed"))
}

fn is_root() -> bool {
    process::output(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0")
}

fn ensure_node() -> Result<(), String> {
    if process::output(Command::new("node").arg("--version")).is_some()
        && process::output(Command::new("npm").arg("--version")).is_some()
    {
        return Ok(());
    }
    ensure_apt_packages(&["nodejs", "npm"])
}

/// wasm-bindgen's CLI must be exactly the version of the `wasm-bindgen` crate
/// in Cargo.lock, or the generated JavaScript does not match the module.
fn ensure_wasm_bindgen() -> Result<(), String> {
    let version = locked_version("wasm-bindgen")?;
    ensure_cargo_tool("wasm-bindgen", &version, "wasm-bindgen-cli")
}

/// Installs `package` with `cargo install` unless `binary --version` already
/// reports `version`.
fn ensure_cargo_tool(binary: &str, version: &str, package: &str) -> Result<(), String> {
    let reported = process::output(Command::new(binary).arg("--version")).unwrap_or_default();
    if reported.split_whitespace().any(|word| word.trim_start_matches('v') == version) {
        println!("{binary}: {version} installed");
        return Ok(());
    }

    println!("{binary}: installing {package} {version} with cargo (a few minutes, once)");
    // `--locked` keeps the tool's own tested dependency versions; when one of
    // them has been yanked since, a plain install is the fallback.
    let locked = process::run(Command::new("cargo").args(["install", package, "--version", version, "--locked"]));
    if locked.is_err() {
        process::run(Command::new("cargo").args(["install", package, "--version", version]))?;
    }
    Ok(())
}

/// Reads the version of `name` from the workspace's Cargo.lock.
pub fn locked_version(name: &str) -> Result<String, String> {
    let lock_path = root().join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path)
        .map_err(|error| format!("could not read {}: {error}", lock_path.display()))?;
    let needle = format!("name = \"{name}\"\nversion = \"");
    let start = lock.find(&needle).ok_or_else(|| format!("`{name}` is not in Cargo.lock"))? + needle.len();
    let end = lock[start..].find('"').ok_or_else(|| format!("malformed version of `{name}` in Cargo.lock"))?;
    Ok(lock[start..start + end].to_string())
}

/// Installs the Node packages of package-lock.json (playwright-core to drive
/// Chromium, binaryen for wasm-opt) unless node_modules already matches it.
fn ensure_node_packages() -> Result<(), String> {
    let root = root();
    let lock = root.join("package-lock.json");
    let installed = root.join("node_modules").join(".package-lock.json");
    let up_to_date = match (std::fs::metadata(&lock), std::fs::metadata(&installed)) {
        (Ok(lock), Ok(installed)) => match (lock.modified(), installed.modified()) {
            (Ok(lock), Ok(installed)) => installed >= lock,
            _ => false,
        },
        _ => false,
    };
    if up_to_date {
        println!("npm: node_modules matches package-lock.json");
        return Ok(());
    }
    process::run(Command::new("npm").current_dir(&root).args(["ci", "--no-audit", "--no-fund"]))
}
