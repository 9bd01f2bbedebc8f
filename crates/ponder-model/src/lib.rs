//! Tiny Recursive Models in burn.
//!
//! [`TrmConfig`] describes an architecture under the official field names,
//! [`Trm::load`] builds the model from a checkpoint's weights, and
//! [`Trm::act_step`] runs one ACT step on any burn device.

pub mod act;
pub mod attention;
pub mod block;
pub mod checkpoint;
pub mod config;
pub mod embeddings;
pub mod init;
pub mod load;
pub mod rms_norm;
pub mod rotary;
pub mod swiglu;
pub mod train;
pub mod trm;

pub use act::{ActCarry, ActOutput, Halting};
pub use init::initial_weights;
pub use config::{ConfigError, DatasetShape, ForwardDtype, PosEncodings, TrmConfig};
pub use load::{KeyReport, LoadError, ShapeMismatch};
pub use trm::{InnerCarry, Trm, TrmBatch, TrmOutput};
