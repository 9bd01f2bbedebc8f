//! The smoke computation in a real browser (headless Chromium), on WebGPU and
//! on the Flex CPU fallback, through the exported JavaScript function.

#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn field(report: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(report, &JsValue::from_str(name)).expect("report is an object")
}

fn values(report: &JsValue) -> Vec<f32> {
    let array = js_sys::Array::from(&field(report, "values"));
    array.iter().map(|value| value.as_f64().expect("a number") as f32).collect()
}

#[wasm_bindgen_test]
async fn smoke_on_webgpu() {
    let report = ponder_web::smoke_test("webgpu").await.expect("WebGPU smoke test");

    assert_eq!(field(&report, "backend").as_string().as_deref(), Some("webgpu"));
    assert!(field(&report, "adapter").as_string().is_some_and(|name| !name.is_empty()));
    assert_eq!(values(&report), vec![58.0, 64.0, 139.0, 154.0]);
}

#[wasm_bindgen_test]
async fn smoke_on_cpu_fallback() {
    let report = ponder_web::smoke_test("cpu").await.expect("CPU smoke test");

    assert_eq!(field(&report, "backend").as_string().as_deref(), Some("cpu"));
    assert_eq!(field(&report, "adapter").as_string().as_deref(), Some("CPU (burn Flex)"));
    assert_eq!(values(&report), vec![58.0, 64.0, 139.0, 154.0]);
}

#[wasm_bindgen_test]
async fn unknown_backend_rejects_with_message() {
    let error = ponder_web::smoke_test("metal").await.unwrap_err();
    let error: JsValue = error.into();
    let message = js_sys::Reflect::get(&error, &JsValue::from_str("message")).unwrap();
    assert_eq!(
        message.as_string().as_deref(),
        Some("unknown backend `metal`: expected `webgpu`, `cpu` or `auto`")
    );
}
