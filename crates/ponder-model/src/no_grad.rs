//! The recursion rounds that record no gradient, run on the plain backend.
//!
//! TRM and HRM train through the last round of each ACT step only, and the
//! rounds before it are detached. Run on autodiff tensors, those rounds would
//! still record a graph for every operation on the model's weights, only to
//! drop it at the detach. Run on the plain backend they record nothing, and
//! on wgpu they take all the hand-written kernels in [`crate::kernels`], of
//! which only attention has a backward pass. Outside training the two
//! backends are the same.

use burn::prelude::*;

use crate::block::ReasoningModule;
use crate::rotary::RotaryEmbedding;

/// A reasoning level and its rotary tables on the plain backend.
pub(crate) struct PlainRounds {
    pub level: ReasoningModule,
    rotary: Option<RotaryEmbedding>,
}

impl PlainRounds {
    /// Moves `level` and `rotary` off autodiff. The weights' GPU or CPU buffers are shared, not copied.
    pub fn new(level: &ReasoningModule, rotary: Option<&RotaryEmbedding>) -> Self {
        Self {
            level: level.valid(),
            rotary: rotary.map(Module::valid),
        }
    }

    pub fn rotary(&self) -> Option<&RotaryEmbedding> {
        self.rotary.as_ref()
    }
}

/// Moves `tensor`, computed on the plain backend, back onto the backend of
/// `like`: autodiff when training, so that the last round records its graph.
pub(crate) fn on_backend_of(like: &Tensor<3>, tensor: Tensor<3>) -> Tensor<3> {
    if like.is_autodiff() { tensor.autodiff() } else { tensor }
}
