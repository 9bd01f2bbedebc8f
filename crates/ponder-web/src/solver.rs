//! The `Solver` class that JavaScript uses: a backend, a model, and
//! `solve()` with per-step progress and cancellation.

use std::cell::RefCell;
use std::ops::ControlFlow;
use std::rc::Rc;

use js_sys::{Function, Promise};
use ponder_model::checkpoint::{HostTensor, StateDict};
use ponder_model::train::FinetuneMode;
use ponder_model::{Family, Model, TrmConfig, initial_weights};
use ponder_tasks::Task;
use ponder_tasks::maze::Maze;
use ponder_tasks::sudoku::Board;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::backend::{BackendChoice, BackendRequest, acquire};
use crate::finetune::{FinetuneOptions, Finetuned, finetune};
use crate::profile::{PartReport, ProfileOptions, profile_step};
use crate::shard::TaskShard;
use crate::maze::{MazeStep, check_maze_config, solve_maze};
use crate::solve::{RunSettings, SolveError, SolveOptions, solve, solve_planned};
use crate::sudoku::{SudokuStep, check_sudoku_config, solve_sudoku};

/// Seed of the embedded default model's weights.
pub const DEFAULT_MODEL_SEED: u64 = 0;
const PUZZLE_EMB_KEY: &str = "puzzle_emb.weights";

/// What the page shows about the loaded model.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelInfo {
    pub name: String,
    pub family: &'static str,
    /// False for the embedded default, whose weights are random.
    pub trained: bool,
    pub parameters: usize,
    pub hidden_size: usize,
    pub h_cycles: usize,
    pub l_cycles: usize,
    pub halt_max_steps: usize,
}

/// A model ready to run on the solver's device, with the weights it was
/// built from (fine-tuning builds its own copy on the autodiff device).
pub struct LoadedModel {
    pub model: Model,
    pub config: TrmConfig,
    pub weights: StateDict,
}

/// The options object of `solve()`, every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SolveOptionsInput {
    augmentations: Option<usize>,
    steps: Option<usize>,
    early_halting: Option<bool>,
    batch_size: Option<usize>,
    seed: Option<u64>,
    puzzle_identifier: Option<usize>,
    /// The task's id, which selects a loaded embedding shard.
    task_id: Option<String>,
}

/// The options object of `profile()`, every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ProfileOptionsInput {
    batch: Option<usize>,
    sample_calls: Option<usize>,
    whole_step: Option<bool>,
}

/// The options object of `finetune()`, every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FinetuneOptionsInput {
    steps: Option<usize>,
    time_budget_ms: Option<f64>,
    augmentations: Option<usize>,
    mode: Option<String>,
    lr: Option<f64>,
    puzzle_emb_lr: Option<f64>,
    batch_size: Option<usize>,
    warmup_steps: Option<usize>,
    translate: Option<bool>,
    permute_colours: Option<bool>,
    seed: Option<u64>,
}

struct SolverState {
    choice: BackendChoice,
    model: Option<Rc<LoadedModel>>,
    /// The model fine-tuned on one task; `solve()` uses it for that task.
    finetuned: Option<Rc<Finetuned>>,
    /// One task's trained puzzle rows from `ponder convert`; `solve()` uses
    /// them when its `taskId` option names that task.
    shard: Option<Rc<TaskShard>>,
    /// The Sudoku model, kept apart from the ARC model so that a page can use both.
    sudoku: Option<Rc<LoadedModel>>,
    /// The maze model, likewise.
    maze: Option<Rc<LoadedModel>>,
}

impl SolverState {
    /// Returns the loaded ARC model, or the error that `solve()`, `finetune()` and `profile()` reject with.
    fn loaded_model(&self) -> Result<Rc<LoadedModel>, JsValue> {
        self.model
            .clone()
            .ok_or_else(|| JsValue::from(JsError::new("no model is loaded: call loadDefaultModel() or loadModel() first")))
    }
}

/// A TRM or HRM solver on one backend. Create it with `await Solver.create("auto")`.
#[wasm_bindgen]
pub struct Solver {
    state: Rc<RefCell<SolverState>>,
}

