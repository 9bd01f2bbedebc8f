//! `solve_sudoku` natively: every reported board and q_halt must equal what
//! `Model::evaluate` computes for the same weights and puzzle, and both must
//! equal the boards that the browser test expects.

#![cfg(not(target_arch = "wasm32"))]

mod sudoku_fixture;

use std::cell::Cell;
use std::ops::ControlFlow;

use burn::tensor::{Device, Int, Tensor, TensorData};
use ponder_model::{Halting, Model, TrmBatch, TrmConfig};
use ponder_tasks::sudoku::Board;
use ponder_web::solve::SolveError;
use ponder_web::sudoku::{SudokuStep, board_from_prediction, solve_sudoku};
use sudoku_fixture::{EXPECTED_BOARDS, EXPECTED_Q_HALT, PUZZLE, Q_HALT_TOLERANCE, STEPS};

fn load(device: &Device) -> Model {
    Model::load(&sudoku_fixture::config(), &sudoku_fixture::weights(), device).unwrap()
}

fn puzzle() -> Board {
    Board::parse(PUZZLE).unwrap()
}

/// Boards and q_halt after each step, from `Model::evaluate`.
fn evaluate(model: &Model, device: &Device) -> Vec<(String, f32)> {
    let tokens: Vec<i32> = puzzle().to_tokens().into_iter().map(i32::from).collect();
    let batch = TrmBatch {
        inputs: Tensor::<2, Int>::from_data(TensorData::new(tokens, [1, 81]), device),
        puzzle_identifiers: Tensor::<1, Int>::from_data(TensorData::new(vec![0i32], [1]), device),
    };
    model
        .evaluate(&batch, STEPS, Halting::MaxSteps)
        .into_iter()
        .map(|output| {
            let preds = output.preds.into_data().convert::<i64>().try_to_vec::<i64>().unwrap();
            let q_halt_logit = output.q_halt_logits.into_data().convert::<f32>().try_to_vec::<f32>().unwrap()[0];
            (board_from_prediction(&preds).to_string(), 1.0 / (1.0 + (-q_halt_logit).exp()))
        })
        .collect()
}

fn run(model: &Model, device: &Device, steps: usize, is_cancelled: impl Fn() -> bool) -> (Vec<SudokuStep>, Result<ponder_web::sudoku::SudokuVerdict, SolveError>) {
    let mut reports = Vec::new();
    let result = pollster::block_on(solve_sudoku(model, &sudoku_fixture::config(), device, &puzzle(), steps, |report| {
        reports.push(report.clone());
        ControlFlow::Continue(())
    }, is_cancelled));
    (reports, result)
}

#[test]
fn fixture_puzzle_has_50_givens() {
    assert_eq!(puzzle().givens(), 50);
}

#[test]
fn evaluate_matches_expected_boards() {
    let device = Device::flex();
    let (boards, q_halts): (Vec<String>, Vec<f32>) = evaluate(&load(&device), &device).into_iter().unzip();

    assert_eq!(boards, EXPECTED_BOARDS, "q_halt per step: {q_halts:?}");
    for (step, q_halt) in q_halts.iter().enumerate() {
        assert!((q_halt - EXPECTED_Q_HALT[step]).abs() < Q_HALT_TOLERANCE, "step {}: q_halt {q_halt}, all: {q_halts:?}", step + 1);
    }
}

#[test]
fn solve_sudoku_reports_every_step() {
    let device = Device::flex();
    let model = load(&device);
    let expected = evaluate(&model, &device);

    let (reports, result) = run(&model, &device, STEPS, || false);
    let verdict = result.unwrap();

    assert_eq!(reports.len(), STEPS);
    for (index, report) in reports.iter().enumerate() {
        assert_eq!(report.step, index + 1);
        assert_eq!(report.steps, STEPS);
        assert_eq!(report.board, expected[index].0, "step {}", index + 1);
        assert_eq!(report.q_halt, expected[index].1, "step {}", index + 1);
    }
    let last = Board::parse(EXPECTED_BOARDS[STEPS - 1]).unwrap();
    assert_eq!(verdict.board, EXPECTED_BOARDS[STEPS - 1]);
    assert_eq!(verdict.steps, STEPS);
    assert_eq!(verdict.solved, last.solves(&puzzle()));
    assert_eq!(verdict.blanks, 81 - last.givens());
    assert_eq!(verdict.conflicts, last.conflicts().len());
}

#[test]
fn verdict_accepts_solution() {
    let solution = Board::parse("534678912672195348198342567859761423426853791713924856961537284287419635345286179").unwrap();
    assert!(solution.solves(&puzzle()), "the fixture puzzle comes from this solution");
}

#[test]
fn solve_sudoku_stops_when_cancelled() {
    let device = Device::flex();
    let model = load(&device);
    let asked = Cell::new(0);

    // The third check, before step 3, reports a cancel.
    let (reports, result) = run(&model, &device, STEPS, || {
        asked.set(asked.get() + 1);
        asked.get() > 2
    });

    assert_eq!(reports.len(), 2);
    assert!(matches!(result, Err(SolveError::Cancelled)), "{result:?}");
}

#[test]
fn solve_sudoku_rejects_arc_model() {
    let device = Device::flex();
    let config = TrmConfig::small_arc();
    let model = Model::load(&config, &ponder_model::initial_weights(&config, 0), &device).unwrap();

    let result = pollster::block_on(solve_sudoku(&model, &config, &device, &puzzle(), STEPS, |_| ControlFlow::Continue(()), || false));

    assert_eq!(
        result.unwrap_err().to_string(),
        "the model reads 900 tokens with a vocabulary of 12, but a Sudoku model reads 81 tokens with a vocabulary of 11"
    );
}

#[test]
fn solve_sudoku_rejects_zero_steps() {
    let device = Device::flex();
    let (reports, result) = run(&load(&device), &device, 0, || false);

    assert!(reports.is_empty());
    assert_eq!(result.unwrap_err().to_string(), "invalid option steps = 0: expected at least 1");
}
