//! The Sudoku case shared by the native and the browser tests: a small
//! untrained model in the official Sudoku shape (81 tokens, vocabulary 11,
//! `mlp_t`, no puzzle embedding, 8 ACT steps) from a fixed seed, and one puzzle.
//!
//! `H_cycles` is 1 because the recursion of an untrained model amplifies
//! rounding: with `H_cycles` 2, the wasm build of the CPU backend predicted
//! about 10 of 81 cells differently from the native build by step 7. With 1,
//! relative changes of 1e-5 to every weight left all 8 boards unchanged.
//! `sudoku_native.rs` checks that `Model::evaluate` predicts `EXPECTED_BOARDS`,
//! and the browser test checks that `Solver.solveSudoku` reports them.

#![allow(dead_code)]

use ponder_model::checkpoint::{FloatFormat, HostTensor, StateDict};
use ponder_model::{TrmConfig, initial_weights};

pub const CONFIG: &str = r#"{
    "family": "trm", "seq_len": 81, "vocab_size": 11,
    "puzzle_emb_ndim": 0, "puzzle_emb_len": 0, "num_puzzle_identifiers": 1,
    "H_cycles": 1, "L_cycles": 2, "H_layers": 0, "L_layers": 2,
    "hidden_size": 32, "expansion": 2, "num_heads": 2,
    "pos_encodings": "none", "mlp_t": true, "halt_max_steps": 8,
    "halt_exploration_prob": 0.1, "forward_dtype": "float32", "no_ACT_continue": true
}"#;

pub const SEED: u64 = 11;
pub const STEPS: usize = 8;

/// A puzzle with 50 givens, taken from a known solution.
pub const PUZZLE: &str = "5.4..8.1.6..1..34.19.342.6..597..423426.53791.1...4.569.15...842874..63534.28.1.9";

/// The predicted board after each ACT step, as `Model::evaluate` computes it
/// natively on the CPU for these weights and this puzzle.
pub const EXPECTED_BOARDS: [&str; STEPS] = [
    "764.7274474774474577545494944474.4.78224.7..1876.44944947.4447.27.4447..744.7...7",
    "75597.74.75721477.447.451.55...455.35114.4..45.7.6.944.17.4797.77745....51..92.57",
    "76.97.77.75561476.245.757129.58.55.75557.4.7.5.322.12.1794.75487524....4.1...7.97",
    "95..7577474.1743662944424859.57.45..8.45484795.362.4245.7259.717875..7.4.19771777",
    "24464577174967577.554.478.55455.45..7..4242.779.5144.7..5285.3213752.....18751.9.",
    ".85.75774744.4574515.2.4284.4518472.56712.2877741144.49.5154.52.7757....85875257.",
    "46.71523.97..7674.557.7....6.11164..66.587..7.74144..4955.7..32.579737..7477.2571",
    ".5.416.35957.5474.5.54247...66273..4578....7.77.54...7476.27.2.5.7398...7442177.7",
];

/// sigmoid(q_halt logit) after each ACT step, from the same native run.
pub const EXPECTED_Q_HALT: [f32; STEPS] = [
    0.0027684802, 0.004746148, 0.015746597, 0.008264751, 0.0053411275, 0.011657894, 0.0055113616, 0.0033346275,
];

/// Tolerance for q_halt between the native and the browser runs.
pub const Q_HALT_TOLERANCE: f32 = 1e-4;

pub fn config() -> TrmConfig {
    TrmConfig::from_json_str(CONFIG).expect("the Sudoku test config is valid")
}

/// Returns the initial weights from `SEED`, with q_head's weight set to a
/// fixed pattern: initialised at zero, it would give the same q_halt after
/// every step and leave that value untested.
pub fn weights() -> StateDict {
    let mut weights = initial_weights(&config(), SEED);
    let shape = weights.get("q_head.weight").expect("TRM has a q_head").shape().to_vec();
    let count: usize = shape.iter().product();
    let pattern: Vec<f32> = (0..count).map(|index| ((index * 7) % 13) as f32 * 0.05 - 0.3).collect();
    weights.insert("q_head.weight", HostTensor::from_f32(shape, pattern).expect("the pattern fills the shape"));
    weights
}

/// The weights as `.safetensors` bytes, as the page would download them.
pub fn weights_bytes() -> Vec<u8> {
    weights().to_safetensors(FloatFormat::F32).expect("the weights serialise")
}
