//! The official learning-rate schedule (`cosine_schedule_with_warmup_lr_lambda`
//! in `pretrain.py`): linear warm-up, then a cosine decay to `min_ratio` of
//! the base rate. The official ARC run sets `lr_min_ratio` to 1, so after the
//! warm-up its rate stays constant.

use std::f64::consts::PI;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LrSchedule {
    pub base_lr: f64,
    pub warmup_steps: usize,
    pub total_steps: usize,
    pub min_ratio: f64,
}

impl LrSchedule {
    /// The rate of the 1-based training step `step`, as the official loop
    /// computes it after incrementing its step counter.
    pub fn lr(&self, step: usize) -> f64 {
        if step < self.warmup_steps {
            return self.base_lr * step as f64 / self.warmup_steps.max(1) as f64;
        }
        let decay_steps = self.total_steps.saturating_sub(self.warmup_steps).max(1);
        let progress = (step - self.warmup_steps) as f64 / decay_steps as f64;
        let cosine = (0.5 * (1.0 + (PI * progress).cos())).max(0.0);
        self.base_lr * (self.min_ratio + (1.0 - self.min_ratio) * cosine)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warms_up_then_decays_to_min_ratio() {
        let schedule = LrSchedule { base_lr: 1.0, warmup_steps: 4, total_steps: 8, min_ratio: 0.1 };

        assert_eq!(schedule.lr(1), 0.25);
        assert_eq!(schedule.lr(4), 1.0);
        assert!((schedule.lr(6) - 0.55).abs() < 1e-12);
        assert!((schedule.lr(8) - 0.1).abs() < 1e-12);
    }
}
