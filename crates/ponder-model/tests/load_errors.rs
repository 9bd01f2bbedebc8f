//! Loading reports every key that does not match the config, by name.

mod common;

use burn::prelude::*;
use common::*;
use ponder_model::checkpoint::HostTensor;
use ponder_model::{LoadError, Trm};

fn arc_small() -> GoldenCase {
    GoldenCase::load(&fixtures_dir(), "arc_small")
}

fn key_report(result: Result<Trm, LoadError>) -> ponder_model::KeyReport {
    match result {
        Err(LoadError::Keys(report)) => report,
        Err(other) => panic!("expected a key report, got {other}"),
        Ok(_) => panic!("expected a key report, but the checkpoint loaded"),
    }
}

#[test]
fn missing_unexpected_and_mis_shaped_keys_are_named() {
    let mut case = arc_small();
    case.weights.remove("lm_head.weight").unwrap();
    case.weights.insert(
        "L_level.layers.2.mlp.down_proj.weight",
        HostTensor::from_f32(vec![1], vec![0.0]).unwrap(),
    );
    case.weights.insert("H_init", HostTensor::from_f32(vec![32], vec![0.0; 32]).unwrap());

    let report = key_report(Trm::load(&case.config, &case.weights, &Device::flex()));

    assert_eq!(report.missing, vec!["lm_head.weight".to_string()]);
    assert_eq!(report.unexpected, vec!["L_level.layers.2.mlp.down_proj.weight".to_string()]);
    assert_eq!(report.mismatched.len(), 1);
    assert_eq!(report.mismatched[0].name, "H_init");
    assert_eq!(report.mismatched[0].expected, vec![64]);
    assert_eq!(report.mismatched[0].found, vec![32]);
}

#[test]
fn error_message_lists_names() {
    let mut case = arc_small();
    case.weights.remove("q_head.bias").unwrap();
    case.weights.insert("extra", HostTensor::from_f32(vec![2], vec![0.0; 2]).unwrap());

    let message = Trm::load(&case.config, &case.weights, &Device::flex()).unwrap_err().to_string();

    assert_eq!(
        message,
        "the checkpoint does not match the config: missing keys: q_head.bias; unexpected keys: extra"
    );
}

#[test]
fn integer_weight_is_rejected() {
    let mut case = arc_small();
    case.weights.insert("q_head.bias", HostTensor::from_i64(vec![2], vec![1, 2]).unwrap());

    let error = Trm::load(&case.config, &case.weights, &Device::flex()).unwrap_err();

    assert!(matches!(&error, LoadError::NotFloat { key, .. } if key == "q_head.bias"), "{error}");
}

#[test]
fn pt_and_safetensors_load_same_weights() {
    let case = arc_small();
    let device = Device::flex();
    let from_pt = ponder_model::checkpoint::StateDict::open(fixtures_dir().join("arc_small.pt")).unwrap();

    let model_pt = Trm::load(&case.config, &from_pt, &device).unwrap();
    let model_safetensors = Trm::load(&case.config, &case.weights, &device).unwrap();

    assert_eq!(floats(model_pt.H_init.clone()), floats(model_safetensors.H_init.clone()));
    assert_eq!(floats(model_pt.lm_head.weight.val()), floats(model_safetensors.lm_head.weight.val()));
    let mlp_weight = |model: &Trm| floats(model.L_level.layers[1].mlp.down_proj.weight.val());
    assert_eq!(mlp_weight(&model_pt), mlp_weight(&model_safetensors));
}

#[test]
fn wrong_config_reports_shapes() {
    let mut case = arc_small();
    case.config.mlp_t = true;

    let report = key_report(Trm::load(&case.config, &case.weights, &Device::flex()));

    assert!(report.missing.contains(&"L_level.layers.0.mlp_t.gate_up_proj.weight".to_string()), "{report}");
    assert!(report.unexpected.contains(&"L_level.layers.0.self_attn.qkv_proj.weight".to_string()), "{report}");
}
