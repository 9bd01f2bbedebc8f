//! Hand-written WGSL kernels for the TRM hot path, and the switches that turn
//! them off.
//!
//! Each kernel lives in `shaders/` at the workspace root with a wrapper here
//! that launches it on burn's wgpu tensors. A wrapper runs burn's operations
//! instead when the kernel is switched off, when the tensors are on another
//! backend (Flex, or autodiff during fine-tuning), or when their dtype or
//! shape is not one the kernel takes. Callers get the same values either way.

pub mod add_rms_norm;
mod launch;
pub mod memory;
pub mod silu_mul;

use std::sync::atomic::{AtomicBool, Ordering};

pub use add_rms_norm::add_rms_norm;
pub use silu_mul::silu_mul;

/// One of Ponder's hand-written kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// `rms_norm(x + residual)` in one pass: `shaders/add_rms_norm.wgsl`.
    AddRmsNorm,
    /// SwiGLU's `silu(gate) * up` in one pass: `shaders/silu_mul.wgsl`.
    SiluMul,
}

impl Kernel {
    /// Every kernel.
    pub const ALL: [Kernel; 2] = [Kernel::AddRmsNorm, Kernel::SiluMul];

    fn switch(self) -> &'static AtomicBool {
        match self {
            Kernel::AddRmsNorm => &ADD_RMS_NORM,
            Kernel::SiluMul => &SILU_MUL,
        }
    }
}

static ADD_RMS_NORM: AtomicBool = AtomicBool::new(true);
static SILU_MUL: AtomicBool = AtomicBool::new(true);

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
