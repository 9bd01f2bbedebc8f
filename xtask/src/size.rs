//! `cargo xtask size`: how many bytes a browser downloads for the web app's
//! wasm module, at each stage of the release build.

use std::io::Write;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;

use crate::process;
use crate::root;
use crate::setup;
use crate::toolchain::wasm_target_dir;
use crate::web::path_with_node_tools;

/// The wasm features rustc 1.95 enables by default for wasm32-unknown-unknown,
/// plus SIMD, which `pulp` (under burn-flex's `gemm`) emits in functions that
/// enable it themselves. wasm-opt rejects a module that uses a feature it was
/// not told about. `web/index.html` passes the same list to Trunk's wasm-opt.
pub const WASM_FEATURES: [&str; 7] = [
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-multivalue",
    "--enable-reference-types",
    "--enable-simd",
];

pub fn run() -> Result<(), String> {
    let toolchain = setup::run_for_app()?;
    let root = root();

    process::run(toolchain.cargo().current_dir(&root).args([
        "build",
        "--release",
        "--package",
        "ponder-web",
        "--target",
        "wasm32-unknown-unknown",
    ]))?;
    let cargo_output = wasm_target_dir().join("wasm32-unknown-unknown/release/ponder_web.wasm");

    let out = root.join("target").join("size");
    process::run(
        toolchain
            .command("wasm-bindgen")
            .args(["--target", "web", "--out-dir"])
            .arg(&out)
            .arg(&cargo_output),
    )?;
    let bindgen_output = out.join("ponder_web_bg.wasm");

    let optimised = out.join("ponder_web_bg.opt.wasm");
    process::run(
        toolchain
            .command("wasm-opt")
            .env("PATH", path_with_node_tools(&toolchain))
            .arg("-Oz")
            .args(WASM_FEATURES)
            .arg(&bindgen_output)
            .arg("-o")
            .arg(&optimised),
    )?;

    println!();
    println!("{:<36} {:>12} {:>12}", "stage", "raw bytes", "gzip -9");
    for (stage, path) in [
        ("cargo build --release", &cargo_output),
        ("wasm-bindgen", &bindgen_output),
        ("wasm-opt -Oz (what the page loads)", &optimised),
    ] {
        let (raw, gzipped) = sizes(path)?;
        println!("{stage:<36} {:>12} {:>12}   ({:.1} MB, {:.1} MB gzipped)", raw, gzipped, mb(raw), mb(gzipped));
    }
    Ok(())
}

fn sizes(path: &Path) -> Result<(usize, usize), String> {
    let bytes = std::fs::read(path).map_err(|error| format!("could not read {}: {error}", path.display()))?;
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(&bytes).map_err(|error| format!("gzip failed: {error}"))?;
    let gzipped = encoder.finish().map_err(|error| format!("gzip failed: {error}"))?;
    Ok((bytes.len(), gzipped.len()))
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1_000_000.0
}
