//! The smoke computation natively: burn's Flex CPU backend, and wgpu on the
//! machine's Vulkan driver (Mesa's lavapipe on machines without a GPU).

#![cfg(not(target_arch = "wasm32"))]

use ponder_web::{Backend, BackendRequest, acquire, smoke_matmul};

const PRODUCT: [f32; 4] = [58.0, 64.0, 139.0, 154.0];

#[test]
fn smoke_on_cpu() {
    let choice = pollster::block_on(acquire(BackendRequest::Cpu)).expect("the CPU backend always exists");
    let report = pollster::block_on(smoke_matmul(&choice)).expect("CPU matmul");

    assert_eq!(report.backend, Backend::Cpu);
    assert_eq!(report.shape, vec![2, 2]);
    assert_eq!(report.values, PRODUCT);
}

#[test]
fn smoke_on_wgpu() {
    let choice = pollster::block_on(acquire(BackendRequest::WebGpu))
        .expect("no wgpu adapter: install a Vulkan driver (Debian: mesa-vulkan-drivers libvulkan1)");
    let report = pollster::block_on(smoke_matmul(&choice)).expect("wgpu matmul");

    assert_eq!(report.backend, Backend::WebGpu);
    assert!(!report.adapter.is_empty());
    assert_eq!(report.shape, vec![2, 2]);
    assert_eq!(report.values, PRODUCT);
}

#[test]
fn unknown_backend_is_named() {
    let error = "metal".parse::<BackendRequest>().unwrap_err();
    assert_eq!(error.to_string(), "unknown backend `metal`: expected `webgpu`, `cpu` or `auto`");
}