#[wasm_bindgen]
impl Solver {
    /// Resolves to a solver on `"webgpu"`, `"cpu"` or `"auto"` (WebGPU when it
    /// initialises, else the CPU; `fallbackReason` then gives the reason).
    pub async fn create(backend: String) -> Result<Solver, JsError> {
        let request: BackendRequest = backend.parse().map_err(to_js_error)?;
        let choice = acquire(request).await.map_err(to_js_error)?;
        Ok(Solver { state: Rc::new(RefCell::new(SolverState { choice, model: None, finetuned: None, shard: None, sudoku: None, maze: None })) })
    }

    /// `"webgpu"` or `"cpu"`.
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.state.borrow().choice.backend.to_string()
    }

    /// The GPU adapter's description, or `"CPU (burn Flex)"`.
    #[wasm_bindgen(getter)]
    pub fn adapter(&self) -> String {
        self.state.borrow().choice.adapter.clone()
    }

    /// Why `"auto"` fell back to the CPU, or `undefined`.
    #[wasm_bindgen(getter, js_name = fallbackReason)]
    pub fn fallback_reason(&self) -> Option<String> {
        self.state.borrow().choice.fallback_reason.clone()
    }

    /// Loads the embedded default: Ponder's own ARC architecture (hidden 64,
    /// the model `ponder train --preset arc` trains) with untrained weights
    /// from a fixed seed. Returns the model's description.
    #[wasm_bindgen(js_name = loadDefaultModel)]
    pub fn load_default_model(&self) -> Result<JsValue, JsError> {
        let config = TrmConfig::ponder_arc(1);
        let weights = initial_weights(&config, DEFAULT_MODEL_SEED);
        let name = format!("untrained TRM, hidden 64, seed {DEFAULT_MODEL_SEED}");
        self.install(config, weights, name, false)
    }

    /// Loads the released ARC-AGI-1 shape (hidden 512) with untrained weights
    /// from a fixed seed: the model that the bench page and `ponder bench`
    /// time. Returns the model's description.
    #[wasm_bindgen(js_name = loadArcAgi1Shape)]
    pub fn load_arc_agi_1_shape(&self) -> Result<JsValue, JsError> {
        let config = TrmConfig::arc_agi_1(1);
        let weights = initial_weights(&config, DEFAULT_MODEL_SEED);
        let name = format!("untrained TRM, ARC-AGI-1 shape, seed {DEFAULT_MODEL_SEED}");
        self.install(config, weights, name, false)
    }

    /// Loads a model from its config (JSON with the official field names) and
    /// weights (`.safetensors` or PyTorch `.pt` bytes). `meanRow`, optional,
    /// is the `mean.safetensors` that `ponder convert` writes; it fills the
    /// puzzle-embedding row used for tasks the checkpoint has no row for.
    #[wasm_bindgen(js_name = loadModel)]
    pub fn load_model(
        &self,
        config_json: &str,
        weights: &[u8],
        file_name: &str,
        mean_row: Option<Vec<u8>>,
    ) -> Result<JsValue, JsError> {
        let mut config = TrmConfig::from_json_str(config_json).map_err(|error| JsError::new(&format!("invalid model config: {error}")))?;
        let mut state_dict = StateDict::from_bytes(weights, file_name).map_err(to_js_error)?;
        prepare_puzzle_embedding(&mut config, &mut state_dict, mean_row.as_deref())?;
        self.install(config, state_dict, file_name.to_string(), true)
    }

    /// Solves test input `testIndex` of a task given as single-task JSON.
    /// Calls `onStep(report)` after every ACT step and resolves to
    /// `{ attempts, tally, stepsUsed }`. Rejects with "solving was cancelled"
    /// within one step after `signal` aborts.
    pub fn solve(
        &self,
        task_json: String,
        test_index: usize,
        options: JsValue,
        on_step: Option<Function>,
        signal: Option<web_sys::AbortSignal>,
    ) -> Promise {
        let state = self.state.clone();
        future_to_promise(async move {
            let task = Task::from_json("task", &task_json).map_err(|problems| JsValue::from(JsError::new(&problems.to_string())))?;
            let (options, task_id) = parse_options(options).map_err(JsValue::from)?;
            let (model, finetuned, shard, device) = {
                let state = state.borrow();
                let model = state.loaded_model()?;
                let finetuned = state.finetuned.clone().filter(|finetuned| finetuned.is_for(&task));
                let shard = state.shard.clone().filter(|shard| task_id.as_deref() == Some(shard.task_id.as_str()));
                (model, finetuned, shard, state.choice.device.clone())
            };

            let mut callback_error = None;
            let is_cancelled = || signal.as_ref().is_some_and(|signal| signal.aborted());
            let on_report = |report: &crate::solve::StepReport| call_back(on_step.as_ref(), report, &mut callback_error);
            let settings = RunSettings::from(&options);
            let result = match (&finetuned, &shard) {
                (Some(finetuned), _) => finetuned.solve(&device, test_index, settings, on_report, is_cancelled).await,
                (None, Some(shard)) => match task.test.get(test_index) {
                    Some(test) => {
                        // A shard of an official dataset has hundreds of augmentations; `augmentations` caps them.
                        let plan = &shard.plan[..options.augmentations.min(shard.plan.len())];
                        solve_planned(&shard.model, &device, &test.input, plan, settings, on_report, is_cancelled).await
                    }
                    None => Err(crate::solve::SolveError::NoSuchTest { index: test_index, count: task.test.len() }),
                },
                (None, None) => solve(&model.model, &model.config, &device, &task, test_index, &options, on_report, is_cancelled).await,
            };

            if let Some(error) = callback_error {
                return Err(error);
            }
            let result = result.map_err(|error| JsValue::from(to_js_error(error)))?;
            serde_wasm_bindgen::to_value(&result).map_err(|error| JsValue::from(JsError::new(&error.to_string())))
        })
    }

    /// Loads one task's puzzle-embedding shard (`puzzle_emb/tasks/*.safetensors`
    /// from `ponder convert`) for the loaded model. `solve()` with the option
    /// `taskId` equal to the shard's task then runs every augmented test input
    /// the shard has a row for (the first `augmentations` of them), each with
    /// its trained row, as the official evaluation does. Returns `{ taskId, rows }`.
    #[wasm_bindgen(js_name = loadEmbeddingShard)]
    pub fn load_embedding_shard(&self, bytes: &[u8], file_name: &str) -> Result<JsValue, JsError> {
        let (model, device) = {
            let state = self.state.borrow();
            let model = state.model.clone().ok_or_else(|| JsError::new("no model is loaded: load the checkpoint the shard belongs to first"))?;
            (model, state.choice.device.clone())
        };
        let shard = TaskShard::load(&model.model, &model.config, bytes, file_name, &device).map_err(to_js_error)?;
        let info = serde_wasm_bindgen::to_value(&shard.info()).map_err(to_js_error)?;
        self.state.borrow_mut().shard = Some(Rc::new(shard));
        Ok(info)
    }

    /// Fine-tunes the loaded model on a task's demonstration pairs (single-task
    /// JSON). Calls `onStep(progress)` after every step with the loss and the
    /// accuracy on the demonstrations. Stops after `options.steps`, when
    /// `options.timeBudgetMs` has passed, or within one step after `signal`
    /// aborts. In every case it keeps the state of the step with the lowest
    /// cross-entropy on the demonstrations, which `solve()` then uses for
    /// this task. Resolves to `{ stepsRun, stopped, best, augmentations }`.
    pub fn finetune(&self, task_json: String, options: JsValue, on_step: Option<Function>, signal: Option<web_sys::AbortSignal>) -> Promise {
        let state = self.state.clone();
        future_to_promise(async move {
            let task = Task::from_json("task", &task_json).map_err(|problems| JsValue::from(JsError::new(&problems.to_string())))?;
            let options = parse_finetune_options(options).map_err(JsValue::from)?;
            let (model, device) = {
                let state = state.borrow();
                let model = state.loaded_model()?;
                (model, state.choice.device.clone())
            };

            let started = js_sys::Date::now();
            let mut callback_error = None;
            let is_cancelled = || signal.as_ref().is_some_and(|signal| signal.aborted());
            let on_progress = |progress: &crate::finetune::FinetuneProgress| call_back(on_step.as_ref(), progress, &mut callback_error);
            let result = finetune(&model.weights, &model.config, &device, "task", &task, &options, on_progress, is_cancelled, || js_sys::Date::now() - started).await;

            if let Some(error) = callback_error {
                return Err(error);
            }
            let (finetuned, summary) = result.map_err(|error| JsValue::from(to_js_error(error)))?;
            state.borrow_mut().finetuned = Some(Rc::new(finetuned));
            serde_wasm_bindgen::to_value(&summary).map_err(|error| JsValue::from(JsError::new(&error.to_string())))
        })
    }

    /// Forgets the fine-tuned model, so that `solve()` uses the loaded one again.
    #[wasm_bindgen(js_name = clearFinetuned)]
    pub fn clear_finetuned(&self) {
        self.state.borrow_mut().finetuned = None;
    }

    /// Loads the model that `solveSudoku()` uses, beside the ARC model, from
    /// its config (JSON with the official field names) and weights
    /// (`.safetensors` or PyTorch `.pt` bytes). The config must describe
    /// Sudoku boards: `seq_len` 81 and `vocab_size` 11. Returns the model's description.
    #[wasm_bindgen(js_name = loadSudokuModel)]
    pub fn load_sudoku_model(&self, config_json: &str, weights: &[u8], file_name: &str) -> Result<JsValue, JsError> {
        let (config, state_dict) = read_model_files(config_json, weights, file_name, check_sudoku_config)?;
        let (loaded, info) = self.build(config, state_dict, file_name.to_string(), true)?;
        self.state.borrow_mut().sudoku = Some(loaded);
        Ok(info)
    }

    /// Loads the model that `solveMaze()` uses, beside the others, from its
    /// config and weights, as `loadSudokuModel()` does. The config must
    /// describe mazes: `seq_len` 900 and `vocab_size` 6. Returns the model's
    /// description.
    #[wasm_bindgen(js_name = loadMazeModel)]
    pub fn load_maze_model(&self, config_json: &str, weights: &[u8], file_name: &str) -> Result<JsValue, JsError> {
        let (config, state_dict) = read_model_files(config_json, weights, file_name, check_maze_config)?;
        let (loaded, info) = self.build(config, state_dict, file_name.to_string(), true)?;
        self.state.borrow_mut().maze = Some(loaded);
        Ok(info)
    }

    /// Loads Ponder's maze architecture (the model `ponder train --preset
    /// maze` trains) with untrained weights from a fixed seed, for
    /// `solveMaze()`, until a trained maze model ships. Returns the model's
    /// description.
    #[wasm_bindgen(js_name = loadUntrainedMazeModel)]
    pub fn load_untrained_maze_model(&self) -> Result<JsValue, JsError> {
        let config = TrmConfig::ponder_maze();
        let weights = initial_weights(&config, DEFAULT_MODEL_SEED);
        let name = format!("untrained maze TRM, hidden 64, seed {DEFAULT_MODEL_SEED}");
        let (loaded, info) = self.build(config, weights, name, false)?;
        self.state.borrow_mut().maze = Some(loaded);
        Ok(info)
    }

    /// Solves a maze (30 lines of 30 characters of `# SGo`, or the 900 on one
    /// line) with the model from `loadMazeModel()` or
    /// `loadUntrainedMazeModel()`, running `steps` ACT steps (the config's
    /// `halt_max_steps` when undefined) with puzzle identifier 0. Calls
    /// `onStep({ step, steps, maze, qHalt })` after every step and resolves to
    /// `{ maze, solved, problem, pathCells, shortest, steps }` for the last
    /// board. Rejects a maze without exactly one S and one G or without a
    /// route between them, and with "solving was cancelled" within one step
    /// after `signal` aborts.
    #[wasm_bindgen(js_name = solveMaze)]
    pub fn solve_maze(&self, maze: String, steps: Option<usize>, on_step: Option<Function>, signal: Option<web_sys::AbortSignal>) -> Promise {
        let state = self.state.clone();
        future_to_promise(async move {
            let maze = Maze::parse_text(&maze).map_err(|error| JsValue::from(JsError::new(&format!("invalid maze: {error}"))))?;
            let (model, device) = {
                let state = state.borrow();
                let model = state
                    .maze
                    .clone()
                    .ok_or_else(|| JsValue::from(JsError::new("no maze model is loaded: call loadMazeModel() or loadUntrainedMazeModel() first")))?;
                (model, state.choice.device.clone())
            };
            let steps = steps.unwrap_or(model.config.halt_max_steps);

            let mut callback_error = None;
            let is_cancelled = || signal.as_ref().is_some_and(|signal| signal.aborted());
            let on_report = |report: &MazeStep| call_back(on_step.as_ref(), report, &mut callback_error);
            let result = solve_maze(&model.model, &model.config, &device, &maze, steps, on_report, is_cancelled).await;

            if let Some(error) = callback_error {
                return Err(error);
            }
            let verdict = result.map_err(|error| JsValue::from(to_js_error(error)))?;
            serde_wasm_bindgen::to_value(&verdict).map_err(|error| JsValue::from(JsError::new(&error.to_string())))
        })
    }

    /// Solves an 81-character Sudoku (digits 1-9, `.` or `0` for a blank)
    /// with the model from `loadSudokuModel()`, running `steps` ACT steps (the
    /// config's `halt_max_steps` when undefined) with puzzle identifier 0.
    /// Calls `onStep({ step, steps, board, qHalt })` after every step and
    /// resolves to `{ board, solved, blanks, conflicts, changedGivens, steps }`
    /// for the last board. Rejects with "solving was cancelled" within one
    /// step after `signal` aborts.
    #[wasm_bindgen(js_name = solveSudoku)]
    pub fn solve_sudoku(&self, puzzle: String, steps: Option<usize>, on_step: Option<Function>, signal: Option<web_sys::AbortSignal>) -> Promise {
        let state = self.state.clone();
        future_to_promise(async move {
            let puzzle = Board::parse(&puzzle).map_err(|error| JsValue::from(JsError::new(&format!("invalid Sudoku: {error}"))))?;
            let (model, device) = {
                let state = state.borrow();
                let model = state
                    .sudoku
                    .clone()
                    .ok_or_else(|| JsValue::from(JsError::new("no Sudoku model is loaded: call loadSudokuModel() first")))?;
                (model, state.choice.device.clone())
            };
            let steps = steps.unwrap_or(model.config.halt_max_steps);

            let mut callback_error = None;
            let is_cancelled = || signal.as_ref().is_some_and(|signal| signal.aborted());
            let on_report = |report: &SudokuStep| call_back(on_step.as_ref(), report, &mut callback_error);
            let result = solve_sudoku(&model.model, &model.config, &device, &puzzle, steps, on_report, is_cancelled).await;

            if let Some(error) = callback_error {
                return Err(error);
            }
            let verdict = result.map_err(|error| JsValue::from(to_js_error(error)))?;
            serde_wasm_bindgen::to_value(&verdict).map_err(|error| JsValue::from(JsError::new(&error.to_string())))
        })
    }

    /// Profiles one ACT step of the loaded ARC model: each part of the TRM
    /// block timed on its own with the hand-written kernels off and on, as
    /// `ponder bench --profile` does. Options: `batch` (1), `sampleCalls` (how
    /// many calls of each part to time, scaled to the step's count; all of
    /// them by default) and `wholeStep` (false). Calls `onPart(row)` after
    /// each part and resolves to `{ batch, fusion, parts, stepOffMs, stepOnMs }`.
    /// Rejects with "profiling was cancelled" after `signal` aborts.
    pub fn profile(&self, options: JsValue, on_part: Option<Function>, signal: Option<web_sys::AbortSignal>) -> Promise {
        let state = self.state.clone();
        future_to_promise(async move {
            let options = parse_profile_options(options).map_err(JsValue::from)?;
            let (model, device) = {
                let state = state.borrow();
                let model = state.loaded_model()?;
                (model, state.choice.device.clone())
            };

            let mut callback_error = None;
            let is_cancelled = || signal.as_ref().is_some_and(|signal| signal.aborted());
            let on_row = |row: &PartReport| {
                let _ = call_back(on_part.as_ref(), row, &mut callback_error);
            };
            let result = profile_step(&model.model, &model.config, &device, options, on_row, is_cancelled, js_sys::Date::now).await;

            if let Some(error) = callback_error {
                return Err(error);
            }
            let report = result.map_err(|error| JsValue::from(to_js_error(error)))?;
            serde_wasm_bindgen::to_value(&report).map_err(|error| JsValue::from(JsError::new(&error.to_string())))
        })
    }
}

