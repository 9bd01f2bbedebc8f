//! `solve_maze` natively, with the untrained maze model that the web app
//! falls back to. Every reported board and q_halt must equal what
//! `Model::evaluate` computes for the same weights and maze. The verdict
//! must judge the last board as `Maze::check_path` does. The judge and the
//! generator the page uses are checked on known boards.

#![cfg(not(target_arch = "wasm32"))]

use std::cell::Cell as Counter;
use std::ops::ControlFlow;

use burn::tensor::{Device, Int, Tensor, TensorData};
use ponder_model::{Halting, Model, TrmBatch, TrmConfig, initial_weights};
use ponder_tasks::maze::{Cell, Maze, SIDE, TRAINING_MIN_LENGTH};
use ponder_web::maze::{MazeStep, MazeVerdict, generate_maze, judge, maze_text, solve_maze};
use ponder_web::solve::SolveError;

/// ACT steps the solve tests run: the reports and the verdict do not depend
/// on how many, and each step of a 900-token model costs seconds.
const STEPS: usize = 2;

fn untrained(device: &Device) -> (Model, TrmConfig) {
    let config = TrmConfig::ponder_maze();
    let model = Model::load(&config, &initial_weights(&config, 0), device).unwrap();
    (model, config)
}

fn generated(seed: u32) -> Maze {
    Maze::parse(&generate_maze(seed).unwrap()).unwrap()
}

/// Predicted tokens and q_halt after each step, from `Model::evaluate`.
fn evaluate(model: &Model, maze: &Maze, device: &Device) -> Vec<(Vec<i64>, f32)> {
    let tokens: Vec<i32> = maze.to_tokens().into_iter().map(i32::from).collect();
    let batch = TrmBatch {
        inputs: Tensor::<2, Int>::from_data(TensorData::new(tokens, [1, 900]), device),
        puzzle_identifiers: Tensor::<1, Int>::from_data(TensorData::new(vec![0i32], [1]), device),
    };
    model
        .evaluate(&batch, STEPS, Halting::MaxSteps)
        .into_iter()
        .map(|output| {
            let preds = output.preds.into_data().convert::<i64>().try_to_vec::<i64>().unwrap();
            let q_halt_logit = output.q_halt_logits.into_data().convert::<f32>().try_to_vec::<f32>().unwrap()[0];
            (preds, 1.0 / (1.0 + (-q_halt_logit).exp()))
        })
        .collect()
}

fn run(model: &Model, config: &TrmConfig, maze: &Maze, device: &Device, is_cancelled: impl Fn() -> bool) -> (Vec<MazeStep>, Result<MazeVerdict, SolveError>) {
    let mut reports = Vec::new();
    let on_step = |report: &MazeStep| {
        reports.push(report.clone());
        ControlFlow::Continue(())
    };
    let result = pollster::block_on(solve_maze(model, config, device, maze, STEPS, on_step, is_cancelled));
    (reports, result)
}

fn tokens(maze: &Maze) -> Vec<i64> {
    maze.to_tokens().into_iter().map(i64::from).collect()
}

#[test]
fn solve_maze_reports_every_step() {
    let device = Device::flex();
    let (model, config) = untrained(&device);
    let maze = generated(1);
    let expected = evaluate(&model, &maze, &device);

    let (reports, result) = run(&model, &config, &maze, &device, || false);
    let verdict = result.unwrap();

    assert_eq!(reports.len(), STEPS);
    for (index, report) in reports.iter().enumerate() {
        assert_eq!(report.step, index + 1);
        assert_eq!(report.steps, STEPS);
        assert_eq!(report.maze, maze_text(&expected[index].0), "step {}", index + 1);
        assert_eq!(report.q_halt, expected[index].1, "step {}", index + 1);
    }
    assert_eq!(verdict, judge(&maze, &expected[STEPS - 1].0, STEPS));
}

#[test]
fn solve_maze_stops_when_cancelled() {
    let device = Device::flex();
    let (model, config) = untrained(&device);
    let checks = Counter::new(0);

    // The second check, before step 2, reports a cancel.
    let (reports, result) = run(&model, &config, &generated(1), &device, || {
        checks.set(checks.get() + 1);
        checks.get() > 1
    });

    assert_eq!(reports.len(), 1);
    assert!(matches!(result, Err(SolveError::Cancelled)), "{result:?}");
}

#[test]
fn solve_maze_rejects_other_models_and_bad_mazes() {
    let device = Device::flex();
    let config = TrmConfig::small_arc();
    let model = Model::load(&config, &initial_weights(&config, 0), &device).unwrap();
    let (_, result) = run(&model, &config, &generated(1), &device, || false);
    assert_eq!(
        result.unwrap_err().to_string(),
        "the model reads 900 tokens with a vocabulary of 12, but a maze model reads 900 tokens with a vocabulary of 6"
    );

    let (model, config) = untrained(&device);
    let walled_in = generated(1).to_string().replace('G', "#");
    let (reports, result) = run(&model, &config, &Maze::parse_text(&walled_in).unwrap(), &device, || false);
    assert_eq!(result.unwrap_err().to_string(), "invalid maze: maze has 0 goal cells, expected exactly one");
    assert!(reports.is_empty());
}

#[test]
fn judge_accepts_a_shortest_path() {
    let maze = generated(1);
    let solved = maze.solved().unwrap();
    let shortest = maze.shortest_path_length().unwrap();

    let verdict = judge(&maze, &tokens(&solved), 8);

    assert_eq!(
        verdict,
        MazeVerdict { maze: maze_text(&tokens(&solved)), solved: true, problem: None, path_cells: shortest - 1, shortest, steps: 8 }
    );
}

#[test]
fn judge_names_what_is_wrong() {
    let maze = generated(1);
    let solved = tokens(&maze.solved().unwrap());
    let problem = |prediction: &[i64]| judge(&maze, prediction, 1).problem;

    // The maze itself: no path drawn.
    assert_eq!(problem(&tokens(&maze)).as_deref(), Some("path cells do not connect the start to the goal"));

    // PAD in the top-left corner and one more cell.
    let mut padded = solved.clone();
    padded[0] = 0;
    padded[SIDE + 5] = 0;
    assert_eq!(problem(&padded).as_deref(), Some("2 cells are PAD in the prediction, the first at row 1, column 1"));

    // A path cell drawn on the border wall at row 1, column 3.
    let mut through_wall = solved.clone();
    through_wall[2] = i64::from(Cell::Path.token());
    assert_eq!(
        problem(&through_wall).as_deref(),
        Some("row 1, column 3 is 'o' in the prediction but '#' in the maze; only open cells may become path")
    );

    let verdict = judge(&maze, &padded, 1);
    assert!(!verdict.solved);
    assert_eq!(verdict.maze.chars().filter(|&cell| cell == '?').count(), 2);
}

#[test]
fn generated_mazes_are_seeded_and_long() {
    let first = generate_maze(1).unwrap();
    assert_eq!(first.chars().count(), 900);
    assert_eq!(generate_maze(1).unwrap(), first);
    assert_ne!(generate_maze(2).unwrap(), first);

    let maze = Maze::parse(&first).unwrap();
    assert!(maze.shortest_path_length().unwrap() >= TRAINING_MIN_LENGTH);
    assert!(!first.contains('o'), "a generated maze has no path drawn");
}
