//! `ponder bench --profile`: where the time of one ACT step goes.
//!
//! Each part of the TRM block ([`StepParts`]) is timed on its own, at the
//! real shape, as many times as one ACT step calls it, then the device is
//! synced. What the parts do not account for (embeddings, heads, carry
//! updates, the launches and copies between them) is the whole step's time
//! minus their sum.

use burn::prelude::*;
use ponder_model::kernels;
use ponder_model::step_parts::StepParts;
use ponder_model::{Model, TrmConfig};
use std::time::Instant;

/// Minimum number of samples of each element-wise part.
const CHEAP_PART_SAMPLES: u32 = 10;

/// One part's time per ACT step, with the hand-written kernels off and on.
#[derive(Debug, Clone, PartialEq)]
pub struct PartTime {
    pub part: String,
    pub off_ms: f64,
    /// `None` where the kernels do not apply (the CPU backend).
    pub on_ms: Option<f64>,
}

/// Times the parts of one ACT step of `model` at `batch`.
///
/// `step_ms` is the whole step's median with the kernels off and, where they
/// apply, on; the parts are timed the same ways.
pub fn profile_act_step(
    model: &Model,
    config: &TrmConfig,
    device: &Device,
    batch: usize,
    repeats: u32,
    step_ms: (f64, Option<f64>),
) -> anyhow::Result<Vec<PartTime>> {
    let with_kernels = step_ms.1.is_some();
    let step_parts = StepParts::new(model, config, device, batch)?;

    // Each part with the kernels off, then on where they apply.
    let mut parts = Vec::new();
    let mut sums = (0.0, 0.0);
    for row in step_parts.rows() {
        let run = || step_parts.run(row.part);
        // The element-wise parts take a fraction of a second, so more samples
        // cost little and steady the comparison of the kernels with burn.
        let samples = if row.part.is_element_wise() { repeats.max(CHEAP_PART_SAMPLES) } else { repeats };
        let off_ms = with_switch(false, || time_calls(device, samples, row.calls, run))?;
        let on_ms = if with_kernels { Some(with_switch(true, || time_calls(device, samples, row.calls, run))?) } else { None };
        if !row.part.is_nested() && row.part.is_in_step() {
            sums = (sums.0 + off_ms, sums.1 + on_ms.unwrap_or(0.0));
        }
        parts.push(PartTime { part: row.label, off_ms, on_ms });
    }

    // Timed apart, the parts can add up to more than the whole step, so the
    // remainder is shown as zero then.
    parts.push(PartTime {
        part: "everything else".to_string(),
        off_ms: (step_ms.0 - sums.0).max(0.0),
        on_ms: step_ms.1.map(|step| (step - sums.1).max(0.0)),
    });
    parts.push(PartTime { part: "whole ACT step".to_string(), off_ms: step_ms.0, on_ms: step_ms.1 });
    Ok(parts)
}

/// Runs `f` with every kernel switched to `on`, then switches them back on.
fn with_switch<T>(on: bool, f: impl FnOnce() -> T) -> T {
    kernels::set_all_enabled(on);
    let result = f();
    kernels::set_all_enabled(true);
    result
}

/// Times `calls` calls of `f` and a device sync: the median of `repeats`
/// samples after one untimed sample, in milliseconds.
fn time_calls(device: &Device, repeats: u32, calls: usize, f: impl Fn() -> Tensor<3>) -> anyhow::Result<f64> {
    let mut samples = Vec::with_capacity(repeats as usize);
    for run in 0..=repeats {
        let start = Instant::now();
        let mut outputs = Vec::with_capacity(calls);
        for _ in 0..calls {
            outputs.push(f());
        }
        device.sync().map_err(|error| anyhow::anyhow!("the device failed to finish the timed calls: {error:?}"))?;
        let elapsed = start.elapsed().as_secs_f64() * 1000.0;
        drop(outputs);
        if run > 0 {
            samples.push(elapsed);
        }
    }
    samples.sort_by(f64::total_cmp);
    Ok(samples[samples.len() / 2])
}

/// Lays the parts out with each one's share of the whole step.
pub fn format_profile(title: &str, parts: &[PartTime]) -> String {
    let with_kernels = parts.iter().any(|part| part.on_ms.is_some());
    let total_off = parts.last().map_or(1.0, |part| part.off_ms);
    let total_on = parts.last().and_then(|part| part.on_ms).unwrap_or(1.0);

    let mut table = vec![if with_kernels {
        vec!["part", "kernels off", "share", "kernels on", "share"]
    } else {
        vec!["part", "time", "share"]
    }
    .into_iter()
    .map(String::from)
    .collect::<Vec<_>>()];
    for part in parts {
        let mut cells = vec![part.part.clone(), format!("{:.1} ms", part.off_ms), format!("{:.0}%", 100.0 * part.off_ms / total_off)];
        if let Some(on) = part.on_ms {
            cells.push(format!("{on:.1} ms"));
            cells.push(format!("{:.0}%", 100.0 * on / total_on));
        }
        table.push(cells);
    }
    format!("{title}\n{}", crate::bench::align_columns(&table))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(name: &str, off_ms: f64, on_ms: Option<f64>) -> PartTime {
        PartTime { part: name.to_string(), off_ms, on_ms }
    }

    #[test]
    fn profile_shares_per_switch() {
        let parts = [
            part("attention (30 calls)", 50.0, Some(50.0)),
            part("residual add + RMSNorm (60 calls)", 30.0, Some(20.0)),
            part("everything else", 20.0, Some(10.0)),
            part("whole ACT step", 100.0, Some(80.0)),
        ];

        let table = format_profile("Profile: wgpu, batch 1, per ACT step", &parts);
        let lines: Vec<&str> = table.lines().collect();

        assert_eq!(lines[0], "Profile: wgpu, batch 1, per ACT step");
        assert!(lines[1].starts_with("part"), "{table}");
        assert!(lines[1].ends_with("share"), "{table}");
        // 30 of 100 ms with the kernels off, 20 of 80 ms with them on.
        assert!(lines[3].contains("30.0 ms"), "{table}");
        assert!(lines[3].contains("30%"), "{table}");
        assert!(lines[3].contains("20.0 ms"), "{table}");
        assert!(lines[3].ends_with("25%"), "{table}");
        assert!(lines[5].ends_with("100%"), "{table}");
    }

    #[test]
    fn cpu_profile_has_one_column() {
        let parts = [part("SwiGLU MLP (30 calls)", 25.0, None), part("whole ACT step", 100.0, None)];

        let table = format_profile("Profile: cpu, batch 1, per ACT step", &parts);

        assert!(!table.contains("kernels"), "{table}");
        assert!(table.lines().nth(2).unwrap().ends_with("25%"), "{table}");
    }
}
