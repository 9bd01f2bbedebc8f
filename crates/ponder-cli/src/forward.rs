//! `ponder forward`: runs a checkpoint on a batch for N ACT steps and writes
//! the outputs under the names of the official golden files, so that a port
//! of a checkpoint can be checked against PyTorch tensor by tensor.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail, ensure};
use burn::prelude::*;
use ponder_model::checkpoint::StateDict;
use ponder_model::{DatasetShape, Halting, Model, TrmBatch, TrmConfig};
use safetensors::{Dtype, tensor::TensorView};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// burn's pure-Rust CPU backend (Flex).
    Cpu,
    /// wgpu on the platform's graphics API (Vulkan, Metal, DX12).
    Wgpu,
}

impl Backend {
    /// Starts the backend's device.
    pub fn device(self) -> anyhow::Result<Device> {
        match self {
            Backend::Cpu => Ok(Device::flex()),
            Backend::Wgpu => Device::wgpu_options()
                .init()
                .context("failed to start wgpu: no usable GPU adapter (on Linux without a GPU, install Mesa's lavapipe: mesa-vulkan-drivers)"),
        }
    }
}

#[derive(clap::Args)]
pub struct Args {
    /// Architecture config: a JSON object with the official field names, or
    /// an official `all_config.yaml` (.yaml/.yml), whose `arch` section is read.
    #[arg(long)]
    config: PathBuf,
    /// Weights under the official state_dict keys: safetensors, or a PyTorch
    /// `.pt` file written by `torch.save` (read without running any pickled code).
    #[arg(long)]
    checkpoint: PathBuf,
    /// Batch with `input.inputs` [batch, seq] and `input.puzzle_identifiers`
    /// [batch] (int32 or int64), and optionally `input.labels` [batch, seq].
    #[arg(long)]
    batch: PathBuf,
    /// ACT steps to run; defaults to the config's halt_max_steps.
    #[arg(long)]
    steps: Option<usize>,
    /// Output file: `stepK.logits`, `stepK.q_halt_logits`, `stepK.q_continue_logits`
    /// and `stepK.preds` for every step K.
    #[arg(long)]
    out: PathBuf,
    #[arg(long, value_enum, default_value = "cpu")]
    backend: Backend,
    /// Stop each example at the first step at which it halts (TRM: positive
    /// q_halt logit; HRM: q_halt logit above q_continue), repeat that step's
    /// outputs after it, and write `stepK.steps`.
    #[arg(long)]
    q_halt: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let checkpoint = StateDict::open(&args.checkpoint)?;
    let batch_tensors = StateDict::open(&args.batch)?;
    let inputs = read_ints(&batch_tensors, "input.inputs", &args.batch)?;
    let puzzle_identifiers = read_ints(&batch_tensors, "input.puzzle_identifiers", &args.batch)?;
    let labels = match batch_tensors.contains_key("input.labels") {
        true => Some(read_ints(&batch_tensors, "input.labels", &args.batch)?),
        false => None,
    };
    let [batch_size, seq] = match inputs.shape[..] {
        [batch_size, seq] => [batch_size, seq],
        _ => bail!("input.inputs has shape {:?}, expected [batch, seq]", inputs.shape),
    };
    ensure!(
        puzzle_identifiers.shape == [batch_size],
        "input.puzzle_identifiers has shape {:?}, expected [{batch_size}]",
        puzzle_identifiers.shape
    );

    let config = read_config(&args.config, &checkpoint, seq)?;
    ensure!(
        seq == config.seq_len,
        "input.inputs has {seq} tokens per example, but the config's seq_len is {}",
        config.seq_len
    );
    check_range("input.inputs", &inputs.values, config.vocab_size, "vocab_size")?;
    if config.puzzle_emb_ndim > 0 {
        check_range("input.puzzle_identifiers", &puzzle_identifiers.values, config.num_puzzle_identifiers, "num_puzzle_identifiers")?;
    }

    let device = args.backend.device()?;
    let model = Model::load(&config, &checkpoint, &device).with_context(|| format!("cannot load {}", args.checkpoint.display()))?;
    let batch = TrmBatch {
        inputs: Tensor::from_data(TensorData::new(inputs.values.clone(), [batch_size, seq]), &device),
        puzzle_identifiers: Tensor::from_data(TensorData::new(puzzle_identifiers.values.clone(), [batch_size]), &device),
    };

    let steps = args.steps.unwrap_or(config.halt_max_steps);
    let halting = if args.q_halt { Halting::QHalt } else { Halting::MaxSteps };
    let outputs = model.evaluate(&batch, steps, halting);

