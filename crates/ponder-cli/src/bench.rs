//! `ponder bench`: times one ACT step in the released ARC-AGI-1 shape on each
//! backend, and the same step in the project's PyTorch reference
//! (`tools/reference/trm_reference.py`) on the same machine and thread count.
//!
//! With `--finetune` it times a fine-tuning step instead: one ACT step in
//! training mode on augmented demonstrations of a bundled task, the loss,
//! backward, and the AdamW and sign-SGD updates of every weight.
//!
//! The weights are random from a fixed seed: the time of a step does not
//! depend on the values. PyTorch is optional; without it only Ponder's
//! figures are printed.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::{Context, bail, ensure};
use burn::prelude::*;
use burn::tensor::Distribution;
use ponder_model::checkpoint::{HostTensor, StateDict};
use ponder_model::load::expected_weights;
use ponder_model::train::{FinetuneConfig, FinetuneMode, Finetuner};
use ponder_model::{Halting, Model, TrmConfig};
use ponder_tasks::dataset::{Dataset, bundled_data_dir, load_task};

/// The reference forward pass, built into the binary so that `ponder bench`
/// works outside a checkout. It is passed to Python on standard input.
const REFERENCE_SCRIPT: &str = include_str!("../../../tools/reference/trm_reference.py");

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum BackendChoice {
    /// burn's pure-Rust CPU backend (Flex).
    Cpu,
    /// wgpu on the platform's graphics API (Vulkan, Metal, DX12, or lavapipe without a GPU).
    Wgpu,
    /// Both, CPU first.
    All,
}

#[derive(clap::Args)]
pub struct Args {
    /// Backends to time.
    #[arg(long, value_enum, default_value = "all")]
    backend: BackendChoice,
    /// Batch sizes to time, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,8", value_parser = clap::value_parser!(u32).range(1..))]
    batch: Vec<u32>,
    /// Timed ACT steps per backend and batch size. The median and the minimum are reported.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    repeats: u32,
    /// Untimed ACT steps before the timed ones, which absorb shader compilation and first allocations.
    #[arg(long, default_value_t = 1)]
    warmup: u32,
    /// CPU threads for PyTorch (torch.set_num_threads) and for Ponder's CPU backend (a rayon
    /// pool, used when burn is built with its `rayon` feature). Defaults to the available cores.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    threads: Option<u32>,
    /// Skip the PyTorch reference and print Ponder's figures only.
    #[arg(long)]
    no_torch: bool,
    /// Python interpreter that runs the PyTorch reference.
    #[arg(long, default_value = "python3")]
    python: OsString,
    /// Folder of golden files (CASE.config.json, CASE.safetensors, CASE.io.safetensors) to check
    /// the PyTorch reference against before it is timed.
    #[arg(long)]
    golden: Option<PathBuf>,
    /// Seed of the random weights.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Time fine-tuning steps (training-mode ACT step, loss, backward and
    /// the updates of every weight) instead of evaluation ACT steps.
    #[arg(long)]
    finetune: bool,
    /// Ponder's hand-written WGSL kernels (`shaders/`) on wgpu: time the step
    /// with them off and on side by side (`both`), or only one way.
    #[arg(long, value_enum, default_value = "both")]
    kernels: KernelChoice,
    /// Also time the parts of the ACT step on their own (attention, SwiGLU MLP,
    /// residual add with RMSNorm) and print each one's share of the step.
    #[arg(long, conflicts_with = "finetune")]
    profile: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum KernelChoice {
    Both,
    On,
    Off,
}

impl KernelChoice {
    /// Returns the switch settings to time on a backend where the kernels apply, off first.
    fn settings(self) -> &'static [bool] {
        match self {
            KernelChoice::Both => &[false, true],
            KernelChoice::On => &[true],
            KernelChoice::Off => &[false],
        }
    }
}

/// Note printed under the table when the build fuses burn's wgpu operations.
const FUSION_NOTE: &str = "wgpu: this build runs burn's kernel fusion (the `fusion` feature), and the hand-written kernels do not run on fused tensors, so wgpu was timed once, with fusion and without the kernels";

