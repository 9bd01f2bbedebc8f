//! Training a Tiny Recursive Model as the official training script does:
//! the ACT loss head, training-time ACT with deep supervision, the
//! optimisers, and fine-tuning on one task's demonstration pairs.

pub mod act;
pub mod loss;

pub use act::{ActSettings, TrainBatch, TrainCarry, TrainStepOutput, draw_min_halt_steps, train_act_step};
pub use loss::{IGNORE_LABEL_ID, LossOutput, act_loss, stablemax_cross_entropy};