impl Solver {
    /// Makes the ARC model the one `solve()`, `finetune()` and `profile()` use.
    fn install(&self, config: TrmConfig, weights: StateDict, name: String, trained: bool) -> Result<JsValue, JsError> {
        let (loaded, info) = self.build(config, weights, name, trained)?;
        let mut state = self.state.borrow_mut();
        state.model = Some(loaded);
        state.finetuned = None;
        state.shard = None;
        Ok(info)
    }

    /// Builds a model on the solver's device and describes it for the page.
    fn build(&self, config: TrmConfig, weights: StateDict, name: String, trained: bool) -> Result<(Rc<LoadedModel>, JsValue), JsError> {
        let device = self.state.borrow().choice.device.clone();
        let model = Model::load(&config, &weights, &device).map_err(to_js_error)?;
        let info = describe(&model, &config, &weights, name, trained);
        let value = serde_wasm_bindgen::to_value(&info).map_err(to_js_error)?;
        Ok((Rc::new(LoadedModel { model, config, weights }), value))
    }
}

/// Reads a config and its weights for a puzzle family that `check` accepts.
fn read_model_files(
    config_json: &str,
    weights: &[u8],
    file_name: &str,
    check: fn(&TrmConfig) -> Result<(), SolveError>,
) -> Result<(TrmConfig, StateDict), JsError> {
    let mut config = TrmConfig::from_json_str(config_json).map_err(|error| JsError::new(&format!("invalid model config: {error}")))?;
    check(&config).map_err(to_js_error)?;
    let mut state_dict = StateDict::from_bytes(weights, file_name).map_err(to_js_error)?;
    prepare_puzzle_embedding(&mut config, &mut state_dict, None)?;
    Ok((config, state_dict))
}

