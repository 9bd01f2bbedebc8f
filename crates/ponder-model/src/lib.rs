//! Tiny Recursive Models (TRM) and Hierarchical Reasoning Models (HRM) in burn.
//!
//! [`TrmConfig`] describes an architecture of either family under the official
//! field names, [`Model::load`] builds the model from a checkpoint's weights,
//! and [`Model::act_step`] runs one ACT step on any burn device.

pub mod act;
pub mod attention;
pub mod block;
pub mod checkpoint;
pub mod config;
pub mod embeddings;
pub mod hrm;
pub mod init;
pub mod kernels;
pub mod load;
pub mod model;
mod no_grad;
pub mod rms_norm;
pub mod rotary;
pub mod step_parts;
// Reading weights back synchronously, which only native backends can do.
#[cfg(not(target_arch = "wasm32"))]
pub mod save;
pub mod swiglu;
pub mod train;
pub mod trm;

pub use act::{ActCarry, ActOutput, Halting};
pub use init::initial_weights;
pub use config::{ConfigError, DatasetShape, Family, ForwardDtype, PosEncodings, TrmConfig};
pub use hrm::Hrm;
pub use load::{KeyReport, LoadError, ShapeMismatch};
pub use model::Model;
#[cfg(not(target_arch = "wasm32"))]
pub use save::SaveError;
pub use trm::{InnerCarry, Trm, TrmBatch, TrmOutput};