    let mut written: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
    for (step, output) in outputs.into_iter().enumerate() {
        let logits_shape = output.logits.dims().to_vec();
        let logits = read_f32(output.logits.into_data())?;
        let q_halt = read_f32(output.q_halt_logits.into_data())?;
        let q_continue = read_f32(output.q_continue_logits.into_data())?;
        let preds = read_i32(output.preds.into_data())?;
        let steps_used = read_i32(output.steps.into_data())?;

        let mut summary = format!("step {step}: q_halt logits {q_halt:?}");
        if let Some(labels) = &labels {
            let solved = count_solved(&preds, &labels.values, seq);
            summary.push_str(&format!(", {solved} of {batch_size} examples match their labels"));
        }
        println!("{summary}");

        written.push((format!("step{step}.logits"), Dtype::F32, logits_shape, to_bytes(&logits)));
        written.push((format!("step{step}.q_halt_logits"), Dtype::F32, vec![batch_size], to_bytes(&q_halt)));
        written.push((format!("step{step}.q_continue_logits"), Dtype::F32, vec![batch_size], to_bytes(&q_continue)));
        written.push((format!("step{step}.preds"), Dtype::I32, vec![batch_size, seq], to_bytes(&preds)));
        if args.q_halt {
            written.push((format!("step{step}.steps"), Dtype::I32, vec![batch_size], to_bytes(&steps_used)));
        }
    }

    let views: Vec<(String, TensorView<'_>)> = written
        .iter()
        .map(|(name, dtype, shape, bytes)| Ok((name.clone(), TensorView::new(*dtype, shape.clone(), bytes)?)))
        .collect::<Result<_, safetensors::SafeTensorError>>()?;
    safetensors::serialize_to_file(views, None, &args.out).with_context(|| format!("cannot write {}", args.out.display()))?;
    Ok(ExitCode::SUCCESS)
}

/// Reads the config, taking the dataset facts that `all_config.yaml` lacks
/// from the checkpoint's shapes and the batch.
pub fn read_config(path: &Path, checkpoint: &StateDict, seq: usize) -> anyhow::Result<TrmConfig> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let is_yaml = matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"));
    let config = if is_yaml {
        let rows_of = |key: &str| checkpoint.get(key).and_then(|tensor| tensor.shape().first().copied());
        let dataset = DatasetShape {
            seq_len: seq,
            vocab_size: rows_of("embed_tokens.embedding_weight").context("the checkpoint has no embed_tokens.embedding_weight to take vocab_size from")?,
            num_puzzle_identifiers: rows_of("puzzle_emb.weights").unwrap_or(1),
        };
        TrmConfig::from_all_config_yaml(&text, Some(dataset))
    } else {
        TrmConfig::from_json_str(&text)
    };
    config.with_context(|| format!("invalid config {}", path.display()))
}

struct IntTensor {
    shape: Vec<usize>,
    values: Vec<i32>,
}

fn read_ints(file: &StateDict, name: &str, path: &Path) -> anyhow::Result<IntTensor> {
    let tensor = file.get(name).with_context(|| format!("{} has no tensor `{name}`", path.display()))?;
    let values = tensor
        .as_i64()
        .with_context(|| format!("`{name}` in {} holds {} values; expected integers", path.display(), tensor.dtype()))?
        .iter()
        .map(|&value| i32::try_from(value).with_context(|| format!("`{name}` holds {value}, which does not fit in int32")))
        .collect::<anyhow::Result<_>>()?;
    Ok(IntTensor { shape: tensor.shape().to_vec(), values })
}

fn check_range(name: &str, values: &[i32], limit: usize, limit_field: &str) -> anyhow::Result<()> {
    if let Some(bad) = values.iter().find(|&&v| v < 0 || v as usize >= limit) {
        bail!("`{name}` holds {bad}, outside 0..{limit} (the config's {limit_field})");
    }
    Ok(())
}

/// Counts examples whose every labelled token (label not -100) is predicted right.
fn count_solved(preds: &[i32], labels: &[i32], seq: usize) -> usize {
    preds
        .chunks(seq)
        .zip(labels.chunks(seq))
        .filter(|(preds, labels)| preds.iter().zip(*labels).all(|(p, l)| *l == -100 || p == l))
        .count()
}

fn read_f32(data: TensorData) -> anyhow::Result<Vec<f32>> {
    data.convert::<f32>().try_to_vec().map_err(|error| anyhow::anyhow!("failed to read a float tensor back from the device: {error:?}"))
}

fn read_i32(data: TensorData) -> anyhow::Result<Vec<i32>> {
    data.convert::<i32>().try_to_vec().map_err(|error| anyhow::anyhow!("failed to read an int tensor back from the device: {error:?}"))
}

fn to_bytes<T: Copy + ToLeBytes>(values: &[T]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le()).collect()
}

trait ToLeBytes {
    fn to_le(self) -> [u8; 4];
}
impl ToLeBytes for f32 {
    fn to_le(self) -> [u8; 4] {
        self.to_le_bytes()
    }
}
impl ToLeBytes for i32 {
    fn to_le(self) -> [u8; 4] {
        self.to_le_bytes()
    }
}