fn describe(model: &Model, config: &TrmConfig, weights: &StateDict, name: String, trained: bool) -> ModelInfo {
    ModelInfo {
        name,
        family: match model.family() {
            Family::Trm => "TRM",
            Family::Hrm => "HRM",
        },
        trained,
        parameters: weights.iter().filter(|(key, _)| *key != PUZZLE_EMB_KEY).map(|(_, tensor)| tensor.shape().iter().product::<usize>()).sum(),
        hidden_size: config.hidden_size,
        h_cycles: config.H_cycles,
        l_cycles: config.L_cycles,
        halt_max_steps: config.halt_max_steps,
    }
}

/// Adds a one-row puzzle-embedding table to a network written by `ponder convert`,
/// which has none. The solver uses only row 0: the mean row when given, else zeros.
fn prepare_puzzle_embedding(config: &mut TrmConfig, state_dict: &mut StateDict, mean_row: Option<&[u8]>) -> Result<(), JsError> {
    if config.puzzle_emb_ndim == 0 || state_dict.contains_key(PUZZLE_EMB_KEY) {
        return Ok(());
    }
    let row = match mean_row {
        Some(bytes) => ponder_model::checkpoint::read_mean_row(bytes, "mean.safetensors").map_err(to_js_error)?,
        None => vec![0.0; config.puzzle_emb_ndim],
    };
    if row.len() != config.puzzle_emb_ndim {
        return Err(JsError::new(&format!(
            "the mean row has {} values, but the config's puzzle_emb_ndim is {}",
            row.len(),
            config.puzzle_emb_ndim
        )));
    }
    config.num_puzzle_identifiers = 1;
    let table = HostTensor::from_f32(vec![1, row.len()], row).map_err(to_js_error)?;
    state_dict.insert(PUZZLE_EMB_KEY, table);
    Ok(())
}

