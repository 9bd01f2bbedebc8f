//! `cargo xtask test`: the tests, in the order that fails fastest.
//!
//! 1. native tests of all crates (CPU, and wgpu on the machine's Vulkan driver);
//! 2. wasm tests in headless Chromium through wasm-bindgen-test-runner
//!    (WebGPU on SwiftShader, and the CPU fallback);
//! 3. the web app built by Trunk as `serve` builds it, driven by Playwright.
//!
//! `--slow` also runs what takes many minutes on a 2-core machine without a
//! GPU: the tests marked `#[ignore]`, and the wgpu golden cases again in a
//! build with burn's fusion. That build changes the features of burn and
//! cubecl, so from an empty target folder it compiles them again (11 minutes
//! on 2 cores), which a first CI run cannot afford within its 90 minutes.

use std::process::Command;

use crate::process;
use crate::root;
use crate::setup;
use crate::toolchain::WasmToolchain;
use crate::web;

/// Crates with wasm-bindgen tests that run in the browser.
const BROWSER_TEST_CRATES: [&str; 1] = ["ponder-web"];

/// Which tests to run: the default set, or also the slow ones.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    Default,
    WithSlow,
}

impl Selection {
    /// Parses the arguments after `test`: none, or `--slow`.
    pub fn parse(args: &[String]) -> Result<Self, String> {
        match args {
            [] => Ok(Self::Default),
            [flag] if flag == "--slow" => Ok(Self::WithSlow),
            _ => Err(format!("invalid arguments {args:?} for test: expected none or `--slow`")),
        }
    }

    /// Arguments for the test harness after `--`.
    fn harness_args(self) -> &'static [&'static str] {
        match self {
            Self::Default => &[],
            Self::WithSlow => &["--include-ignored"],
        }
    }

    /// Seconds one browser test binary may run before wasm-bindgen-test-runner
    /// gives up. The slow set adds a test of about 16 minutes under SwiftShader.
    fn browser_test_timeout_s(self) -> &'static str {
        match self {
            Self::Default => "900",
            Self::WithSlow => "2700",
        }
    }
}

pub fn run(selection: Selection) -> Result<(), String> {
    let toolchain = setup::run_for_app()?;
    let root = root();

    println!("\n== native tests ==");
    process::run(Command::new("cargo").current_dir(&root).arg("test").arg("--").args(selection.harness_args()))?;

    // Every build but one leaves burn's fusion off. The one with the `fusion`
    // feature is what `ponder bench` compares the kernels with, so its results are checked too.
    if selection == Selection::WithSlow {
        println!("\n== native wgpu tests with burn's fusion ==");
        process::run(
            Command::new("cargo")
                .current_dir(&root)
                .args(["test", "--package", "ponder-model", "--features", "fusion", "--test", "fusion_wgpu"]),
        )?;
    }

    println!("\n== wasm tests in headless Chromium ==");
    for krate in BROWSER_TEST_CRATES {
        process::run(&mut browser_tests(&toolchain, krate, selection))?;
    }

    println!("\n== web app in headless Chromium (Playwright) ==");
    web::build(&toolchain)?;
    process::run(
        Command::new("node")
            .current_dir(&root)
            .env("PONDER_DIST", root.join("dist"))
            .args(["--test", "--test-reporter=spec"])
            .arg(root.join("tests").join("e2e")),
    )?;

    println!("\nall tests passed");
    Ok(())
}

/// `cargo test --target wasm32-unknown-unknown` for one crate, run by
/// wasm-bindgen-test-runner in Chromium with the flags in the crate's
/// webdriver.json.
fn browser_tests(toolchain: &WasmToolchain, krate: &str, selection: Selection) -> Command {
    let mut command = toolchain.cargo();
    command
        .current_dir(root())
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner")
        .env("CHROMEDRIVER", "/usr/bin/chromedriver")
        .env("WASM_BINDGEN_TEST_TIMEOUT", selection.browser_test_timeout_s())
        .args(["test", "--package", krate, "--target", "wasm32-unknown-unknown", "--"])
        .args(selection.harness_args());
    command
}
