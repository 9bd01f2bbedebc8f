//! `Solver.loadUntrainedMazeModel`, `Solver.solveMaze` and the maze helpers
//! as JavaScript calls them, in headless Chromium on the wasm CPU backend.
//! Every reported board must equal the board that the model's own ACT steps
//! give in the same module for the same weights and maze, and bad input must
//! reject with a readable `Error`. `maze_native.rs` checks the solve natively.

#![cfg(target_arch = "wasm32")]

use burn::tensor::{Device, Int, Tensor, TensorData};
use js_sys::{Array, Function, Reflect};
use ponder_model::checkpoint::FloatFormat;
use ponder_model::{Halting, Model, TrmBatch, TrmConfig, initial_weights};
use ponder_tasks::maze::Maze;
use ponder_web::maze::{judge, maze_text};
use ponder_web::{Solver, generate_maze, parse_maze, shortest_maze_path};
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// ACT steps to run; each costs seconds on the wasm CPU backend.
const STEPS: usize = 2;

fn field(value: &JsValue, name: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(name)).unwrap()
}

fn message(error: JsValue) -> String {
    field(&error, "message").as_string().unwrap()
}

/// Predicted tokens after each step, from the ACT steps of the maze model
/// with weights from `seed`, run here on burn's CPU backend.
async fn act_steps(maze: &Maze, seed: u64) -> Vec<Vec<i64>> {
    let device = Device::flex();
    let config = TrmConfig::ponder_maze();
    let model = Model::load(&config, &initial_weights(&config, seed), &device).unwrap();
    let tokens: Vec<i32> = maze.to_tokens().into_iter().map(i32::from).collect();
    let batch = TrmBatch {
        inputs: Tensor::<2, Int>::from_data(TensorData::new(tokens, [1, 900]), &device),
        puzzle_identifiers: Tensor::<1, Int>::from_data(TensorData::new(vec![0i32], [1]), &device),
    };
    let mut carry = model.initial_act_carry(&batch);
    let mut predictions = Vec::new();
    for _ in 0..STEPS {
        let (next, output) = model.act_step(carry, &batch, Halting::MaxSteps, None);
        carry = next;
        let data = output.preds.into_data_async().await.unwrap();
        predictions.push(data.convert::<i64>().try_to_vec::<i64>().unwrap());
    }
    predictions
}

#[wasm_bindgen_test]
async fn solve_maze_reports_native_boards() {
    let solver = Solver::create("cpu".into()).await.unwrap();
    let info = solver.load_untrained_maze_model().unwrap();
    assert_eq!(field(&info, "name").as_string().as_deref(), Some("untrained maze TRM, hidden 64, seed 0"));
    assert_eq!(field(&info, "trained").as_bool(), Some(false));
    assert_eq!(field(&info, "haltMaxSteps").as_f64(), Some(8.0));

    let text = generate_maze(1).unwrap();
    let maze = Maze::parse(&text).unwrap();
    let expected = act_steps(&maze, 0).await;
    let reports = Array::new();
    let collect = Closure::<dyn FnMut(JsValue)>::new({
        let reports = reports.clone();
        move |report: JsValue| {
            reports.push(&report);
        }
    });
    let on_step: &Function = collect.as_ref().unchecked_ref();

    let verdict = JsFuture::from(solver.solve_maze(text, Some(STEPS), Some(on_step.clone()), None)).await.unwrap();

    assert_eq!(reports.length() as usize, STEPS);
    for (index, tokens) in expected.iter().enumerate() {
        let report = reports.get(index as u32);
        assert_eq!(field(&report, "step").as_f64(), Some((index + 1) as f64));
        assert_eq!(field(&report, "maze").as_string(), Some(maze_text(tokens)), "step {}", index + 1);
        let q_halt = field(&report, "qHalt").as_f64().unwrap();
        assert!((0.0..=1.0).contains(&q_halt), "q_halt {q_halt}");
    }
    let judged = judge(&maze, &expected[STEPS - 1], STEPS);
    assert_eq!(field(&verdict, "maze").as_string(), Some(judged.maze));
    assert_eq!(field(&verdict, "solved").as_bool(), Some(judged.solved));
    assert_eq!(field(&verdict, "problem").as_string(), judged.problem);
    assert_eq!(field(&verdict, "shortest").as_f64(), Some(maze.shortest_path_length().unwrap() as f64));
}