/// Reads `solve()`'s options, returning the `taskId` option beside them.
fn parse_options(options: JsValue) -> Result<(SolveOptions, Option<String>), JsError> {
    let input: SolveOptionsInput = if options.is_undefined() || options.is_null() {
        SolveOptionsInput::default()
    } else {
        reject_unknown_fields(&options, SOLVE_OPTION_FIELDS, "solve options")?;
        serde_wasm_bindgen::from_value(options).map_err(|error| JsError::new(&format!("invalid solve options: {error}")))?
    };
    let defaults = SolveOptions::default();
    let options = SolveOptions {
        augmentations: input.augmentations.unwrap_or(defaults.augmentations),
        steps: input.steps.unwrap_or(defaults.steps),
        early_halting: input.early_halting.unwrap_or(defaults.early_halting),
        batch_size: input.batch_size.unwrap_or(defaults.batch_size),
        seed: input.seed.unwrap_or(defaults.seed),
        puzzle_identifier: input.puzzle_identifier.unwrap_or(defaults.puzzle_identifier),
    };
    options.validate().map_err(to_js_error)?;
    Ok((options, input.task_id))
}

fn parse_profile_options(options: JsValue) -> Result<ProfileOptions, JsError> {
    let input: ProfileOptionsInput = if options.is_undefined() || options.is_null() {
        ProfileOptionsInput::default()
    } else {
        reject_unknown_fields(&options, PROFILE_OPTION_FIELDS, "profile options")?;
        serde_wasm_bindgen::from_value(options).map_err(|error| JsError::new(&format!("invalid profile options: {error}")))?
    };
    let defaults = ProfileOptions::default();
    Ok(ProfileOptions {
        batch: input.batch.unwrap_or(defaults.batch),
        sample_calls: input.sample_calls.or(defaults.sample_calls),
        whole_step: input.whole_step.unwrap_or(defaults.whole_step),
    })
}

