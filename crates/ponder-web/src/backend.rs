//! Choosing where tensors live: WebGPU through burn-wgpu, or burn's Flex CPU
//! backend for browsers without WebGPU.

use std::cell::RefCell;
use std::fmt;
use std::str::FromStr;

use burn::tensor::Device;
use serde::Serialize;

/// The backend a caller asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendRequest {
    /// WebGPU (in the browser) or the platform's GPU API (native); fail if absent.
    WebGpu,
    /// burn's Flex CPU backend.
    Cpu,
    /// WebGPU when it initialises, otherwise the CPU with the reason recorded.
    Auto,
}

impl FromStr for BackendRequest {
    type Err = BackendError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "webgpu" => Ok(Self::WebGpu),
            "cpu" => Ok(Self::Cpu),
            "auto" => Ok(Self::Auto),
            other => Err(BackendError::UnknownBackend(other.to_string())),
        }
    }
}

/// The backend a caller got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    WebGpu,
    Cpu,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Backend::WebGpu => f.write_str("webgpu"),
            Backend::Cpu => f.write_str("cpu"),
        }
    }
}

/// An initialised device with a description of where it runs.
#[derive(Clone)]
pub struct BackendChoice {
    pub backend: Backend,
    pub device: Device,
    /// The GPU adapter's name, driver and API, or `"CPU (burn Flex)"`.
    pub adapter: String,
    /// Why `auto` fell back to the CPU; `None` when it did not.
    pub fallback_reason: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("unknown backend `{0}`: expected `webgpu`, `cpu` or `auto`")]
    UnknownBackend(String),
    #[error("WebGPU is not available: {0}")]
    WebGpuUnavailable(String),
}

thread_local! {
    // burn registers a wgpu runtime once per process (once per page in the
    // browser). A second registration fails, so the first result is kept,
    // failures included.
    static WGPU: RefCell<Option<Result<(Device, String), String>>> = const { RefCell::new(None) };
}

/// Initialises (once) and returns the requested backend.
pub async fn acquire(request: BackendRequest) -> Result<BackendChoice, BackendError> {
    match request {
        BackendRequest::Cpu => Ok(cpu_choice(None)),
        BackendRequest::WebGpu => {
            let (device, adapter) = wgpu_device().await.map_err(BackendError::WebGpuUnavailable)?;
            Ok(BackendChoice { backend: Backend::WebGpu, device, adapter, fallback_reason: None })
        }
        BackendRequest::Auto => match wgpu_device().await {
            Ok((device, adapter)) => Ok(BackendChoice {
                backend: Backend::WebGpu,
                device,
                adapter,
                fallback_reason: None,
            }),
            Err(reason) => Ok(cpu_choice(Some(BackendError::WebGpuUnavailable(reason).to_string()))),
        },
    }
}

fn cpu_choice(fallback_reason: Option<String>) -> BackendChoice {
    BackendChoice {
        backend: Backend::Cpu,
        device: Device::flex(),
        adapter: "CPU (burn Flex)".to_string(),
        fallback_reason,
    }
}

async fn wgpu_device() -> Result<(Device, String), String> {
    if let Some(cached) = WGPU.with(|slot| slot.borrow().clone()) {
        return cached;
    }

    let result = match Device::wgpu_options().init_with_setup_async().await {
        Ok((device, setup)) => {
            let info = setup.adapter.get_info();
            Ok((device, describe_adapter(&info)))
        }
        Err(error) => Err(error.to_string()),
    };

    WGPU.with(|slot| *slot.borrow_mut() = Some(result.clone()));
    result
}

/// Names the adapter as "name, driver (API)". Browsers withhold the name and
/// driver from WebGPU pages, so there it is only the API; the page adds the
/// vendor and architecture that `GPUAdapter.info` reports.
fn describe_adapter(info: &burn::tensor::wgpu::wgpu::AdapterInfo) -> String {
    let parts: Vec<&str> = [info.name.as_str(), info.driver.as_str()].into_iter().filter(|part| !part.is_empty()).collect();
    if parts.is_empty() {
        format!("{:?}", info.backend)
    } else {
        format!("{} ({:?})", parts.join(", "), info.backend)
    }
}
