//! The Rust toolchain that compiles to `wasm32-unknown-unknown`.
//!
//! With rustup and internet access, `rustup target add` is all it takes. On a
//! Debian 12 machine whose rustup cannot reach its download host, the target
//! comes from Debian's packages instead: rustc-web 1.96 with its standard
//! library sources, from which a wasm32 sysroot is built once, linked by
//! LLVM 19's `wasm-ld`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::process;
use crate::root;

const TARGET: &str = "wasm32-unknown-unknown";
const DEBIAN_PACKAGES: [&str; 4] = ["rustc-web", "cargo-web", "rust-web-src", "lld-19"];
const DEBIAN_RUSTC: &str = "/usr/bin/rustc";
const DEBIAN_CARGO: &str = "/usr/bin/cargo";
const DEBIAN_SYSROOT_LIB: &str = "/usr/lib/rustlib/wasm32-unknown-unknown/lib";
const WASM_LD: &str = "/usr/lib/llvm-19/bin/wasm-ld";
/// How long `rustup target add` may try before the Debian route is taken.
const RUSTUP_TIMEOUT: Duration = Duration::from_secs(90);

/// Where the wasm32 standard library comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Rustup,
    Debian,
}

/// A ready wasm32 toolchain: environment variables to put on every command
/// that compiles for the browser (cargo, Trunk, wasm-pack).
#[derive(Debug, Clone)]
pub struct WasmToolchain {
    /// Which route provided the target, for messages.
    pub route: Route,
    envs: Vec<(String, OsString)>,
}

impl WasmToolchain {
    /// A command with this toolchain's environment applied.
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command.envs(self.envs.iter().map(|(key, value)| (key, value)));
        if self.route == Route::Debian {
            // Outside rustup's proxies, a toolchain override would only confuse
            // any rustup tool that a build script happens to call.
            command.env_remove("RUSTUP_TOOLCHAIN");
        }
        command
    }

    /// The PATH this toolchain's commands run with.
    pub fn path(&self) -> OsString {
        self.envs
            .iter()
            .find(|(key, _)| key == "PATH")
            .map(|(_, value)| value.clone())
            .unwrap_or_else(|| std::env::var_os("PATH").unwrap_or_default())
    }

    /// `cargo` for wasm32 builds: this toolchain's, in its own target folder.
    pub fn cargo(&self) -> Command {
        self.command("cargo")
    }
}

/// The folder for wasm32 build output, kept apart from native builds so that
/// the two never wait on each other's lock or rebuild each other's crates.
pub fn wasm_target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir).join("wasm"),
        None => root().join("target").join("wasm"),
    }
}

/// Finds or installs a wasm32 toolchain.
pub fn ensure() -> Result<WasmToolchain, String> {
    let forced_debian = std::env::var("PONDER_WASM_TOOLCHAIN").is_ok_and(|value| value == "debian");

    if !forced_debian && rustup_has_target() {
        println!("wasm32 toolchain: rustup target {TARGET} is installed");
        return Ok(rustup_toolchain());
    }
    if !forced_debian && rustup_add_target() {
        println!("wasm32 toolchain: installed rustup target {TARGET}");
        return Ok(rustup_toolchain());
    }

    println!("wasm32 toolchain: using Debian's rustc-web (rustup's target is unavailable or PONDER_WASM_TOOLCHAIN=debian)");
    ensure_debian()
}

fn base_envs() -> Vec<(String, OsString)> {
    vec![("CARGO_TARGET_DIR".to_string(), wasm_target_dir().into_os_string())]
}

fn rustup_toolchain() -> WasmToolchain {
    WasmToolchain { route: Route::Rustup, envs: base_envs() }
}

fn rustup_has_target() -> bool {
    process::output(Command::new("rustup").args(["target", "list", "--installed"]))
        .is_some_and(|targets| targets.lines().any(|line| line.trim() == TARGET))
}

fn rustup_add_target() -> bool {
    println!("$ timeout {}s rustup target add {TARGET}", RUSTUP_TIMEOUT.as_secs());
    Command::new("timeout")
        .arg(RUSTUP_TIMEOUT.as_secs().to_string())
        .args(["rustup", "target", "add", TARGET])
        .status()
        .is_ok_and(|status| status.success())
}