fn parse_finetune_options(options: JsValue) -> Result<FinetuneOptions, JsError> {
    let input: FinetuneOptionsInput = if options.is_undefined() || options.is_null() {
        FinetuneOptionsInput::default()
    } else {
        reject_unknown_fields(&options, FINETUNE_OPTION_FIELDS, "fine-tuning options")?;
        serde_wasm_bindgen::from_value(options).map_err(|error| JsError::new(&format!("invalid fine-tuning options: {error}")))?
    };
    let defaults = FinetuneOptions::default();
    let mode = match input.mode.as_deref() {
        None => defaults.mode,
        Some("embedding") => FinetuneMode::EmbeddingOnly,
        Some("full") => FinetuneMode::Full,
        Some(other) => {
            return Err(JsError::new(&format!("invalid option mode = {other:?}: expected \"embedding\" or \"full\"")));
        }
    };
    let options = FinetuneOptions {
        steps: input.steps.unwrap_or(defaults.steps),
        time_budget_ms: input.time_budget_ms.or(defaults.time_budget_ms),
        augmentations: input.augmentations.unwrap_or(defaults.augmentations),
        mode,
        lr: input.lr.unwrap_or(defaults.lr),
        puzzle_emb_lr: input.puzzle_emb_lr.unwrap_or(defaults.puzzle_emb_lr),
        batch_size: input.batch_size.unwrap_or(defaults.batch_size),
        warmup_steps: input.warmup_steps.unwrap_or(defaults.warmup_steps),
        translate: input.translate.unwrap_or(defaults.translate),
        permute_colours: input.permute_colours.unwrap_or(defaults.permute_colours),
        seed: input.seed.unwrap_or(defaults.seed),
    };
    options.validate().map_err(to_js_error)?;
    Ok(options)
}

