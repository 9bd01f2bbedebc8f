//! Training a Tiny Recursive Model as the official training script does:
//! the ACT loss head, training-time ACT with deep supervision, the
//! optimisers, and fine-tuning on one task's demonstration pairs.

pub mod act;
pub mod adamw;
pub mod data;
pub mod finetune;
pub mod loss;
pub mod optimise;
pub mod schedule;
pub mod sign_sgd;
// Training from scratch saves and reads state synchronously, so it is native only.
#[cfg(not(target_arch = "wasm32"))]
pub mod trainer;

pub use act::{ActSettings, TrainBatch, TrainCarry, TrainStepOutput, draw_min_halt_steps, train_act_step};
pub use adamw::{AdamW, AdamWConfig};
pub use data::{AugmentedTask, Example};
pub use finetune::{FinetuneConfig, FinetuneError, FinetuneMode, Finetuner, Snapshot, StepReport};
pub use optimise::{Optimisers, StepRates};
pub use loss::{IGNORE_LABEL_ID, LossOutput, act_loss, stablemax_cross_entropy};
pub use schedule::LrSchedule;
pub use sign_sgd::SparseSignSgd;
#[cfg(not(target_arch = "wasm32"))]
pub use trainer::{ExampleSource, TrainError, TrainReport, Trainer, TrainerConfig};
pub use adamw::AdamWState;
