//! Memory held by the wgpu device, for `ponder bench` to report beside its times.

use burn::prelude::*;
use burn_cubecl::cubecl::MemoryScope;
use burn_cubecl::cubecl::client::Client;

/// Bytes the device's memory pools have reserved, or `None` when `device` is
/// not a burn-wgpu device. The pools grow to what the largest moment of the
/// work needed and keep it, so after [`release_unused`] and a run this is that
/// run's peak, rounded up to the pools' page sizes.
pub fn reserved_bytes(device: &Device) -> Option<u64> {
    Some(wgpu_client(device)?.memory_report(MemoryScope::Device).usage().bytes_reserved)
}

/// Returns the pages no tensor uses to the driver, so that the next
/// [`reserved_bytes`] reflects only what runs after this call. Does nothing
/// off burn-wgpu.
pub fn release_unused(device: &Device) {
    if let Some(client) = wgpu_client(device) {
        // A refusal leaves the pools as they are, which only makes the next
        // figure an overestimate; it is not worth failing a benchmark over.
        let _ = client.memory_cleanup();
    }
}

/// Returns the compute client behind `device`, found through a one-element
/// probe tensor, or `None` when `device` is not a burn-wgpu device.
fn wgpu_client(device: &Device) -> Option<Client> {
    let probe = Tensor::<1>::zeros([1], device).try_into_primitive::<burn_cubecl::Cube>().ok()?;
    // A fused tensor carries fusion's client, but the memory pools belong to
    // the compute client of its device.
    #[cfg(feature = "fusion")]
    return Some(probe.client.device().client());
    #[cfg(not(feature = "fusion"))]
    return Some(probe.client);
}
