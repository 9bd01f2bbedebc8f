//! The `Solver` class as JavaScript sees it, in headless Chromium: creation on
//! each backend, the embedded default model, loading a checkpoint from bytes,
//! and a solve whose every step matches the official golden predictions.

#![cfg(all(target_arch = "wasm32", ponder_slow_browser_tests))]
#![allow(unexpected_cfgs)]
// NOTE: compiled only with `--cfg ponder_slow_browser_tests`: the arc_small golden case alone took over 5 minutes
// under SwiftShader on a loaded 2-core machine, so this file has not been run in a browser yet.


use js_sys::{Array, Function, JSON, Reflect};
use ponder_web::Solver;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const CONFIG: &str = include_str!("../../ponder-model/tests/fixtures/arc_small.config.json");
const WEIGHTS: &[u8] = include_bytes!("../../ponder-model/tests/fixtures/arc_small.safetensors");

/// ARC-AGI-1 task 007bbfb7 with its first demonstration input as the test
/// input: the golden `arc_small` case ran that grid with puzzle identifier 1.
const TASK: &str = r#"{"train": [{"input": [[0, 7, 7], [7, 7, 7], [0, 7, 7]], "output": [[0,0,0,0,7,7,0,7,7],[0,0,0,7,7,7,7,7,7],[0,0,0,0,7,7,0,7,7],[0,7,7,0,7,7,0,7,7],[7,7,7,7,7,7,7,7,7],[0,7,7,0,7,7,0,7,7],[0,0,0,0,7,7,0,7,7],[0,0,0,7,7,7,7,7,7],[0,0,0,0,7,7,0,7,7]]}], "test": [{"input": [[0, 7, 7], [7, 7, 7], [0, 7, 7]]}]}"#;

fn field(value: &JsValue, name: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(name)).unwrap()
}

fn json(value: &JsValue) -> String {
    JSON::stringify(value).unwrap().as_string().unwrap()
}

fn message(error: JsValue) -> String {
    field(&error, "message").as_string().unwrap()
}

fn options(text: &str) -> JsValue {
    JSON::parse(text).unwrap()
}

#[wasm_bindgen_test]
async fn create_reports_backend() {
    let solver = Solver::create("webgpu".into()).await.unwrap();
    assert_eq!(solver.backend(), "webgpu");
    assert!(!solver.adapter().is_empty());
    assert_eq!(solver.fallback_reason(), None);

    let cpu = Solver::create("cpu".into()).await.unwrap();
    assert_eq!(cpu.backend(), "cpu");
    assert_eq!(cpu.adapter(), "CPU (burn Flex)");
}

#[wasm_bindgen_test]
async fn default_model_is_untrained_arc_shape() {
    let solver = Solver::create("cpu".into()).await.unwrap();
    let info = solver.load_default_model().unwrap();

    assert_eq!(field(&info, "trained").as_bool(), Some(false));
    assert_eq!(field(&info, "family").as_string().as_deref(), Some("TRM"));
    assert_eq!(field(&info, "hiddenSize").as_f64(), Some(512.0));
    assert_eq!(field(&info, "hCycles").as_f64(), Some(3.0));
    assert_eq!(field(&info, "lCycles").as_f64(), Some(4.0));
}

#[wasm_bindgen_test]
async fn solve_without_model_rejects() {
    let solver = Solver::create("cpu".into()).await.unwrap();
    let error = JsFuture::from(solver.solve(TASK.into(), 0, JsValue::UNDEFINED, None, None)).await.unwrap_err();
    assert_eq!(message(error), "no model is loaded: call loadDefaultModel() or loadModel() first");
}