/// The option names that `solve()` accepts, as JavaScript spells them.
const SOLVE_OPTION_FIELDS: &[&str] = &["augmentations", "steps", "earlyHalting", "batchSize", "seed", "puzzleIdentifier", "taskId"];
/// The option names that `profile()` accepts.
const PROFILE_OPTION_FIELDS: &[&str] = &["batch", "sampleCalls", "wholeStep"];
/// The option names that `finetune()` accepts.
const FINETUNE_OPTION_FIELDS: &[&str] = &[
    "steps",
    "timeBudgetMs",
    "augmentations",
    "mode",
    "lr",
    "puzzleEmbLr",
    "batchSize",
    "warmupSteps",
    "translate",
    "permuteColours",
    "seed",
];

/// Rejects an options object with a key outside `known`, so that a typo is
/// reported instead of ignored: serde-wasm-bindgen reads only the fields a
/// struct names and skips the others, whatever `deny_unknown_fields` requests.
fn reject_unknown_fields(options: &JsValue, known: &[&str], what: &str) -> Result<(), JsError> {
    let Some(object) = options.dyn_ref::<js_sys::Object>() else {
        return Ok(());
    };
    for key in js_sys::Object::keys(object).iter().filter_map(|key| key.as_string()) {
        if !known.contains(&key.as_str()) {
            return Err(JsError::new(&format!("invalid {what}: unknown field `{key}`, expected one of {}", known.join(", "))));
        }
    }
    Ok(())
}

/// Passes `report` to the JavaScript callback, if there is one. When the
/// callback throws, keeps its error in `error_slot` and stops the run.
fn call_back(callback: Option<&Function>, report: &impl Serialize, error_slot: &mut Option<JsValue>) -> ControlFlow<()> {
    let Some(callback) = callback else {
        return ControlFlow::Continue(());
    };
    let value = serde_wasm_bindgen::to_value(report).unwrap_or(JsValue::NULL);
    match callback.call1(&JsValue::NULL, &value) {
        Ok(_) => ControlFlow::Continue(()),
        Err(error) => {
            *error_slot = Some(error);
            ControlFlow::Break(())
        }
    }
}

fn to_js_error(error: impl std::fmt::Display) -> JsError {
    JsError::new(&error.to_string())
}
