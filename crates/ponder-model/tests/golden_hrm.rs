//! The HRM against the official sapientinc/HRM outputs on burn's CPU backend
//! (Flex), and loading errors between the TRM and HRM families.

#![allow(non_snake_case)]

mod common;

use burn::prelude::*;
use common::*;
use ponder_model::checkpoint::StateDict;
use ponder_model::{Family, Hrm, LoadError, Model, Trm};

fn hrm_arc_small() -> GoldenCase {
    GoldenCase::load(&fixtures_dir(), "hrm_arc_small")
}

fn arc_small() -> GoldenCase {
    GoldenCase::load(&fixtures_dir(), "arc_small")
}

#[test]
fn hrm_arc_small_matches_official() {
    let case = hrm_arc_small();
    assert_eq!(case.config.family, Family::Hrm);

    let errors = run_case(&case, &Device::flex(), case.eval_steps);

    assert_eq!(errors.len(), 3);
    assert!(errors.iter().all(|error| error.q_continue.is_some()), "the case stores q_continue logits");
    assert_case(&case, "cpu", &errors, |_| CPU_LOGITS_TOLERANCE);
}

/// The official evaluation runs every example for `halt_max_steps` steps.
#[test]
fn hrm_evaluate_runs_halt_max_steps() {
    let case = hrm_arc_small();
    let device = Device::flex();
    let model = Model::load(&case.config, &case.weights, &device).unwrap();

    let outputs = model.evaluate(&case.batch(&device), case.config.halt_max_steps, ponder_model::Halting::MaxSteps);

    assert_eq!(outputs.len(), 3);
    assert_eq!(ints(outputs[2].steps.clone()), vec![3, 3]);
    let error = max_abs_diff(&floats(outputs[2].logits.clone()), &case.floats("step2.logits"));
    assert!(error <= CPU_LOGITS_TOLERANCE, "step 2: logits off by {error}");
}

#[test]
fn hrm_config_detected_from_H_layers() {
    let case = hrm_arc_small();
    assert_eq!(case.config.H_layers, 2);
    assert_eq!(case.config.puzzle_emb_positions(), 1);
    assert!(!case.config.no_ACT_continue);
}

#[test]
fn hrm_pt_and_safetensors_load_same_weights() {
    let case = hrm_arc_small();
    let device = Device::flex();
    let from_pt = StateDict::open(fixtures_dir().join("hrm_arc_small.pt")).unwrap();

    let model_pt = Hrm::load(&case.config, &from_pt, &device).unwrap();
    let model_safetensors = Hrm::load(&case.config, &case.weights, &device).unwrap();

    assert_eq!(floats(model_pt.H_init.clone()), floats(model_safetensors.H_init.clone()));
    let H_weight = |model: &Hrm| floats(model.H_level.layers[1].mlp.down_proj.weight.val());
    assert_eq!(H_weight(&model_pt), H_weight(&model_safetensors));
    let L_weight = |model: &Hrm| floats(model.L_level.layers[0].mlp.gate_up_proj.weight.val());
    assert_eq!(L_weight(&model_pt), L_weight(&model_safetensors));
}

#[test]
fn trm_config_rejects_hrm_checkpoint() {
    let trm = arc_small();
    let hrm = hrm_arc_small();

    let error = Model::load(&trm.config, &hrm.weights, &Device::flex()).unwrap_err();

    assert!(matches!(error, LoadError::FamilyMismatch { checkpoint: Family::Hrm, config: Family::Trm }), "{error}");
    assert_eq!(
        error.to_string(),
        "this checkpoint has H_level weights, so it is an HRM checkpoint, but the config describes a TRM model; use the config saved with the checkpoint"
    );
}

#[test]
fn hrm_config_rejects_trm_checkpoint() {
    let trm = arc_small();
    let hrm = hrm_arc_small();

    let error = Model::load(&hrm.config, &trm.weights, &Device::flex()).unwrap_err();

    assert!(matches!(error, LoadError::FamilyMismatch { checkpoint: Family::Trm, config: Family::Hrm }), "{error}");
    assert_eq!(
        error.to_string(),
        "this checkpoint has no H_level weights, so it is a TRM checkpoint, but the config describes an HRM model; use the config saved with the checkpoint"
    );
}

#[test]
fn trm_load_rejects_hrm_config() {
    let case = hrm_arc_small();

    let error = Trm::load(&case.config, &case.weights, &Device::flex()).unwrap_err();

    assert_eq!(
        error.to_string(),
        "the config describes an HRM model, but `Trm::load` builds only TRM models; use `Model::load`, which builds either"
    );
}

#[test]
fn hrm_missing_H_level_block_is_named() {
    let mut case = hrm_arc_small();
    case.weights.remove("H_level.layers.1.self_attn.o_proj.weight").unwrap();

    let error = Model::load(&case.config, &case.weights, &Device::flex()).unwrap_err();

    assert_eq!(
        error.to_string(),
        "the checkpoint does not match the config: missing keys: H_level.layers.1.self_attn.o_proj.weight"
    );
}