/// The bundled ARC-AGI-1 training task whose demonstrations the fine-tuning
/// bench trains on; any task does, since the work per step is the same.
const FINETUNE_TASK: &str = "007bbfb7";

/// Median and minimum of the timed repetitions, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Timing {
    median_ms: f64,
    min_ms: f64,
}

impl Timing {
    fn from_samples(samples_ms: &[f64]) -> Self {
        let mut sorted = samples_ms.to_vec();
        sorted.sort_by(f64::total_cmp);
        let middle = sorted.len() / 2;
        let median_ms = if sorted.len() % 2 == 1 {
            sorted[middle]
        } else {
            (sorted[middle - 1] + sorted[middle]) / 2.0
        };
        Self { median_ms, min_ms: sorted[0] }
    }
}

/// Ponder's timing of one backend and batch size.
#[derive(Debug, Clone, PartialEq)]
struct PonderRow {
    backend: &'static str,
    batch: usize,
    /// Whether the hand-written kernels were on; `None` where they do not apply.
    kernels: Option<bool>,
    timing: Timing,
    /// Bytes the wgpu memory pools held after the timed steps.
    gpu_memory: Option<u64>,
}

/// One golden case as the reference checked it.
#[derive(Debug, Clone, PartialEq)]
struct CaseCheck {
    case: String,
    passed: bool,
    max_logits_diff: f64,
}

/// The report that the reference script prints on standard output as one JSON object.
#[derive(Debug, Clone, PartialEq)]
struct TorchReport {
    torch_version: String,
    threads: usize,
    check: Vec<CaseCheck>,
    timings: Vec<(usize, Timing)>,
}

