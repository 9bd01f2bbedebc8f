//! Solving one Sudoku with a model trained on the official TRM Sudoku layout
//! (81 tokens, row-major, digit d as token d + 1, a blank as token 1): ACT
//! steps on the puzzle with puzzle identifier 0, the predicted board after
//! each step, and a verdict on the last one.
//!
//! As in `solve.rs`, results come back only through `into_data_async`, so the
//! same code runs in a browser worker and natively.

use std::ops::ControlFlow;

use burn::tensor::Device;
use ponder_model::{Model, TrmConfig};
use ponder_tasks::sudoku::{Board, CELLS, VOCAB_SIZE};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::solve::{SolveError, run_one_puzzle};

/// The report passed to the caller after every ACT step.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SudokuStep {
    /// ACT step just finished, from 1.
    pub step: usize,
    pub steps: usize,
    /// The predicted board in the 81-character format, with `.` where the
    /// model predicts a token that is not a digit (blank or PAD).
    pub board: String,
    /// sigmoid(q_halt logit): the model's confidence that the board is final.
    pub q_halt: f32,
}

/// The last step's board judged against the puzzle.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SudokuVerdict {
    pub board: String,
    /// Whether the board is complete, breaks no rule and keeps every given.
    pub solved: bool,
    /// Cells without a digit.
    pub blanks: usize,
    /// Pairs of equal digits in one row, column or box.
    pub conflicts: usize,
    /// Givens that the prediction replaced with another digit or a blank.
    pub changed_givens: usize,
    pub steps: usize,
}

/// Checks that `config` reads Sudoku boards: 81 tokens and a vocabulary of
/// PAD, blank and the nine digits.
pub fn check_sudoku_config(config: &TrmConfig) -> Result<(), SolveError> {
    if config.seq_len != CELLS || config.vocab_size != VOCAB_SIZE {
        return Err(SolveError::NotSudokuModel { seq_len: config.seq_len, vocab_size: config.vocab_size });
    }
    Ok(())
}

/// Runs `steps` ACT steps of `model` on `puzzle`, calling `on_step` after
/// each, and judges the last prediction. Every step runs, as in the official
/// evaluation. The solve is cancelled when `on_step` returns `Break`, or when
/// `is_cancelled` returns true, which is asked before every step.
pub async fn solve_sudoku(
    model: &Model,
    config: &TrmConfig,
    device: &Device,
    puzzle: &Board,
    steps: usize,
    mut on_step: impl FnMut(&SudokuStep) -> ControlFlow<()>,
    is_cancelled: impl Fn() -> bool,
) -> Result<SudokuVerdict, SolveError> {
    check_sudoku_config(config)?;

    let tokens = puzzle.to_tokens().into_iter().map(i32::from).collect();
    let report = |step, preds: &[i64], q_halt| on_step(&SudokuStep { step, steps, board: board_from_prediction(preds).to_string(), q_halt });
    let preds = run_one_puzzle(model, device, tokens, steps, report, is_cancelled).await?;

    Ok(judge(puzzle, &board_from_prediction(&preds), steps))
}

/// Reads predicted tokens as a board: token d + 1 is digit d, and any other
/// token (blank 1, PAD 0) leaves the cell blank.
pub fn board_from_prediction(tokens: &[i64]) -> Board {
    let mut cells = [0u8; CELLS];
    for (cell, &token) in cells.iter_mut().zip(tokens) {
        if (2..=10).contains(&token) {
            *cell = (token - 1) as u8;
        }
    }
    Board::from_cells(cells).unwrap_or(Board::EMPTY)
}

fn judge(puzzle: &Board, board: &Board, steps: usize) -> SudokuVerdict {
    let changed_givens = puzzle.cells().iter().zip(board.cells()).filter(|&(&given, &value)| given != 0 && given != value).count();
    SudokuVerdict {
        board: board.to_string(),
        solved: board.solves(puzzle),
        blanks: CELLS - board.givens(),
        conflicts: board.conflicts().len(),
        changed_givens,
        steps,
    }
}

/// Parses an 81-character Sudoku (digits 1-9, `.` or `0` for a blank,
/// whitespace around it ignored) and returns it with `.` for every blank.
/// Throws an `Error` that names the problem and the cell, as `ponder` does.
#[wasm_bindgen(js_name = parseSudoku)]
pub fn parse_sudoku(text: &str) -> Result<String, JsError> {
    Board::parse(text).map(|board| board.to_string()).map_err(|error| JsError::new(&error.to_string()))
}
