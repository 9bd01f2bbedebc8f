//! Solving one maze with a model trained on the official TRM maze layout:
//! 900 tokens, a 30x30 board row-major, the characters `# SGo` as tokens 1
//! to 5. The model runs ACT steps on the maze with puzzle identifier 0, the
//! caller gets the predicted board after each step, and the verdict states
//! whether the last board draws a shortest path from S to G.
//!
//! As in `solve.rs`, results come back only through `into_data_async`, so the
//! same code runs in a browser worker and natively.

use std::ops::ControlFlow;

use burn::tensor::Device;
use ponder_model::{Model, TrmConfig};
use ponder_tasks::maze::{CELLS, Cell, Maze, SIDE, TRAINING_LOOPS, TRAINING_MIN_LENGTH, VOCAB_SIZE, generate};
use ponder_tasks::rng::Rng;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::solve::{SolveError, run_one_puzzle};

/// Stands for a predicted token that is no maze character (PAD).
pub const UNKNOWN_CELL: char = '?';

/// The report passed to the caller after every ACT step.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MazeStep {
    /// ACT step just finished, from 1.
    pub step: usize,
    pub steps: usize,
    /// The predicted board: 900 characters of `# SGo`, row-major, with
    /// [`UNKNOWN_CELL`] where the model predicts PAD.
    pub maze: String,
    /// sigmoid(q_halt logit): the model's confidence that the board is final.
    pub q_halt: f32,
}

/// The last step's board judged against the maze.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MazeVerdict {
    pub maze: String,
    /// Whether the path cells form a shortest path from S to G and nothing
    /// else changed.
    pub solved: bool,
    /// The reason the board is not a shortest path, when it is not.
    pub problem: Option<String>,
    /// Cells the model marked as path.
    pub path_cells: usize,
    /// Steps on a shortest path from S to G; a solution marks one fewer cells.
    pub shortest: usize,
    pub steps: usize,
}

/// Checks that `config` reads mazes: 900 tokens and a vocabulary of PAD and
/// the five maze characters.
pub fn check_maze_config(config: &TrmConfig) -> Result<(), SolveError> {
    if config.seq_len != CELLS || config.vocab_size != VOCAB_SIZE {
        return Err(SolveError::NotMazeModel { seq_len: config.seq_len, vocab_size: config.vocab_size });
    }
    Ok(())
}

/// Runs `steps` ACT steps of `model` on `maze`, calling `on_step` after each,
/// and judges the last prediction. The maze must have one start, one goal and
/// a route between them. Every step runs, as in the official evaluation. The
/// solve is cancelled when `on_step` returns `Break`, or when `is_cancelled`
/// returns true, which is asked before every step.
pub async fn solve_maze(
    model: &Model,
    config: &TrmConfig,
    device: &Device,
    maze: &Maze,
    steps: usize,
    mut on_step: impl FnMut(&MazeStep) -> ControlFlow<()>,
    is_cancelled: impl Fn() -> bool,
) -> Result<MazeVerdict, SolveError> {
    check_maze_config(config)?;
    maze.shortest_path_length()?;

    let tokens = maze.to_tokens().into_iter().map(i32::from).collect();
    let report = |step, preds: &[i64], q_halt| on_step(&MazeStep { step, steps, maze: maze_text(preds), q_halt });
    let prediction = run_one_puzzle(model, device, tokens, steps, report, is_cancelled).await?;

    Ok(judge(maze, &prediction, steps))
}

/// Writes predicted tokens as 900 characters, [`UNKNOWN_CELL`] for PAD.
pub fn maze_text(tokens: &[i64]) -> String {
    tokens.iter().map(|&token| Cell::from_token(token).map_or(UNKNOWN_CELL, Cell::char)).collect()
}

/// Judges predicted tokens against the maze they were predicted for.
pub fn judge(maze: &Maze, prediction: &[i64], steps: usize) -> MazeVerdict {
    let text = maze_text(prediction);
    let path_cells = text.chars().filter(|&cell| cell == Cell::Path.char()).count();
    let shortest = maze.shortest_path_length().unwrap_or(0);
    let problem = match text.find(UNKNOWN_CELL) {
        Some(index) => {
            let count = text.matches(UNKNOWN_CELL).count();
            let cells = if count == 1 { "cell is" } else { "cells are" };
            Some(format!("{count} {cells} PAD in the prediction, the first at row {}, column {}", index / SIDE + 1, index % SIDE + 1))
        }
        None => Maze::parse(&text).and_then(|predicted| maze.check_path(&predicted)).err().map(|error| error.to_string()),
    };
    MazeVerdict { maze: text, solved: problem.is_none(), problem, path_cells, shortest, steps }
}

/// Parses a maze: 30 lines of 30 characters of `# SGo` (wall, open, start,
/// goal, path), or all 900 on one line. Returns the 900 characters on one
/// line. Throws an `Error` that names the problem and its row and column.
#[wasm_bindgen(js_name = parseMaze)]
pub fn parse_maze(text: &str) -> Result<String, JsError> {
    Maze::parse_text(text).map(|maze| flat(&maze)).map_err(|error| JsError::new(&error.to_string()))
}

/// Returns the steps on a shortest path from S to G of a maze in the format
/// `parseMaze` reads. Throws an `Error` with the reason when there is none:
/// a parse error, no start or goal or more than one, or no route between them.
#[wasm_bindgen(js_name = shortestMazePath)]
pub fn shortest_maze_path(text: &str) -> Result<usize, JsError> {
    Maze::parse_text(text).and_then(|maze| maze.shortest_path_length()).map_err(|error| JsError::new(&error.to_string()))
}

/// Generates a maze like those `ponder train --preset maze` trains on (a
/// shortest path of at least 20 steps, loops), from `seed`. Returns its 900
/// characters on one line.
#[wasm_bindgen(js_name = generateMaze)]
pub fn generate_maze(seed: u32) -> Result<String, JsError> {
    let (maze, _) = generate(&mut Rng::new(u64::from(seed)), TRAINING_MIN_LENGTH, TRAINING_LOOPS, 1000).map_err(|error| JsError::new(&error.to_string()))?;
    Ok(flat(&maze))
}

fn flat(maze: &Maze) -> String {
    maze.cells().iter().map(|cell| cell.char()).collect()
}
