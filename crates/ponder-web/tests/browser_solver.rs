//! The `Solver` class as JavaScript sees it, in headless Chromium: creation on
//! each backend, loading a checkpoint from bytes, a solve whose every step
//! matches the official golden predictions, cancelling, and fine-tuning.
//!
//! NOTE: `loadArcAgi1Shape()` is left to the bench page's test: building its
//! 7M random weights on the page's main thread in a debug build blocks the
//! renderer for over 30 seconds, and ChromeDriver then gives up on the page.

#![cfg(target_arch = "wasm32")]

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
async fn solve_without_model_rejects() {
    let solver = Solver::create("cpu".into()).await.unwrap();
    let error = JsFuture::from(solver.solve(TASK.into(), 0, JsValue::UNDEFINED, None, None)).await.unwrap_err();
    assert_eq!(message(error), "no model is loaded: call loadDefaultModel() or loadModel() first");
}

#[wasm_bindgen_test]
async fn default_model_description() {
    let solver = Solver::create("cpu".into()).await.unwrap();
    let info = solver.load_default_model().unwrap();
    // 132,866 is what `ponder train --preset arc` counts for the same
    // architecture: every weight but the puzzle-embedding rows.
    assert_eq!(
        json(&info),
        r#"{"name":"untrained TRM, hidden 64, seed 0","family":"TRM","trained":false,"parameters":132866,"hiddenSize":64,"hCycles":2,"lCycles":2,"haltMaxSteps":4}"#
    );
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

#[wasm_bindgen_test]
async fn finetune_rejects_bad_options() {
    let solver = Solver::create("cpu".into()).await.unwrap();
    solver.load_model(CONFIG, WEIGHTS, "arc_small.safetensors", None).unwrap();

    let error = JsFuture::from(solver.finetune(TASK.into(), options(r#"{"mode": "everything"}"#), None, None)).await.unwrap_err();
    assert_eq!(message(error), "invalid option mode = \"everything\": expected \"embedding\" or \"full\"");

    let error = JsFuture::from(solver.finetune(TASK.into(), options(r#"{"steps": 0}"#), None, None)).await.unwrap_err();
    assert_eq!(message(error), "invalid option steps = 0: expected at least 1");

    let error = JsFuture::from(solver.finetune(TASK.into(), options(r#"{"stepz": 2}"#), None, None)).await.unwrap_err();
    assert!(message(error).starts_with("invalid fine-tuning options: unknown field `stepz`, expected one of steps, "));
}

#[wasm_bindgen_test]
async fn finetune_then_solve_uses_learned_rows() {
    let solver = Solver::create("cpu".into()).await.unwrap();
    solver.load_model(CONFIG, WEIGHTS, "arc_small.safetensors", None).unwrap();
    let steps = Array::new();
    let collect = Closure::<dyn FnMut(JsValue)>::new({
        let steps = steps.clone();
        move |progress: JsValue| {
            steps.push(&progress);
        }
    });

    let summary = JsFuture::from(solver.finetune(
        TASK.into(),
        options(r#"{"steps": 2, "augmentations": 3, "batchSize": 1}"#),
        Some(collect.as_ref().unchecked_ref::<Function>().clone()),
        None,
    ))
    .await
    .unwrap();

    assert_eq!(steps.length(), 2);
    assert_eq!(field(&summary, "stepsRun").as_f64(), Some(2.0));
    assert_eq!(field(&summary, "stopped").as_string().as_deref(), Some("steps"));
    assert_eq!(field(&summary, "augmentations").as_f64(), Some(3.0));
    assert!(field(&field(&summary, "best"), "lmLoss").as_f64().is_some_and(f64::is_finite));

    // The solve votes over the 3 fine-tuned augmentations, not the 1 asked for.
    let result = JsFuture::from(solver.solve(TASK.into(), 0, options(r#"{"augmentations": 1, "steps": 1}"#), None, None)).await.unwrap();
    assert_eq!(json(&field(&result, "stepsUsed")), "[1,1,1]");

    solver.clear_finetuned();
    let result = JsFuture::from(solver.solve(TASK.into(), 0, options(r#"{"augmentations": 1, "steps": 1}"#), None, None)).await.unwrap();
    assert_eq!(json(&field(&result, "stepsUsed")), "[1]");
}

#[wasm_bindgen_test]
async fn profile_reports_parts_on_webgpu() {
    let solver = Solver::create("webgpu".into()).await.unwrap();
    let error = JsFuture::from(solver.profile(options(r#"{"batches": 2}"#), None, None)).await.unwrap_err();
    assert_eq!(message(error), "invalid profile options: unknown field `batches`, expected one of batch, sampleCalls, wholeStep");
    solver.load_model(CONFIG, WEIGHTS, "arc_small.safetensors", None).unwrap();

    // Collects the part names passed to onPart as they finish.
    let seen = Array::new();
    let collect = {
        let seen = seen.clone();
        Closure::<dyn FnMut(JsValue)>::new(move |row: JsValue| {
            seen.push(&field(&row, "part"));
        })
    };
    let callback: &Function = collect.as_ref().unchecked_ref();
    let report = JsFuture::from(solver.profile(options(r#"{"sampleCalls": 1, "wholeStep": true}"#), Some(callback.clone()), None)).await.unwrap();

    let parts = Array::from(&field(&report, "parts"));
    let names: Vec<String> = parts.iter().map(|row| field(&row, "part").as_string().unwrap()).collect();
    assert_eq!(names.len(), 6, "{names:?}");
    assert!(names[0].starts_with("attention ("), "{names:?}");
    assert!(names[1].starts_with("  of which softmax(q k^T) v ("), "{names:?}");
    assert!(names[5].starts_with("fine-tuning, not in the step: "), "{names:?}");
    assert_eq!(json(&seen), json(&Array::from_iter(names.iter().map(|name| JsValue::from_str(name)))));
    for row in parts.iter() {
        assert_eq!(field(&row, "timedCalls").as_f64(), Some(1.0), "{}", json(&row));
        for key in ["offMs", "onMs"] {
            let ms = field(&row, key).as_f64().unwrap();
            assert!(ms.is_finite(), "{key} in {}", json(&row));
            assert!(ms >= 0.0, "{key} in {}", json(&row));
        }
    }
    assert!(field(&report, "stepOnMs").as_f64().is_some(), "{}", json(&report));
    // The tests build without burn's fusion, so the kernels column is the kernels'.
    assert_eq!(field(&report, "fusion").as_bool(), Some(false), "{}", json(&report));
}
