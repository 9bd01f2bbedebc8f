//! Hand-written WGSL kernels for the TRM hot path, and the switches that turn
//! them off.
//!
//! Each kernel lives in `shaders/` at the workspace root with a wrapper here
//! that launches it on burn's wgpu tensors. A wrapper runs burn's operations
//! instead when the kernel is switched off, when the tensors are on another
//! backend (Flex, or autodiff during fine-tuning, except for attention, which
//! has backward kernels of its own), or when their dtype or shape is not one
//! the kernel takes. Callers get the same values either way.

pub mod add_rms_norm;
pub mod attention;
pub mod attention_grad;
mod launch;
pub mod memory;
pub mod silu_mul;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

pub use add_rms_norm::add_rms_norm;
pub use attention::attention;
pub use silu_mul::silu_mul;

/// Whether this build runs burn's kernel fusion on wgpu (the `fusion` cargo
/// feature, off by default). Fused wgpu tensors are not burn-wgpu primitives
/// the kernels can take, so in such a build every wrapper runs burn's
/// operations and the switches change nothing. It exists so that `ponder
/// bench` and the browser's bench page can compare fusion with the kernels.
pub const FUSION: bool = cfg!(feature = "fusion");

/// One of Ponder's hand-written kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// `rms_norm(x + residual)` in one pass: `shaders/add_rms_norm.wgsl`.
    AddRmsNorm,
    /// Attention with an online softmax, scores never stored: `shaders/attention.wgsl`.
    Attention,
    /// The backward pass of [`Kernel::Attention`] for fine-tuning, which also
    /// sends autodiff tensors through the forward kernel:
    /// `shaders/attention_grad_query.wgsl` and `shaders/attention_grad_key.wgsl`.
    /// It runs only where [`Kernel::Attention`] is on as well.
    AttentionGrad,
    /// SwiGLU's `silu(gate) * up` in one pass: `shaders/silu_mul.wgsl`.
    SiluMul,
}

impl Kernel {
    /// Every kernel.
    pub const ALL: [Kernel; 4] = [Kernel::AddRmsNorm, Kernel::Attention, Kernel::AttentionGrad, Kernel::SiluMul];

    fn counter(self) -> &'static AtomicU64 {
        match self {
            Kernel::AddRmsNorm => &ADD_RMS_NORM_LAUNCHES,
            Kernel::Attention => &ATTENTION_LAUNCHES,
            Kernel::AttentionGrad => &ATTENTION_GRAD_LAUNCHES,
            Kernel::SiluMul => &SILU_MUL_LAUNCHES,
        }
    }

    fn switch(self) -> &'static AtomicBool {
        match self {
            Kernel::AddRmsNorm => &ADD_RMS_NORM,
            Kernel::Attention => &ATTENTION,
            Kernel::AttentionGrad => &ATTENTION_GRAD,
            Kernel::SiluMul => &SILU_MUL,
        }
    }
}

static ADD_RMS_NORM: AtomicBool = AtomicBool::new(true);
static ATTENTION: AtomicBool = AtomicBool::new(true);
static ATTENTION_GRAD: AtomicBool = AtomicBool::new(true);
static SILU_MUL: AtomicBool = AtomicBool::new(true);
static ADD_RMS_NORM_LAUNCHES: AtomicU64 = AtomicU64::new(0);
static ATTENTION_LAUNCHES: AtomicU64 = AtomicU64::new(0);
static ATTENTION_GRAD_LAUNCHES: AtomicU64 = AtomicU64::new(0);
static SILU_MUL_LAUNCHES: AtomicU64 = AtomicU64::new(0);

/// Returns whether `kernel` is switched on. Every kernel starts switched on.
pub fn enabled(kernel: Kernel) -> bool {
    kernel.switch().load(Ordering::Relaxed)
}

/// Switches `kernel` on or off for the whole process, for every model.
pub fn set_enabled(kernel: Kernel, on: bool) {
    kernel.switch().store(on, Ordering::Relaxed);
}

/// Switches every kernel on or off.
pub fn set_all_enabled(on: bool) {
    for kernel in Kernel::ALL {
        set_enabled(kernel, on);
    }
}

/// Returns how many times `kernel` has been launched in this process, for
/// tests and benchmarks that check which path a computation took.
pub fn launches(kernel: Kernel) -> u64 {
    kernel.counter().load(Ordering::Relaxed)
}

/// Counts one launch of `kernel`.
fn count_launch(kernel: Kernel) {
    kernel.counter().fetch_add(1, Ordering::Relaxed);
}
