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

#[wasm_bindgen_test]
fn parse_task_returns_grids() {
    let task = ponder_web::parse_task("tiny", r#"{"train": [{"input": [[1, 2]], "output": [[2, 1]]}], "test": [{"input": [[3, 4]]}]}"#)
        .expect("a valid task");

    let train = js_sys::Array::from(&field(&task, "train"));
    let first_output = field(&train.get(0), "output");
    assert_eq!(js_sys::JSON::stringify(&first_output).unwrap().as_string().as_deref(), Some("[[2,1]]"));
    let test = js_sys::Array::from(&field(&task, "test"));
    assert_eq!(test.length(), 1);
    assert!(field(&test.get(0), "output").is_undefined());
}

#[wasm_bindgen_test]
fn parse_task_lists_every_problem() {
    let error = ponder_web::parse_task("bad", r#"{"train": [{"input": [[1, 10]], "output": [[1], [2, 3]]}]}"#).unwrap_err();

    let problems = js_sys::Array::from(&field(&error, "problems"));
    let lines: Vec<String> = problems.iter().map(|line| line.as_string().unwrap()).collect();
    assert_eq!(
        lines,
        vec![
            "task bad, train pair 0, input grid: row 0, column 1: cell is 10, expected an integer from 0 to 9",
            "task bad, train pair 0, output grid: row 1 has 2 cells, but row 0 has 1",
            "task bad: missing key `test`",
        ]
    );
    assert_eq!(field(&error, "message").as_string(), Some(lines.join("\n")));
}
