//! Ponder's JavaScript API, compiled to WebAssembly with wasm-bindgen.
//!
//! Every exported function returns a `Result` whose error becomes a JavaScript
//! `Error` with a readable message; a panic, should one happen, is logged to the
//! console by `console_error_panic_hook` instead of surfacing as a bare trap.

mod backend;
pub mod finetune;
pub mod maze;
pub mod profile;
pub mod shard;
mod smoke;
pub mod solve;
mod solver;
pub mod sudoku;
mod tasks;

pub use backend::{Backend, BackendChoice, BackendError, BackendRequest, acquire};
pub use maze::{generate_maze, parse_maze, shortest_maze_path};
pub use smoke::{SmokeReport, smoke_matmul};
pub use solver::{DEFAULT_MODEL_SEED, Solver};
pub use sudoku::parse_sudoku;
pub use tasks::parse_task;

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

/// Switches Ponder's hand-written WebGPU kernels (the WGSL files in
/// `shaders/`) on or off for every solver of this module instance. They start
/// on. Off, the model runs burn's own kernels, which compute the same values
/// to float rounding. The switch serves to compare the two, or to work around
/// a driver that mishandles one.
#[wasm_bindgen(js_name = setKernels)]
pub fn set_kernels(enabled: bool) {
    ponder_model::kernels::set_all_enabled(enabled);
}

/// Yields to the browser's event loop (a zero-delay timer), so that messages
/// queued during a long computation, such as a cancel, are handled.
#[cfg(target_arch = "wasm32")]
pub async fn yield_now() {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let global = js_sys::global();
        let set_timeout = js_sys::Reflect::get(&global, &JsValue::from_str("setTimeout"))
            .ok()
            .and_then(|value| value.dyn_into::<js_sys::Function>().ok());
        match set_timeout {
            Some(set_timeout) => {
                let _ = set_timeout.call2(&global, &resolve, &JsValue::from(0));
            }
            None => {
                let _ = resolve.call0(&JsValue::NULL);
            }
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Natively there is no event loop to yield to.
#[cfg(not(target_arch = "wasm32"))]
pub async fn yield_now() {}
