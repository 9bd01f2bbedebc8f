//! Ponder's JavaScript API, compiled to WebAssembly with wasm-bindgen.
//!
//! Every exported function returns a `Result` whose error becomes a JavaScript
//! `Error` with a readable message; a panic, should one happen, is logged to the
//! console by `console_error_panic_hook` instead of surfacing as a bare trap.

mod backend;
mod smoke;

pub use backend::{Backend, BackendChoice, BackendError, BackendRequest, acquire};
pub use smoke::{SmokeReport, smoke_matmul};

use wasm_bindgen::prelude::*;

/// Installs the panic hook once, when the module is instantiated.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// Runs the smoke computation (a 2x3 by 3x2 matmul with known values) on the
/// requested backend (`"webgpu"`, `"cpu"` or `"auto"`) and resolves to
/// `{ backend, adapter, fallbackReason, shape, values }`.
#[wasm_bindgen(js_name = smokeTest)]
pub async fn smoke_test(backend: &str) -> Result<JsValue, JsError> {
    let request: BackendRequest = backend.parse().map_err(|e: BackendError| JsError::new(&e.to_string()))?;
    let choice = acquire(request).await.map_err(|e| JsError::new(&e.to_string()))?;
    let report = smoke_matmul(&choice).await.map_err(|e| JsError::new(&e.to_string()))?;
    serde_wasm_bindgen::to_value(&report).map_err(|e| JsError::new(&e.to_string()))
}
