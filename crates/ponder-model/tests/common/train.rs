//! The golden training step: one ACT step in training mode from a fresh carry,
//! its loss, and the gradients the official code stored after `backward()`.

#![allow(dead_code)]

use burn::prelude::*;
use ponder_model::{Model, Trm};
use ponder_model::train::{ActSettings, TrainBatch, TrainCarry, train_act_step};

use super::{GoldenCase, floats};

/// Max absolute error of `train.loss`, `train.lm_loss` and `train.q_halt_loss`.
pub const LOSS_TOLERANCE: f32 = 1e-4;
/// Max relative error of a gradient: max |got - golden| / max |golden|.
pub const GRAD_RELATIVE_TOLERANCE: f32 = 1e-3;

/// Measured errors of the training step against the golden values.
#[derive(Debug)]
pub struct TrainErrors {
    /// (name, |error|) of the three losses.
    pub losses: Vec<(&'static str, f32)>,
    /// (golden name, relative error) of each gradient.
    pub grads: Vec<(String, f32)>,
}

impl GoldenCase {
    pub fn labels(&self, device: &Device) -> Tensor<2, Int> {
        let labels = TensorData::new(self.ints("input.labels"), self.shape("input.labels"));
        Tensor::from_data(labels, device)
    }
}

/// max |got - expected| / max |expected|, so that a gradient whose entries
/// are mostly tiny is judged on the scale of its largest entry.
pub fn relative_error(got: &[f32], expected: &[f32]) -> f32 {
    assert_eq!(got.len(), expected.len(), "different lengths");
    let scale = expected.iter().fold(0.0f32, |max, v| max.max(v.abs()));
    let diff = got.iter().zip(expected).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    diff / scale.max(f32::MIN_POSITIVE)
}

/// Runs the golden training step on `device` (the autodiff wrapper is added
/// here) and measures the loss and every stored gradient.
pub fn run_train_step(case: &GoldenCase, device: &Device) -> TrainErrors {
    let device = device.clone().autodiff();
    let model = Trm::load(&case.config, &case.weights, &device).unwrap();
    // A clone shares the parameters' tensors, so their gradients are found through `model`.
    let network = Model::from(model.clone());
    let trm_batch = case.batch(&device);
    let batch = TrainBatch {
        inputs: trm_batch.inputs,
        labels: case.labels(&device),
        puzzle_identifiers: trm_batch.puzzle_identifiers,
    };
    let [batch_size] = batch.puzzle_identifiers.dims();

    // The golden step ran with exploration off, so no slot has a minimum.
    let no_minimum = Tensor::<1, Int>::zeros([batch_size], &device);
    let carry = TrainCarry::new(&network, &batch);
    let output = train_act_step(&network, carry, &batch, ActSettings::from_config(&case.config), no_minimum);

    let grads = output.loss.loss.backward();
    let scalar = |tensor: Tensor<1>| floats(tensor)[0];
    let golden = |name: &str| case.floats(name)[0];
    let losses = vec![
        ("train.loss", (scalar(output.loss.loss.clone()) - golden("train.loss")).abs()),
        ("train.lm_loss", (scalar(output.loss.lm_loss.clone()) - golden("train.lm_loss")).abs()),
        ("train.q_halt_loss", (scalar(output.loss.q_halt_loss.clone()) - golden("train.q_halt_loss")).abs()),
    ];

    // burn stores linear weights as [in, out]; the golden ones are PyTorch's [out, in].
    let layer = &model.L_level.layers[0];
    let grad_of = |tensor: Tensor<2>| tensor.grad(&grads).expect("a gradient for every trained weight");
    let q_head_bias = model.q_head.bias.as_ref().expect("q_head has a bias").val();
    let q_head_bias_grad = q_head_bias.grad(&grads).expect("a gradient for every trained weight").unsqueeze();
    let computed: Vec<(&str, Tensor<2>)> = vec![
        ("L_level.layers.0.mlp.down_proj.weight", grad_of(layer.mlp.down_proj.weight.val()).transpose()),
        ("embed_tokens.embedding_weight", grad_of(model.embeddings.embed_tokens.val())),
        ("lm_head.weight", grad_of(model.lm_head.weight.val()).transpose()),
        ("q_head.weight", grad_of(model.q_head.weight.val()).transpose()),
        ("q_head.bias", q_head_bias_grad),
        ("puzzle_emb.local_weights", grad_of(output.puzzle_rows.clone().expect("the golden cases have a puzzle embedding"))),
    ];
    let grads = computed
        .into_iter()
        .map(|(name, grad)| {
            let golden_name = format!("train.grad.{name}");
            let error = relative_error(&floats(grad), &case.floats(&golden_name));
            (golden_name, error)
        })
        .collect();

    TrainErrors { losses, grads }
}

/// Prints the measured errors, then asserts each tolerance.
pub fn assert_train_step(case: &GoldenCase, backend: &str, errors: &TrainErrors) {
    for (name, error) in &errors.losses {
        println!("{} on {backend}: |{name} error| {error:.3e}", case.name);
    }
    for (name, error) in &errors.grads {
        println!("{} on {backend}: {name} relative error {error:.3e}", case.name);
    }
    for (name, error) in &errors.losses {
        assert!(*error <= LOSS_TOLERANCE, "{} on {backend}: {name} off by {error}", case.name);
    }
    for (name, error) in &errors.grads {
        assert!(*error <= GRAD_RELATIVE_TOLERANCE, "{} on {backend}: {name} off by {error} relative", case.name);
    }
}