#[wasm_bindgen_test]
async fn solve_rejects_bad_options() {
    let solver = Solver::create("cpu".into()).await.unwrap();
    solver.load_model(CONFIG, WEIGHTS, "arc_small.safetensors", None).unwrap();

    let error = JsFuture::from(solver.solve(TASK.into(), 0, options(r#"{"augmentations": 0}"#), None, None)).await.unwrap_err();
    assert_eq!(message(error), "invalid option augmentations = 0: expected 1 to 64");

    let error = JsFuture::from(solver.solve(TASK.into(), 0, options(r#"{"stepz": 2}"#), None, None)).await.unwrap_err();
    assert!(message(error).starts_with("invalid solve options: unknown field `stepz`"));
}

#[wasm_bindgen_test]
async fn load_model_rejects_wrong_config() {
    let solver = Solver::create("cpu".into()).await.unwrap();
    let config = CONFIG.replace("\"hidden_size\": 64", "\"hidden_size\": 32");
    let error = solver.load_model(&config, WEIGHTS, "arc_small.safetensors", None).unwrap_err();
    let text = message(error.into());
    assert!(text.starts_with("the checkpoint does not match the config"), "{text}");
}

/// The golden predictions of `arc_small` for 007bbfb7, cropped, per step;
/// computed from `step{K}.preds` of the golden outputs by the native test
/// `solve_matches_golden_steps`, which checks the same grids.
async fn solve_on(backend: &str) {
    let solver = Solver::create(backend.into()).await.unwrap();
    solver.load_model(CONFIG, WEIGHTS, "arc_small.safetensors", None).unwrap();

    let reports = Array::new();
    let collect = Closure::<dyn FnMut(JsValue)>::new({
        let reports = reports.clone();
        move |report: JsValue| {
            reports.push(&report);
        }
    });
    let on_step: &Function = collect.as_ref().unchecked_ref();

    let result = JsFuture::from(solver.solve(
        TASK.into(),
        0,
        options(r#"{"augmentations": 1, "steps": 3, "puzzleIdentifier": 1}"#),
        Some(on_step.clone()),
        None,
    ))
    .await
    .unwrap();

    assert_eq!(reports.length(), 3);
    let golden = golden_grids();
    for step in 0..3 {
        let report = reports.get(step);
        assert_eq!(field(&report, "step").as_f64(), Some(f64::from(step + 1)));
        let prediction = Array::from(&field(&report, "predictions")).get(0);
        assert_eq!(json(&field(&prediction, "grid")), golden[step as usize], "{backend}, step {step}");
    }
    let attempts = Array::from(&field(&result, "attempts"));
    assert_eq!(json(&attempts.get(0)), golden[2]);
    assert_eq!(json(&field(&result, "stepsUsed")), "[3]");
}

fn golden_grids() -> Vec<String> {
    use ponder_model::checkpoint::StateDict;
    let io = StateDict::from_bytes(include_bytes!("../../ponder-model/tests/fixtures/arc_small.io.safetensors"), "io.safetensors").unwrap();
    (0..3)
        .map(|step| {
            let preds = io.get(&format!("step{step}.preds")).unwrap().as_i64().unwrap();
            let grid = ponder_tasks::encoding::decode_prediction(&preds[..900]).unwrap();
            serde_json::to_string(&grid.to_rows()).unwrap()
        })
        .collect()
}

#[wasm_bindgen_test]
async fn solve_matches_golden_on_webgpu() {
    solve_on("webgpu").await;
}

#[wasm_bindgen_test]
async fn solve_matches_golden_on_cpu() {
    solve_on("cpu").await;
}

#[wasm_bindgen_test]
async fn solve_cancels_after_one_step() {
    let solver = Solver::create("cpu".into()).await.unwrap();
    solver.load_model(CONFIG, WEIGHTS, "arc_small.safetensors", None).unwrap();
    let controller = web_sys::AbortController::new().unwrap();
    let steps = std::rc::Rc::new(std::cell::Cell::new(0));
    let abort_on_first_step = Closure::<dyn FnMut(JsValue)>::new({
        let controller = controller.clone();
        let steps = steps.clone();
        move |_report: JsValue| {
            steps.set(steps.get() + 1);
            controller.abort();
        }
    });

    let error = JsFuture::from(solver.solve(
        TASK.into(),
        0,
        options(r#"{"augmentations": 1, "steps": 3}"#),
        Some(abort_on_first_step.as_ref().unchecked_ref::<Function>().clone()),
        Some(controller.signal()),
    ))
    .await
    .unwrap_err();

    assert_eq!(message(error), "solving was cancelled");
    assert_eq!(steps.get(), 1);
}
