//! The official ACT loss head (`ACTLossHead` in `models/losses.py` of
//! SamsungSAILMontreal/TinyRecursiveModels): stablemax cross-entropy on the
//! tokens plus a binary cross-entropy that teaches q_halt whether the answer
//! is right.

use burn::prelude::*;

/// Label of a position the loss skips (PAD in the official datasets).
pub const IGNORE_LABEL_ID: i32 = -100;

/// Weight of the Q losses (q_halt, and q_continue where trained) in the total.
const Q_LOSS_WEIGHT: f64 = 0.5;

/// The loss of one ACT step and what it measured on the way.
#[derive(Debug, Clone)]
pub struct LossOutput {
    /// `lm_loss + 0.5 * (q_halt_loss + q_continue_loss)`, the value to differentiate. `[1]`
    pub loss: Tensor<1>,
    /// Stablemax cross-entropy averaged over each example's labelled tokens,
    /// summed over the batch. `[1]`
    pub lm_loss: Tensor<1>,
    /// Binary cross-entropy of q_halt against "the whole answer is right",
    /// summed over the batch. `[1]`
    pub q_halt_loss: Tensor<1>,
    /// Argmax of the logits. `[batch, seq]`
    pub preds: Tensor<2, Int>,
    /// Fraction of each example's labelled tokens that are right. `[batch]`
    pub token_accuracy: Tensor<1>,
    /// Whether every labelled token of the example is right. `[batch]`
    pub seq_is_correct: Tensor<1, Bool>,
    /// Labelled tokens per example. `[batch]`
    pub loss_counts: Tensor<1, Int>,
}

impl LossOutput {
    /// Returns the step's figures for a progress line, still on the device, outside
    /// the graph: `[4]` = loss per example, mean token accuracy, fraction of
    /// examples exactly right, lm_loss per example.
    pub fn summary(&self, batch_size: usize) -> Tensor<1> {
        let batch_size = batch_size as f64;
        let loss = self.loss.clone().detach().inner() / batch_size;
        let lm_loss = self.lm_loss.clone().detach().inner() / batch_size;
        let accuracy = self.token_accuracy.clone().inner().mean();
        let exact = self.seq_is_correct.clone().inner().float().mean();
        Tensor::cat(vec![loss, accuracy, exact, lm_loss], 0)
    }
}

/// The official `s(x)`: `1 / (1 - x)` below zero, `x + 1` from zero up, a
/// positive map that grows linearly instead of exponentially.
///
/// Each branch sees only its own half of the axis, so neither can produce an
/// infinity whose zero gradient would turn into NaN.
fn stablemax_s<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    let negative = x.clone().lower_elem(0.0);
    let below = (x.clone().clamp_max(0.0).neg() + 1.0).recip();
    let above = x.clamp_min(0.0) + 1.0;
    above.mask_where(negative, below)
}

/// `log(s(x) / sum(s(x)))` over the last axis.
pub fn log_stablemax(logits: Tensor<3>) -> Tensor<3> {
    let s = stablemax_s(logits);
    let total = s.clone().sum_dim(2);
    s.log() - total.log()
}

/// Stablemax cross-entropy per token, 0 where the label is [`IGNORE_LABEL_ID`].
///
/// The official code computes this in f64; here it is f32, which the golden
/// training tests check against the official values.
///
/// # Shapes
///
/// - logits: `[batch, seq, vocab]`
/// - labels: `[batch, seq]`
/// - output: `[batch, seq]`
pub fn stablemax_cross_entropy(logits: Tensor<3>, labels: Tensor<2, Int>) -> Tensor<2> {
    let [batch, seq, _] = logits.dims();
    let valid = labels.clone().not_equal_elem(IGNORE_LABEL_ID);

    let logprobs = log_stablemax(logits);
    let safe_labels = labels.mask_fill(valid.clone().bool_not(), 0).reshape([batch, seq, 1]);
    let label_logprobs = logprobs.gather(2, safe_labels).reshape([batch, seq]);

    label_logprobs.neg().mask_fill(valid.bool_not(), 0.0)
}

/// `binary_cross_entropy_with_logits(logits, targets, reduction="sum")`, in
/// the form that neither overflows nor loses precision for large |logits|.
pub fn binary_cross_entropy_with_logits_sum(logits: Tensor<1>, targets: Tensor<1>) -> Tensor<1> {
    let softplus_tail = logits.clone().abs().neg().exp().log1p();
    let per_example = logits.clone().clamp_min(0.0) - logits * targets + softplus_tail;
    per_example.sum()
}

