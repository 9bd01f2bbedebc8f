//! Training from scratch with `Trainer`: a run stopped, saved and resumed
//! ends with exactly the weights of a run that never stopped, and a small
//! model learns a simple rule.

use burn::prelude::*;
use ponder_model::checkpoint::StateDict;
use ponder_model::train::{Example, ExampleSource, Trainer, TrainerConfig};
use ponder_model::{Model, TrmConfig, initial_weights};
use ponder_tasks::rng::Rng;

/// Eight tokens of 2..=5. The label swaps 2 and 3 and keeps the rest.
struct SwapTwoAndThree;

impl ExampleSource for SwapTwoAndThree {
    fn draw(&mut self, rng: &mut Rng, count: usize) -> Vec<Example> {
        (0..count)
            .map(|_| {
                let inputs: Vec<i32> = (0..8).map(|_| 2 + rng.below(4) as i32).collect();
                let labels = inputs.iter().map(|&token| match token {
                    2 => 3,
                    3 => 2,
                    other => other,
                });
                Example { labels: labels.collect(), inputs, puzzle_identifier: 0 }
            })
            .collect()
    }
}

fn config() -> TrmConfig {
    TrmConfig::from_json_str(
        r#"{
            "seq_len": 8, "vocab_size": 6,
            "puzzle_emb_ndim": 16, "puzzle_emb_len": 1, "num_puzzle_identifiers": 1,
            "H_cycles": 2, "L_cycles": 1, "H_layers": 0, "L_layers": 1,
            "hidden_size": 16, "expansion": 2, "num_heads": 2,
            "pos_encodings": "rope", "halt_max_steps": 3, "halt_exploration_prob": 0.5,
            "forward_dtype": "float32", "no_ACT_continue": true
        }"#,
    )
    .unwrap()
}

fn trainer_config() -> TrainerConfig {
    TrainerConfig {
        batch_size: 8,
        lr: 3e-3,
        warmup_steps: 2,
        total_steps: 100,
        lr_min_ratio: 0.1,
        seed: 5,
        ..TrainerConfig::default()
    }
}

fn device() -> Device {
    Device::flex().autodiff()
}

fn fresh_trainer() -> Trainer {
    let config = config();
    let model = Model::load(&config, &initial_weights(&config, 3), &device()).unwrap();
    Trainer::new(model, &config, trainer_config()).unwrap()
}

/// Weights and training state after a save and a reload from bytes.
fn save_and_reload(trainer: &Trainer) -> Trainer {
    let weights = trainer.model().to_state_dict().unwrap();
    let state = trainer.state().unwrap();
    let format = ponder_model::checkpoint::FloatFormat::F32;
    let weights = StateDict::from_bytes(&weights.to_safetensors(format).unwrap(), "model.safetensors").unwrap();
    let state = StateDict::from_bytes(&state.to_safetensors(format).unwrap(), "train_state.safetensors").unwrap();

    let config = config();
    let model = Model::load(&config, &weights, &device()).unwrap();
    Trainer::resume(model, &config, trainer_config(), &state).unwrap()
}

#[test]
fn resumed_run_matches_uninterrupted_run() {
    let mut straight = fresh_trainer();
    let straight_reports: Vec<_> = (0..6).map(|_| straight.step(&mut SwapTwoAndThree).unwrap()).collect();

    let mut first_half = fresh_trainer();
    for _ in 0..3 {
        first_half.step(&mut SwapTwoAndThree).unwrap();
    }
    let mut resumed = save_and_reload(&first_half);
    assert_eq!(resumed.steps(), 3);
    let resumed_reports: Vec<_> = (0..3).map(|_| resumed.step(&mut SwapTwoAndThree).unwrap()).collect();

    assert_eq!(resumed_reports, straight_reports[3..]);
    assert_eq!(resumed.model().to_state_dict().unwrap(), straight.model().to_state_dict().unwrap());
    assert_eq!(resumed.state().unwrap(), straight.state().unwrap());
}

#[test]
fn seed_fixes_trained_weights() {
    let run = |seed| {
        let config = config();
        let model = Model::load(&config, &initial_weights(&config, 3), &device()).unwrap();
        let mut trainer = Trainer::new(model, &config, TrainerConfig { seed, ..trainer_config() }).unwrap();
        for _ in 0..3 {
            trainer.step(&mut SwapTwoAndThree).unwrap();
        }
        trainer.model().to_state_dict().unwrap()
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5), run(6));
}

#[test]
fn small_model_learns_to_swap_two_tokens() {
    let mut trainer = fresh_trainer();
    let reports: Vec<_> = (0..150).map(|_| trainer.step(&mut SwapTwoAndThree).unwrap()).collect();

    let first = reports[0];
    let last_ten = &reports[140..];
    let mean_accuracy = last_ten.iter().map(|report| report.accuracy).sum::<f32>() / 10.0;
    assert!(first.accuracy < 0.5, "an untrained model should not know the rule: {first:?}");
    assert!(mean_accuracy > 0.95, "token accuracy over the last ten steps is {mean_accuracy}");
    assert!(last_ten.iter().all(|report| report.lm_loss < first.lm_loss / 4.0), "{last_ten:?}");
}

#[test]
fn resume_rejects_state_of_another_model() {
    let trainer = fresh_trainer();
    let mut state = trainer.state().unwrap();
    state.remove("train.step");
    let config = config();
    let model = Model::load(&config, &initial_weights(&config, 3), &device()).unwrap();
    let error = Trainer::resume(model, &config, trainer_config(), &state).unwrap_err();
    assert_eq!(error.to_string(), "the saved training state does not fit this model: `train.step` is missing or not an integer");
}
