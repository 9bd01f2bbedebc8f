//! The browser's profile of one ACT step: the parts of the TRM block timed
//! on their own with the hand-written kernels off and on, read back
//! asynchronously, as `ponder bench --profile` does natively.

use burn::prelude::*;
use ponder_model::kernels;
use ponder_model::step_parts::{Part, StepParts, timing_batch};
use ponder_model::{Halting, Model, TrmConfig};
use serde::Serialize;

/// Options of a profile: the batch, how many calls of each part to time, and
/// whether to time a whole ACT step too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProfileOptions {
    pub batch: usize,
    /// Calls of each part actually timed. Fewer than one step makes gives an
    /// estimate: the time of these calls scaled to the step's count.
    pub sample_calls: Option<usize>,
    /// Also times one whole ACT step each way (after one untimed step), so
    /// the table can show what the parts leave out.
    pub whole_step: bool,
}

impl Default for ProfileOptions {
    fn default() -> Self {
        Self { batch: 1, sample_calls: None, whole_step: false }
    }
}

/// One part's time per ACT step, in milliseconds, with the kernels off and on.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartReport {
    pub part: String,
    /// Calls one ACT step makes.
    pub calls: usize,
    /// Calls timed; the times are scaled from these to `calls`.
    pub timed_calls: usize,
    /// Whether the part is contained in the row above it.
    pub nested: bool,
    /// Whether the part belongs to the forward ACT step; the one that does not
    /// is attention with its gradient, as fine-tuning runs it.
    pub in_step: bool,
    pub off_ms: f64,
    pub on_ms: f64,
}

/// The whole profile.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileReport {
    pub batch: usize,
    /// Whether the build runs burn's kernel fusion, where the kernels never
    /// run and both columns time burn's fused operations.
    pub fusion: bool,
    pub parts: Vec<PartReport>,
    /// The whole ACT step with the kernels off and on, when it was timed.
    pub step_off_ms: Option<f64>,
    pub step_on_ms: Option<f64>,
}

/// Error that stopped a profile.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("{0}")]
    Parts(#[from] ponder_model::step_parts::StepPartsError),
    #[error("invalid profile options: {0}")]
    Options(String),
    #[error("failed to read a result back from the GPU: {0}")]
    ReadBack(String),
    #[error("profiling was cancelled")]
    Cancelled,
}

/// Times every part of one ACT step of `model`, kernels off then on, and
/// passes each finished row to `on_part`. `now` is a clock in milliseconds.
/// `is_cancelled` is checked between timed runs.
pub async fn profile_step(
    model: &Model,
    config: &TrmConfig,
    device: &Device,
    options: ProfileOptions,
    mut on_part: impl FnMut(&PartReport),
    is_cancelled: impl Fn() -> bool,
    now: impl Fn() -> f64,
) -> Result<ProfileReport, ProfileError> {
    if options.batch == 0 {
        return Err(ProfileError::Options("batch must be at least 1".to_string()));
    }
    if options.sample_calls == Some(0) {
        return Err(ProfileError::Options("sampleCalls must be at least 1".to_string()));
    }
    let step_parts = StepParts::new(model, config, device, options.batch)?;

    let mut parts = Vec::new();
    for row in step_parts.rows() {
        let timed_calls = options.sample_calls.map_or(row.calls, |sample| sample.min(row.calls));
        let mut times = [0.0; 2];
        for (slot, on) in [false, true].into_iter().enumerate() {
            let elapsed = with_kernels(on, time_part(&step_parts, row.part, timed_calls, &is_cancelled, &now)).await?;
            times[slot] = elapsed * row.calls as f64 / timed_calls as f64;
        }
        let report = PartReport {
            part: row.label,
            calls: row.calls,
            timed_calls,
            nested: row.part.is_nested(),
            in_step: row.part.is_in_step(),
            off_ms: times[0],
            on_ms: times[1],
        };
        on_part(&report);
        parts.push(report);
    }

    let (mut step_off_ms, mut step_on_ms) = (None, None);
    if options.whole_step {
        step_off_ms = Some(with_kernels(false, time_step(model, config, device, options.batch, &is_cancelled, &now)).await?);
        step_on_ms = Some(with_kernels(true, time_step(model, config, device, options.batch, &is_cancelled, &now)).await?);
    }

    Ok(ProfileReport { batch: options.batch, fusion: kernels::FUSION, parts, step_off_ms, step_on_ms })
}

/// Runs `timed` with every kernel switched `on`, then switches them all back on.
async fn with_kernels<T>(on: bool, timed: impl Future<Output = T>) -> T {
    kernels::set_all_enabled(on);
    let result = timed.await;
    kernels::set_all_enabled(true);
    result
}

/// Times `calls` calls of `part` after one untimed call, which compiles the
/// shaders. The clock stops once the last output is read back: the GPU runs
/// submitted work in order, so every call has finished by then.
async fn time_part(
    step_parts: &StepParts,
    part: Part,
    calls: usize,
    is_cancelled: &impl Fn() -> bool,
    now: &impl Fn() -> f64,
) -> Result<f64, ProfileError> {
    read_first_value(step_parts.run(part)).await?;
    if is_cancelled() {
        return Err(ProfileError::Cancelled);
    }

    let start = now();
    let mut outputs = Vec::with_capacity(calls);
    for _ in 0..calls {
        outputs.push(step_parts.run(part));
    }
    if let Some(last) = outputs.pop() {
        read_first_value(last).await?;
    }
    let elapsed = now() - start;

    crate::yield_now().await;
    if is_cancelled() {
        return Err(ProfileError::Cancelled);
    }
    Ok(elapsed)
}

/// Times one ACT step after one untimed step, reading the predictions and
/// q_halt logits back as a solve does.
async fn time_step(
    model: &Model,
    config: &TrmConfig,
    device: &Device,
    batch_size: usize,
    is_cancelled: &impl Fn() -> bool,
    now: &impl Fn() -> f64,
) -> Result<f64, ProfileError> {
    let batch = timing_batch(config, batch_size, device);

    let mut carry = model.initial_act_carry(&batch);
    let mut elapsed = 0.0;
    for _run in 0..2 {
        let start = now();
        let (next, output) = model.act_step(carry, &batch, Halting::MaxSteps, None);
        read_back(output.preds.float()).await?;
        read_back(output.q_halt_logits).await?;
        elapsed = now() - start;
        carry = next;

        crate::yield_now().await;
        if is_cancelled() {
            return Err(ProfileError::Cancelled);
        }
    }
    Ok(elapsed)
}

/// Reads back the first value of `tensor`, which waits for the work queued before it.
async fn read_first_value<const D: usize>(tensor: Tensor<D>) -> Result<(), ProfileError> {
    let first = tensor.flatten::<1>(0, D - 1).narrow(0, 0, 1);
    read_back(first).await
}

async fn read_back<const D: usize>(tensor: Tensor<D>) -> Result<(), ProfileError> {
    tensor.into_data_async().await.map(|_| ()).map_err(|error| ProfileError::ReadBack(format!("{error:?}")))
}