impl TorchReport {
    fn timing(&self, batch: usize) -> Option<Timing> {
        self.timings.iter().find(|(b, _)| *b == batch).map(|(_, timing)| *timing)
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let threads = match args.threads {
        Some(threads) => threads as usize,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    // Flex runs its matmuls and reductions on rayon's global pool when burn is
    // built with its `rayon` feature. Without it, Flex runs on the calling thread.
    // NOTE: the workspace builds burn without `rayon`, so Ponder's CPU backend
    // uses one core whatever `threads` says.
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .context("failed to start the CPU thread pool")?;

    let config = TrmConfig::arc_agi_1(1);
    let batches: Vec<usize> = args.batch.iter().map(|&b| b as usize).collect();

    let (rows, mut notes, profiles) = time_backends(&args, &config, &batches)?;

    let torch = if args.no_torch {
        None
    } else {
        match torch_available(&args.python) {
            Ok(()) => {
                let what = if args.finetune { "training" } else { "ACT" };
                eprintln!("pytorch: {} warm-up and {} timed {what} steps per batch size", args.warmup, args.repeats);
                Some(run_reference(&args, threads, &batches)?)
            }
            Err(reason) => {
                notes.push(format!("PyTorch: not timed, {reason}, so only Ponder's figures are shown"));
                None
            }
        }
    };

    println!("{}", format_header(&config, args.finetune, threads, args.warmup, args.repeats, torch.as_ref()));
    println!("{}", format_table(&rows, torch.as_ref()));
    for profile in &profiles {
        println!("\n{profile}");
    }
    for note in &notes {
        println!("{note}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Times every requested backend at every batch size. A backend that cannot
/// start is skipped with a note instead of failing the whole run.
fn time_backends(args: &Args, config: &TrmConfig, batches: &[usize]) -> anyhow::Result<(Vec<PonderRow>, Vec<String>, Vec<String>)> {
    let state_dict = random_state_dict(config, args.seed)?;
    let backends: &[&'static str] = match args.backend {
        BackendChoice::Cpu => &["cpu"],
        BackendChoice::Wgpu => &["wgpu"],
        BackendChoice::All => &["cpu", "wgpu"],
    };
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let mut profiles = Vec::new();
    for &backend in backends {
        let device = match start_device(backend) {
            Ok((device, description)) => {
                eprintln!("{backend}: {description}");
                device
            }
            Err(error) => {
                notes.push(format!("{backend}: not timed, {error:#}"));
                continue;
            }
        };
        let what = if args.finetune { "fine-tuning" } else { "ACT" };
        // The kernels only run on burn-wgpu tensors without autodiff: in an
        // evaluation step everywhere, in a fine-tuning step in the rounds that
        // record no gradient. A profile needs the step both ways to split it.
        let settings: Vec<Option<bool>> = if backend == "wgpu" && !ponder_model::kernels::FUSION {
            let choice = if args.profile { KernelChoice::Both } else { args.kernels };
            choice.settings().iter().map(|&on| Some(on)).collect()
        } else {
            vec![None]
        };
        if backend == "wgpu" && ponder_model::kernels::FUSION {
            notes.push(FUSION_NOTE.to_string());
        }
        for &batch in batches {
            let model = if args.finetune {
                None
            } else {
                Some(Model::load(config, &state_dict, &device).context("failed to build the model from random weights")?)
            };
            let mut step_ms = Vec::new();
            for &kernels in &settings {
                let switch = match kernels {
                    Some(true) => ", kernels on",
                    Some(false) => ", kernels off",
                    None => "",
                };
                eprintln!("{backend}, batch {batch}{switch}: {} warm-up and {} timed {what} steps", args.warmup, args.repeats);
                ponder_model::kernels::set_all_enabled(kernels.unwrap_or(true));
                ponder_model::kernels::memory::release_unused(&device);
                let timing = match &model {
                    None => time_finetune_step(config, &state_dict, &device, batch, args.warmup, args.repeats),
                    Some(model) => time_act_step(model, config, &device, batch, args.warmup, args.repeats),
                }
                .with_context(|| format!("failed to time {backend} at batch {batch}"))?;
                let gpu_memory = ponder_model::kernels::memory::reserved_bytes(&device);
                ponder_model::kernels::set_all_enabled(true);
                step_ms.push(timing.median_ms);
                rows.push(PonderRow { backend, batch, kernels, timing, gpu_memory });
            }
            if let (true, Some(model)) = (args.profile, &model) {
                eprintln!("{backend}, batch {batch}: timing the parts of the step");
                let kernels_timed = settings == [Some(false), Some(true)];
                let step = if kernels_timed { (step_ms[0], Some(step_ms[1])) } else { (step_ms[0], None) };
                let parts = crate::profile::profile_act_step(model, config, &device, batch, args.repeats, step)
                    .with_context(|| format!("failed to profile {backend} at batch {batch}"))?;
                let fused = if backend == "wgpu" && ponder_model::kernels::FUSION { " with burn's fusion" } else { "" };
                profiles.push(crate::profile::format_profile(&format!("Profile: {backend}{fused}, batch {batch}, per ACT step"), &parts));
            }
        }
        if let Some(peak) = peak_resident_memory() {
            notes.push(format!(
                "{backend}: peak resident memory of the process so far {:.0} MiB (host memory; lavapipe's GPU buffers are host memory, a discrete GPU's are not counted)",
                peak as f64 / (1024.0 * 1024.0)
            ));
        }
    }
    Ok((rows, notes, profiles))
}

/// Runs `warmup` untimed and `repeats` timed fine-tuning steps of every
/// weight on the demonstrations of [`FINETUNE_TASK`], `batch_size` examples
/// a step. Each step ends with its metrics read back, which waits for the device.
fn time_finetune_step(config: &TrmConfig, state_dict: &StateDict, device: &Device, batch_size: usize, warmup: u32, repeats: u32) -> anyhow::Result<Timing> {
    let model = Model::load(config, state_dict, &device.clone().autodiff()).context("failed to build the model from random weights")?;
    let task = load_task(&bundled_data_dir(), Dataset::Arc1Training, FINETUNE_TASK)?;
    let finetune_config = FinetuneConfig { mode: FinetuneMode::Full, batch_size, ..FinetuneConfig::default() };
    let mut finetuner = Finetuner::new(model, config, FINETUNE_TASK, &task, None, finetune_config)?;

    let mut samples_ms = Vec::with_capacity(repeats as usize);
    for run in 0..warmup + repeats {
        let start = Instant::now();
        finetuner.step()?;
        if run >= warmup {
            samples_ms.push(start.elapsed().as_secs_f64() * 1000.0);
        }
    }
    Ok(Timing::from_samples(&samples_ms))
}

/// Reads the process's peak resident memory in bytes (`VmHWM`), where Linux reports it.
fn peak_resident_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Starts a backend's device and describes it in a few words.
fn start_device(backend: &str) -> anyhow::Result<(Device, String)> {
    match backend {
        "cpu" => Ok((Device::flex(), "burn Flex".to_string())),
        _ => {
            let (device, setup) = Device::wgpu_options().init_with_setup().context(
                "failed to start wgpu: no usable GPU adapter (on Linux without a GPU, install Mesa's lavapipe: mesa-vulkan-drivers)",
            )?;
            let info = setup.adapter.get_info();
            Ok((device, format!("{} ({:?})", info.name, info.backend)))
        }
    }
}

/// Builds weights under the official keys for `config`: normal values with
/// std 1/sqrt(fan_in) for matrices and std 1 for vectors, from `seed`.
fn random_state_dict(config: &TrmConfig, seed: u64) -> anyhow::Result<StateDict> {
    let device = Device::flex();
    device.seed(seed);

    let mut state_dict = StateDict::new();
    for (key, shape) in expected_weights(config) {
        let count: usize = shape.iter().product();
        let std = match shape[..] {
            [_, fan_in] => 1.0 / (fan_in as f64).sqrt(),
            _ => 1.0,
        };
        let values: Vec<f32> = Tensor::<1>::random([count], Distribution::Normal(0.0, std), &device)
            .into_data()
            .try_to_vec()
            .map_err(|error| anyhow::anyhow!("failed to read random weights back: {error:?}"))?;
        state_dict.insert(key, HostTensor::from_f32(shape, values)?);
    }
    Ok(state_dict)
}

/// Runs `warmup` untimed and `repeats` timed ACT steps, each from the carry
/// of the step before, as an evaluation runs them.
///
/// Each timed step ends with reading the predictions and q_halt logits back
/// and syncing the device, so no GPU work is left queued when the clock stops.
fn time_act_step(
    model: &Model,
    config: &TrmConfig,
    device: &Device,
    batch_size: usize,
    warmup: u32,
    repeats: u32,
) -> anyhow::Result<Timing> {
    let batch = ponder_model::step_parts::timing_batch(config, batch_size, device);

    let mut carry = model.initial_act_carry(&batch);
    let mut samples_ms = Vec::with_capacity(repeats as usize);
    for run in 0..warmup + repeats {
        let start = Instant::now();
        let (next, output) = model.act_step(carry, &batch, Halting::MaxSteps, None);
        output.preds.into_data();
        output.q_halt_logits.into_data();
        device.sync().map_err(|error| anyhow::anyhow!("the device failed to finish the step: {error:?}"))?;
        let elapsed = start.elapsed();

        carry = next;
        if run >= warmup {
            samples_ms.push(elapsed.as_secs_f64() * 1000.0);
        }
    }
    Ok(Timing::from_samples(&samples_ms))
}

/// Checks that `python` runs and imports torch, or returns the reason in a few words.
fn torch_available(python: &OsString) -> Result<(), String> {
    let name = python.to_string_lossy();
    let output = Command::new(python)
        .args(["-c", "import torch"])
        .stdin(Stdio::null())
        .output()
        .map_err(|error| format!("`{name}` could not be run ({error})"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!("`{name}` cannot import torch (install it with `pip install torch`, or pass --python)"))
    }
}

/// Runs the reference script's `bench` command and parses its report.
fn run_reference(args: &Args, threads: usize, batches: &[usize]) -> anyhow::Result<TorchReport> {
    let batch_list = batches.iter().map(usize::to_string).collect::<Vec<_>>().join(",");
    let mut command = Command::new(&args.python);
    command
        .args(["-", "bench", "--threads", &threads.to_string(), "--batch", &batch_list])
        .args(["--warmup", &args.warmup.to_string(), "--repeats", &args.repeats.to_string()])
        .args(["--seed", &args.seed.to_string()]);
    if args.finetune {
        command.arg("--train");
    }
    if let Some(golden) = &args.golden {
        command.arg("--golden").arg(golden);
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("failed to run {}", args.python.to_string_lossy()))?;
    child
        .stdin
        .take()
        .context("no standard input to pass the reference script on")?
        .write_all(REFERENCE_SCRIPT.as_bytes())
        .context("failed to pass the reference script to Python")?;
    let output = child.wait_with_output().context("failed to wait for the PyTorch reference")?;

    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = parse_torch_report(&stdout);
    if let Ok(report) = &report {
        let failed: Vec<String> = report
            .check
            .iter()
            .filter(|case| !case.passed)
            .map(|case| format!("{} (max |logits diff| {:.2e})", case.case, case.max_logits_diff))
            .collect();
        ensure!(failed.is_empty(), "the PyTorch reference does not match the golden files: {}", failed.join(", "));
    }
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        bail!("the PyTorch reference failed ({}):\n{}", output.status, stderr.trim_end());
    }
    report.context("the PyTorch reference printed an unreadable report")
}

/// Parses the JSON object that `trm_reference.py bench` prints.
fn parse_torch_report(stdout: &str) -> anyhow::Result<TorchReport> {
    let line = stdout.lines().rev().find(|line| line.trim_start().starts_with('{')).context("no JSON object on standard output")?;
    let json: serde_json::Value = serde_json::from_str(line)?;

    let torch_version = json["torch_version"].as_str().context("`torch_version` is missing")?.to_string();
    let threads = json["threads"].as_u64().context("`threads` is missing")? as usize;

    let mut check = Vec::new();
    if let Some(cases) = json["check"].as_array() {
        for case in cases {
            check.push(CaseCheck {
                case: case["case"].as_str().context("a check has no `case`")?.to_string(),
                passed: case["passed"].as_bool().context("a check has no `passed`")?,
                max_logits_diff: case["max_logits_diff"].as_f64().context("a check has no `max_logits_diff`")?,
            });
        }
    }

    let mut timings = Vec::new();
    for result in json["results"].as_array().context("`results` is missing")? {
        let batch = result["batch"].as_u64().context("a result has no `batch`")? as usize;
        let median_ms = result["median_ms"].as_f64().context("a result has no `median_ms`")?;
        let min_ms = result["min_ms"].as_f64().context("a result has no `min_ms`")?;
        timings.push((batch, Timing { median_ms, min_ms }));
    }

    Ok(TorchReport { torch_version, threads, check, timings })
}

fn format_header(config: &TrmConfig, finetune: bool, threads: usize, warmup: u32, repeats: u32, torch: Option<&TorchReport>) -> String {
    let step = if finetune { "One fine-tuning step of every weight (AdamW)" } else { "One ACT step" };
    let mut header = format!(
        "{step}, ARC-AGI-1 shape (hidden {}, {} heads, {} layers, H_cycles {}, L_cycles {}, {} positions), random weights\n\
         --threads {threads}, {warmup} warm-up step(s), median and min of {repeats} timed steps",
        config.hidden_size,
        config.num_heads,
        config.L_layers,
        config.H_cycles,
        config.L_cycles,
        config.total_seq_len(),
    );
    if let Some(torch) = torch {
        header.push_str(&format!("; PyTorch {} on the CPU with {} threads", torch.torch_version, torch.threads));
        if !torch.check.is_empty() {
            let cases: Vec<String> = torch
                .check
                .iter()
                .map(|case| format!("{} ({:.1e})", case.case, case.max_logits_diff))
                .collect();
            header.push_str(&format!("\nPyTorch reference matches the golden logits: {}", cases.join(", ")));
        }
    }
    header
}

/// Lays out Ponder's and PyTorch's times side by side. The ratio is Ponder's
/// median over PyTorch's, so below 1 means Ponder is faster.
fn format_table(rows: &[PonderRow], torch: Option<&TorchReport>) -> String {
    let mut header = vec!["backend", "batch", "kernels", "Ponder median", "Ponder min", "Ponder steps/s", "GPU memory", "on / off"];
    if torch.is_some() {
        header.extend(["PyTorch CPU median", "PyTorch CPU min", "Ponder / PyTorch"]);
    }
    let mut table = vec![header.into_iter().map(String::from).collect::<Vec<_>>()];
    for row in rows {
        // The kernels-on row is compared with the kernels-off row of the same backend and batch.
        let off = rows
            .iter()
            .find(|other| other.backend == row.backend && other.batch == row.batch && other.kernels == Some(false));
        let ratio = match (row.kernels, off) {
            (Some(true), Some(off)) => format!("{:.2}", row.timing.median_ms / off.timing.median_ms),
            _ => "-".to_string(),
        };
        let mut cells = vec![
            row.backend.to_string(),
            row.batch.to_string(),
            match row.kernels {
                Some(true) => "on",
                Some(false) => "off",
                None => "-",
            }
            .to_string(),
            format_ms(row.timing.median_ms),
            format_ms(row.timing.min_ms),
            format!("{:.3}", 1000.0 / row.timing.median_ms),
            row.gpu_memory.map_or("-".to_string(), |bytes| format!("{:.0} MiB", bytes as f64 / (1024.0 * 1024.0))),
            ratio,
        ];
        if let Some(torch) = torch {
            match torch.timing(row.batch) {
                Some(reference) => {
                    cells.push(format_ms(reference.median_ms));
                    cells.push(format_ms(reference.min_ms));
                    cells.push(format!("{:.2}", row.timing.median_ms / reference.median_ms));
                }
                None => cells.extend(["-", "-", "-"].map(String::from)),
            }
        }
        table.push(cells);
    }
    align_columns(&table)
}

/// Pads a table of cells into aligned columns: the first left-aligned, the rest right-aligned.
pub fn align_columns(table: &[Vec<String>]) -> String {
    let columns = table.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> =
        (0..columns).map(|c| table.iter().filter_map(|cells| cells.get(c)).map(String::len).max().unwrap_or(0)).collect();
    table
        .iter()
        .map(|cells| {
            let padded: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(c, cell)| if c == 0 { format!("{cell:<w$}", w = widths[c]) } else { format!("{cell:>w$}", w = widths[c]) })
                .collect();
            padded.join("  ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn format_ms(ms: f64) -> String {
    format!("{ms:.1} ms")
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = r#"{"torch_version": "2.15.0", "threads": 2, "warmup": 1, "repeats": 3, "check": null,
        "results": [{"batch": 1, "median_ms": 1500.0, "min_ms": 1450.5, "times_ms": [1450.5, 1500.0, 1600.0]},
                    {"batch": 8, "median_ms": 12000.0, "min_ms": 11900.0, "times_ms": [11900.0, 12000.0, 12100.0]}]}"#;

    fn timing(median_ms: f64, min_ms: f64) -> Timing {
        Timing { median_ms, min_ms }
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(Timing::from_samples(&[3.0, 1.0, 2.0]), timing(2.0, 1.0));
        assert_eq!(Timing::from_samples(&[4.0, 1.0, 3.0, 2.0]), timing(2.5, 1.0));
        assert_eq!(Timing::from_samples(&[7.0]), timing(7.0, 7.0));
    }

    #[test]
    fn report_parses_after_other_output() {
        let stdout = format!("a warning printed by an import\n{}\n", REPORT.replace('\n', " "));

        let report = parse_torch_report(&stdout).unwrap();

        assert_eq!(report.torch_version, "2.15.0");
        assert_eq!(report.threads, 2);
        assert!(report.check.is_empty());
        assert_eq!(report.timing(1), Some(timing(1500.0, 1450.5)));
        assert_eq!(report.timing(8), Some(timing(12000.0, 11900.0)));
        assert_eq!(report.timing(4), None);
    }

    #[test]
    fn report_carries_golden_check() {
        let stdout = r#"{"torch_version": "2.15.0", "threads": 1, "check": [
            {"case": "arc_small", "steps": 3, "max_logits_diff": 0.0, "max_q_halt_diff": 0.0, "preds_mismatched": 0, "passed": true},
            {"case": "arc_full", "steps": 1, "max_logits_diff": 0.5, "max_q_halt_diff": 0.0, "preds_mismatched": 9, "passed": false}],
            "results": []}"#
            .replace('\n', " ");

        let report = parse_torch_report(&stdout).unwrap();

        assert_eq!(report.check.len(), 2);
        assert!(report.check[0].passed);
        assert!(!report.check[1].passed);
        assert_eq!(report.check[1].max_logits_diff, 0.5);
    }

    #[test]
    fn report_without_results_is_rejected() {
        assert!(parse_torch_report(r#"{"torch_version": "2.15.0", "threads": 2}"#).is_err());
        assert!(parse_torch_report("Traceback (most recent call last):").is_err());
    }

    #[test]
    fn table_shows_ratio_per_backend_and_batch() {
        let report = parse_torch_report(&REPORT.replace('\n', " ")).unwrap();
        let rows = [
            PonderRow { backend: "cpu", batch: 1, kernels: None, timing: timing(3000.0, 2900.0), gpu_memory: None },
            PonderRow { backend: "wgpu", batch: 8, kernels: Some(true), timing: timing(6000.0, 5990.0), gpu_memory: Some(3 << 20) },
        ];

        let table = format_table(&rows, Some(&report));
        let lines: Vec<&str> = table.lines().collect();

        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("backend"), "{table}");
        assert!(lines[0].ends_with("Ponder / PyTorch"), "{table}");
        assert!(lines[1].starts_with("cpu "), "{table}");
        assert!(lines[1].contains("3000.0 ms"), "{table}");
        assert!(lines[1].contains("1500.0 ms"), "{table}");
        assert!(lines[1].ends_with("2.00"), "{table}");
        assert!(lines[2].starts_with("wgpu"), "{table}");
        assert!(lines[2].contains("3 MiB"), "{table}");
        assert!(lines[2].ends_with("0.50"), "{table}");
    }

    #[test]
    fn table_kernels_on_against_off() {
        let rows = [
            PonderRow { backend: "wgpu", batch: 1, kernels: Some(false), timing: timing(200.0, 190.0), gpu_memory: Some(64 << 20) },
            PonderRow { backend: "wgpu", batch: 1, kernels: Some(true), timing: timing(150.0, 140.0), gpu_memory: Some(48 << 20) },
        ];

        let table = format_table(&rows, None);
        let lines: Vec<&str> = table.lines().collect();

        assert!(lines[0].ends_with("on / off"), "{table}");
        assert!(lines[1].contains(" off "), "{table}");
        assert!(lines[1].contains("64 MiB"), "{table}");
        assert!(lines[1].ends_with('-'), "{table}");
        assert!(lines[2].contains(" on "), "{table}");
        assert!(lines[2].contains("48 MiB"), "{table}");
        assert!(lines[2].ends_with("0.75"), "{table}");
    }

    #[test]
    fn table_without_torch_has_ponder_columns_only() {
        let rows = [PonderRow { backend: "cpu", batch: 1, kernels: None, timing: timing(12.25, 12.0), gpu_memory: None }];

        let table = format_table(&rows, None);

        assert!(!table.contains("PyTorch"), "{table}");
        assert!(table.lines().nth(1).unwrap().contains("12.0 ms"), "{table}");
        assert!(table.lines().nth(1).unwrap().contains("81.633"), "{table}");
    }

    #[test]
    fn table_marks_batch_that_torch_did_not_time() {
        let report = parse_torch_report(&REPORT.replace('\n', " ")).unwrap();
        let rows = [PonderRow { backend: "cpu", batch: 2, kernels: None, timing: timing(10.0, 10.0), gpu_memory: None }];

        let table = format_table(&rows, Some(&report));

        assert!(table.lines().nth(1).unwrap().ends_with('-'), "{table}");
    }
}
