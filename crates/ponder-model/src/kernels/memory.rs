//! Memory held by the wgpu device, for `ponder bench` to report beside its times.

use burn::prelude::*;
use burn_cubecl::CubeBackend;
use burn_cubecl::cubecl::MemoryScope;

/// Bytes the device's memory pools have reserved, or `None` when `device` is
/// not a burn-wgpu device. The pools grow to what the largest moment of the
/// work needed and keep it, so after [`release_unused`] and a run this is that
/// run's peak, rounded up to the pools' page sizes.
pub fn reserved_bytes(device: &Device) -> Option<u64> {
    let probe = Tensor::<1>::zeros([1], device).try_into_primitive::<CubeBackend>().ok()?;
    Some(probe.client.memory_report(MemoryScope::Device).usage().bytes_reserved)
}

/// Returns the pages no tensor uses to the driver, so that the next
/// [`reserved_bytes`] reflects only what runs after this call. Does nothing
/// off burn-wgpu.
pub fn release_unused(device: &Device) {
    if let Ok(probe) = Tensor::<1>::zeros([1], device).try_into_primitive::<CubeBackend>() {
        // A refusal leaves the pools as they are, which only makes the next
        // figure an overestimate; it is not worth failing a benchmark over.
        let _ = probe.client.memory_cleanup();
    }
}