#[wasm_bindgen_test]
async fn solve_maze_rejects_bad_input() {
    let solver = Solver::create("cpu".into()).await.unwrap();
    let maze = generate_maze(1).unwrap();
    let error = JsFuture::from(solver.solve_maze(maze.clone(), None, None, None)).await.unwrap_err();
    assert_eq!(message(error), "no maze model is loaded: call loadMazeModel() or loadUntrainedMazeModel() first");

    solver.load_untrained_maze_model().unwrap();
    let error = JsFuture::from(solver.solve_maze("##".into(), None, None, None)).await.unwrap_err();
    assert_eq!(message(error), "invalid maze: expected 900 cells, found 2");

    let two_starts = maze.replacen('#', "S", 1);
    let error = JsFuture::from(solver.solve_maze(two_starts, None, None, None)).await.unwrap_err();
    assert_eq!(message(error), "invalid maze: maze has 2 start cells, expected exactly one");

    let error = JsFuture::from(solver.solve_maze(maze, Some(0), None, None)).await.unwrap_err();
    assert_eq!(message(error), "invalid option steps = 0: expected at least 1");
}

#[wasm_bindgen_test]
async fn load_maze_model_reads_train_output() {
    // The two files that `ponder train --preset maze` writes, with weights from another seed.
    let config = TrmConfig::ponder_maze();
    let config_json = serde_json::to_string_pretty(&config).unwrap();
    let weights = initial_weights(&config, 5).to_safetensors(FloatFormat::F32).unwrap();
    let solver = Solver::create("cpu".into()).await.unwrap();

    let info = solver.load_maze_model(&config_json, &weights, "model.safetensors").unwrap();

    assert_eq!(field(&info, "name").as_string().as_deref(), Some("model.safetensors"));
    assert_eq!(field(&info, "trained").as_bool(), Some(true));
    assert_eq!(field(&info, "parameters").as_f64(), Some(132_098.0));
    let text = generate_maze(2).unwrap();
    let expected = act_steps(&Maze::parse(&text).unwrap(), 5).await;
    let verdict = JsFuture::from(solver.solve_maze(text, Some(STEPS), None, None)).await.unwrap();
    assert_eq!(field(&verdict, "maze").as_string(), Some(maze_text(&expected[STEPS - 1])));
}

#[wasm_bindgen_test]
async fn load_maze_model_rejects_sudoku_config() {
    let solver = Solver::create("cpu".into()).await.unwrap();
    let config = r#"{
        "seq_len": 81, "vocab_size": 11,
        "puzzle_emb_ndim": 0, "puzzle_emb_len": 0, "num_puzzle_identifiers": 1,
        "H_cycles": 2, "L_cycles": 2, "H_layers": 0, "L_layers": 2,
        "hidden_size": 64, "expansion": 4, "num_heads": 2, "mlp_t": true,
        "pos_encodings": "none", "halt_max_steps": 8, "halt_exploration_prob": 0.1,
        "forward_dtype": "float32", "no_ACT_continue": true
    }"#;

    let error = solver.load_maze_model(config, &[], "model.safetensors").unwrap_err();

    assert_eq!(
        message(error.into()),
        "the model reads 81 tokens with a vocabulary of 11, but a maze model reads 900 tokens with a vocabulary of 6"
    );
}

#[wasm_bindgen_test]
fn parse_maze_names_row_and_column() {
    let maze = generate_maze(3).unwrap();
    let lines: Vec<&str> = (0..30).map(|row| &maze[row * 30..(row + 1) * 30]).collect();
    assert_eq!(parse_maze(&lines.join("\n")).unwrap(), maze);
    assert_eq!(parse_maze(&maze).unwrap(), maze);

    let typo = lines.join("\n").replacen('#', "x", 1);
    assert_eq!(message(parse_maze(&typo).unwrap_err().into()), "row 1, column 1 is 'x', expected one of `# SGo`");
    assert_eq!(message(parse_maze(&lines[..3].join("\n")).unwrap_err().into()), "expected 30 lines of 30 characters, found 3 lines");
}

#[wasm_bindgen_test]
fn shortest_path_names_missing_goal() {
    let maze = generate_maze(1).unwrap();
    let expected = Maze::parse(&maze).unwrap().shortest_path_length().unwrap();
    assert_eq!(shortest_maze_path(&maze).unwrap(), expected);

    let no_goal = maze.replace('G', " ");
    assert_eq!(message(shortest_maze_path(&no_goal).unwrap_err().into()), "maze has 0 goal cells, expected exactly one");
}