fn ensure_debian() -> Result<WasmToolchain, String> {
    crate::setup::ensure_apt_packages(&DEBIAN_PACKAGES)?;

    // Debian's `rust-lld` points at an LLVM that is not installed, and Cargo
    // must not pick up rustup's proxies, so both the compiler and the linker
    // are named explicitly, and a folder of links puts Debian's cargo and
    // rustc first on PATH for tools (Trunk, wasm-pack) that call `cargo`.
    let shims = root().join("target").join("debian-rust-bin");
    std::fs::create_dir_all(&shims).map_err(|error| format!("could not create {}: {error}", shims.display()))?;
    for (name, target) in [("cargo", DEBIAN_CARGO), ("rustc", DEBIAN_RUSTC)] {
        let link = shims.join(name);
        if std::fs::read_link(&link).ok().as_deref() != Some(Path::new(target)) {
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(target, &link)
                .map_err(|error| format!("could not link {} to {target}: {error}", link.display()))?;
        }
    }

    let mut path = OsString::from(&shims);
    path.push(":");
    path.push(std::env::var_os("PATH").unwrap_or_default());

    let mut envs = base_envs();
    envs.extend([
        ("PATH".to_string(), path),
        ("RUSTC".to_string(), OsString::from(DEBIAN_RUSTC)),
        ("CARGO".to_string(), OsString::from(DEBIAN_CARGO)),
        ("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER".to_string(), OsString::from(WASM_LD)),
    ]);
    let toolchain = WasmToolchain { route: Route::Debian, envs };

    ensure_debian_sysroot(&toolchain)?;
    Ok(toolchain)
}

/// Builds the wasm32 standard library from Debian's rust-web-src once and
/// installs it beside rustc-web's own libraries.
fn ensure_debian_sysroot(toolchain: &WasmToolchain) -> Result<(), String> {
    let installed = std::fs::read_dir(DEBIAN_SYSROOT_LIB)
        .map(|entries| entries.flatten().any(|entry| entry.file_name().to_string_lossy().starts_with("libstd-")))
        .unwrap_or(false);
    if installed {
        println!("wasm32 sysroot: present in {DEBIAN_SYSROOT_LIB}");
        return Ok(());
    }

    println!("wasm32 sysroot: building the standard library from rust-web-src (about a minute)");
    let scratch = root().join("target").join("wasm-sysroot-build");
    let src = scratch.join("src");
    std::fs::create_dir_all(&src).map_err(|error| format!("could not create {}: {error}", src.display()))?;
    std::fs::write(
        scratch.join("Cargo.toml"),
        "[package]\nname = \"sysroot_probe\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[lib]\ncrate-type = [\"cdylib\"]\n\n[workspace]\n",
    )
    .map_err(|error| format!("could not write the sysroot probe crate: {error}"))?;
    std::fs::write(src.join("lib.rs"), "#[no_mangle]\npub extern \"C\" fn probe() -> u32 { 1 }\n")
        .map_err(|error| format!("could not write the sysroot probe crate: {error}"))?;

    let build_target = scratch.join("target");
    process::run(
        toolchain
            .cargo()
            .current_dir(&scratch)
            .env("CARGO_TARGET_DIR", &build_target)
            .env("RUSTC_BOOTSTRAP", "1")
            .env("RUSTFLAGS", "-Zforce-unstable-if-unmarked")
            .args(["build", "--release", "--target", TARGET, "-Zbuild-std=std,panic_abort"]),
    )?;

    std::fs::create_dir_all(DEBIAN_SYSROOT_LIB).map_err(|error| format!("could not create {DEBIAN_SYSROOT_LIB}: {error}"))?;
    let deps = build_target.join(TARGET).join("release").join("deps");
    let entries = std::fs::read_dir(&deps).map_err(|error| format!("could not read {}: {error}", deps.display()))?;
    let mut copied = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".rlib") && !name.starts_with("libsysroot_probe") {
            std::fs::copy(entry.path(), Path::new(DEBIAN_SYSROOT_LIB).join(&name))
                .map_err(|error| format!("could not install {name} into {DEBIAN_SYSROOT_LIB}: {error}"))?;
            copied += 1;
        }
    }
    println!("wasm32 sysroot: installed {copied} libraries into {DEBIAN_SYSROOT_LIB}");
    Ok(())
}