/// Computes the official ACT loss of one step.
///
/// `q_continue` is `(q_continue_logits, target_q_continue)` when q_continue
/// is trained (`no_ACT_continue` false), and adds its binary cross-entropy
/// beside q_halt's.
///
/// # Shapes
///
/// - logits: `[batch, seq, vocab]`
/// - labels: `[batch, seq]`, [`IGNORE_LABEL_ID`] where nothing is to be learned
/// - q_halt_logits: `[batch]`
pub fn act_loss(
    logits: Tensor<3>,
    labels: Tensor<2, Int>,
    q_halt_logits: Tensor<1>,
    q_continue: Option<(Tensor<1>, Tensor<1>)>,
) -> LossOutput {
    let [batch, seq, _] = logits.dims();

    // Correctness, measured without gradient.
    let valid = labels.clone().not_equal_elem(IGNORE_LABEL_ID);
    let loss_counts = valid.clone().int().sum_dim(1).reshape([batch]);
    let loss_divisor = loss_counts.clone().clamp_min(1).float();
    let preds = logits.clone().detach().argmax(2).reshape([batch, seq]);
    let is_correct = valid.bool_and(preds.clone().equal(labels.clone()));
    let correct_counts = is_correct.int().sum_dim(1).reshape([batch]);
    let seq_is_correct = correct_counts.clone().equal(loss_counts.clone());
    let token_accuracy = correct_counts.float() / loss_divisor.clone();

    // lm_loss: each example's mean over its labelled tokens, summed over the batch.
    let per_token = stablemax_cross_entropy(logits, labels);
    let lm_loss = (per_token / loss_divisor.reshape([batch, 1])).sum();

    let q_halt_targets = seq_is_correct.clone().float();
    let q_halt_loss = binary_cross_entropy_with_logits_sum(q_halt_logits, q_halt_targets);

    let mut q_loss = q_halt_loss.clone();
    if let Some((q_continue_logits, target_q_continue)) = q_continue {
        q_loss = q_loss + binary_cross_entropy_with_logits_sum(q_continue_logits, target_q_continue);
    }
    let loss = lm_loss.clone() + q_loss * Q_LOSS_WEIGHT;

    LossOutput {
        loss,
        lm_loss,
        q_halt_loss,
        preds,
        token_accuracy,
        seq_is_correct,
        loss_counts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
        tensor.into_data().convert::<f32>().try_to_vec().unwrap()
    }

    #[test]
    fn stablemax_matches_hand_values() {
        let device = Device::flex();
        // s(-1) = 0.5, s(0) = 1, s(2) = 3; the sum is 4.5.
        let logits = Tensor::<3>::from_floats([[[-1.0, 0.0, 2.0]]], &device);
        let labels = Tensor::<2, Int>::from_ints([[2]], &device);

        let loss = values(stablemax_cross_entropy(logits, labels));

        let expected = -(3.0f32 / 4.5).ln();
        assert!((loss[0] - expected).abs() < 1e-6, "got {loss:?}, expected {expected}");
    }

    #[test]
    fn ignored_labels_add_nothing() {
        let device = Device::flex();
        let logits = Tensor::<3>::from_floats([[[1.0, 0.0], [0.0, 1.0]]], &device);
        let labels = Tensor::<2, Int>::from_ints([[0, IGNORE_LABEL_ID]], &device);

        let loss = values(stablemax_cross_entropy(logits, labels));

        assert_eq!(loss[1], 0.0);
        assert!(loss[0] > 0.0);
    }

    #[test]
    fn bce_matches_the_direct_formula() {
        let device = Device::flex();
        let logits = Tensor::<1>::from_floats([-3.0, 0.5, 40.0], &device);
        let targets = Tensor::<1>::from_floats([0.0, 1.0, 1.0], &device);

        let loss = values(binary_cross_entropy_with_logits_sum(logits, targets))[0];

        let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp());
        let expected = -(1.0 - sigmoid(-3.0)).ln() - sigmoid(0.5).ln() - sigmoid(40.0).ln();
        assert!((f64::from(loss) - expected).abs() < 1e-5, "got {loss}, expected {expected}");
    }

    #[test]
    fn q_halt_target_needs_every_labelled_token() {
        let device = Device::flex();
        // Example 0 is right on its one labelled token; example 1 is wrong on one of two.
        let logits = Tensor::<3>::from_floats([[[5.0, 0.0], [0.0, 5.0]], [[5.0, 0.0], [5.0, 0.0]]], &device);
        let labels = Tensor::<2, Int>::from_ints([[0, IGNORE_LABEL_ID], [0, 1]], &device);
        let q_halt = Tensor::<1>::from_floats([0.0, 0.0], &device);

        let output = act_loss(logits, labels, q_halt, None);

        let correct: Vec<bool> = output.seq_is_correct.into_data().try_to_vec().unwrap();
        assert_eq!(correct, vec![true, false]);
        assert_eq!(values(output.token_accuracy), vec![1.0, 0.5]);
    }
}
