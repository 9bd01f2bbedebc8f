//! `Solver.loadSudokuModel` and `Solver.solveSudoku` as JavaScript sees them,
//! in headless Chromium on the wasm CPU backend: every reported board equals
//! what `Model::evaluate` computes natively for the same weights and puzzle
//! (`sudoku_native.rs` checks those boards), cancelling stops within one
//! step, and bad input rejects with a readable `Error`.

#![cfg(target_arch = "wasm32")]

mod sudoku_fixture;

use js_sys::{Array, Function, Reflect};
use ponder_tasks::sudoku::Board;
use ponder_web::{Solver, parse_sudoku};
use sudoku_fixture::{CONFIG, EXPECTED_BOARDS, EXPECTED_Q_HALT, PUZZLE, Q_HALT_TOLERANCE, STEPS};
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn field(value: &JsValue, name: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(name)).unwrap()
}

fn message(error: JsValue) -> String {
    field(&error, "message").as_string().unwrap()
}

async fn cpu_solver_with_model() -> Solver {
    let solver = Solver::create("cpu".into()).await.unwrap();
    let info = solver.load_sudoku_model(CONFIG, &sudoku_fixture::weights_bytes(), "model.safetensors").unwrap();
    assert_eq!(field(&info, "haltMaxSteps").as_f64(), Some(STEPS as f64));
    solver
}

/// Returns a callback that appends every report to `reports`.
fn collector(reports: &Array) -> Closure<dyn FnMut(JsValue)> {
    let reports = reports.clone();
    Closure::new(move |report: JsValue| {
        reports.push(&report);
    })
}

#[wasm_bindgen_test]
async fn solve_sudoku_reports_native_boards() {
    let solver = cpu_solver_with_model().await;
    let reports = Array::new();
    let collect = collector(&reports);
    let on_step: &Function = collect.as_ref().unchecked_ref();

    let verdict = JsFuture::from(solver.solve_sudoku(PUZZLE.into(), None, Some(on_step.clone()), None)).await.unwrap();

    assert_eq!(reports.length() as usize, STEPS);
    for (index, expected) in EXPECTED_BOARDS.iter().enumerate() {
        let report = reports.get(index as u32);
        assert_eq!(field(&report, "step").as_f64(), Some((index + 1) as f64));
        assert_eq!(field(&report, "steps").as_f64(), Some(STEPS as f64));
        assert_eq!(field(&report, "board").as_string().as_deref(), Some(*expected), "step {}", index + 1);
        let q_halt = field(&report, "qHalt").as_f64().unwrap() as f32;
        assert!((q_halt - EXPECTED_Q_HALT[index]).abs() < Q_HALT_TOLERANCE, "step {}: q_halt {q_halt}", index + 1);
    }

    let puzzle = Board::parse(PUZZLE).unwrap();
    let last = Board::parse(EXPECTED_BOARDS[STEPS - 1]).unwrap();
    assert_eq!(field(&verdict, "board").as_string().as_deref(), Some(EXPECTED_BOARDS[STEPS - 1]));
    assert_eq!(field(&verdict, "solved").as_bool(), Some(last.solves(&puzzle)));
    assert_eq!(field(&verdict, "blanks").as_f64(), Some((81 - last.givens()) as f64));
    assert_eq!(field(&verdict, "conflicts").as_f64(), Some(last.conflicts().len() as f64));
    assert_eq!(field(&verdict, "steps").as_f64(), Some(STEPS as f64));
}

#[wasm_bindgen_test]
async fn solve_sudoku_honours_steps() {
    let solver = cpu_solver_with_model().await;
    let reports = Array::new();
    let collect = collector(&reports);
    let on_step: &Function = collect.as_ref().unchecked_ref();

    let verdict = JsFuture::from(solver.solve_sudoku(PUZZLE.into(), Some(3), Some(on_step.clone()), None)).await.unwrap();

    assert_eq!(reports.length(), 3);
    assert_eq!(field(&verdict, "board").as_string().as_deref(), Some(EXPECTED_BOARDS[2]));
}

#[wasm_bindgen_test]
async fn solve_sudoku_cancels_within_one_step() {
    let solver = cpu_solver_with_model().await;
    let controller = web_sys::AbortController::new().unwrap();
    let reports = Array::new();
    // Aborts after the second step's report; the third step must not run.
    let abort_at_two = Closure::<dyn FnMut(JsValue)>::new({
        let reports = reports.clone();
        let controller = controller.clone();
        move |report: JsValue| {
            reports.push(&report);
            if reports.length() == 2 {
                controller.abort();
            }
        }
    });
    let on_step: &Function = abort_at_two.as_ref().unchecked_ref();

    let error = JsFuture::from(solver.solve_sudoku(PUZZLE.into(), None, Some(on_step.clone()), Some(controller.signal())))
        .await
        .unwrap_err();

    assert_eq!(message(error), "solving was cancelled");
    assert_eq!(reports.length(), 2);
}

#[wasm_bindgen_test]
async fn solve_sudoku_rejects_bad_input() {
    let solver = Solver::create("cpu".into()).await.unwrap();
    let error = JsFuture::from(solver.solve_sudoku(PUZZLE.into(), None, None, None)).await.unwrap_err();
    assert_eq!(message(error), "no Sudoku model is loaded: call loadSudokuModel() first");

    let solver = cpu_solver_with_model().await;
    let error = JsFuture::from(solver.solve_sudoku("123".into(), None, None, None)).await.unwrap_err();
    assert_eq!(message(error), "invalid Sudoku: expected 81 cells, found 3");

    let error = JsFuture::from(solver.solve_sudoku(PUZZLE.into(), Some(0), None, None)).await.unwrap_err();
    assert_eq!(message(error), "invalid option steps = 0: expected at least 1");
}

#[wasm_bindgen_test]
async fn load_sudoku_model_rejects_arc_config() {
    let solver = Solver::create("cpu".into()).await.unwrap();
    let config = CONFIG.replace("\"seq_len\": 81", "\"seq_len\": 900");

    let error = solver.load_sudoku_model(&config, &sudoku_fixture::weights_bytes(), "model.safetensors").unwrap_err();

    assert_eq!(
        message(error.into()),
        "the model reads 900 tokens with a vocabulary of 11, but a Sudoku model reads 81 tokens with a vocabulary of 11"
    );
}

#[wasm_bindgen_test]
fn parse_sudoku_names_bad_cell() {
    assert_eq!(parse_sudoku(&PUZZLE.replace('.', "0")).unwrap(), PUZZLE);

    let bad = format!("{}x{}", &PUZZLE[..10], &PUZZLE[11..]);
    let error = parse_sudoku(&bad).unwrap_err();
    assert_eq!(message(error.into()), "cell 10 (row 1, column 1) is 'x', expected a digit 1-9, or `.` or `0` for a blank");
}
