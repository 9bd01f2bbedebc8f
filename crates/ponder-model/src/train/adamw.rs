//! AdamW (Loshchilov and Hutter, "Decoupled Weight Decay Regularization",
//! ICLR 2019) over the float parameters of a module, with PyTorch's
//! `torch.optim.AdamW` update: decay, then the bias-corrected Adam step.

use std::collections::HashMap;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::prelude::*;
use burn::tensor::Gradients;

/// The settings of the official TRM runs (`beta1`, `beta2`, `weight_decay`
/// in `config/cfg_pretrain.yaml`), with PyTorch's default epsilon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamWConfig {
    pub beta_1: f64,
    pub beta_2: f64,
    pub epsilon: f64,
    pub weight_decay: f64,
}

impl Default for AdamWConfig {
    fn default() -> Self {
        Self {
            beta_1: 0.9,
            beta_2: 0.95,
            epsilon: 1e-8,
            weight_decay: 0.1,
        }
    }
}

/// First and second moments of one parameter, flattened.
#[derive(Debug, Clone)]
struct Moments {
    first: Tensor<1>,
    second: Tensor<1>,
}

/// AdamW with its state: one pair of moments per parameter and the step count.
#[derive(Debug, Clone)]
pub struct AdamW {
    config: AdamWConfig,
    moments: HashMap<ParamId, Moments>,
    step: i32,
}

impl AdamW {
    pub fn new(config: AdamWConfig) -> Self {
        Self {
            config,
            moments: HashMap::new(),
            step: 0,
        }
    }

    /// Updates every float parameter of `module` that has a gradient in
    /// `grads`, except those in `skip`; the others come back unchanged. The
    /// updated parameters keep their ids and their gradient setting.
    pub fn step<M: Module>(&mut self, lr: f64, module: M, grads: &Gradients, skip: &[ParamId]) -> M {
        self.step += 1;
        let mut mapper = AdamWMapper {
            optimizer: self,
            lr,
            grads,
            skip,
        };
        module.map(&mut mapper)
    }
}

/// AdamW's state in a form that outlives the parameter ids: the step count
/// and the moments of each float parameter in the module's visiting order
/// (`None` for a parameter that has none yet). A model rebuilt from saved
/// weights has new ids but the same order.
#[derive(Debug, Clone)]
pub struct AdamWState {
    pub step: i32,
    /// `(first, second)`, each `[numel]`.
    pub moments: Vec<Option<(Tensor<1>, Tensor<1>)>>,
}

impl AdamW {
    /// Returns the state for `module`'s parameters, in visiting order.
    pub fn export<M: Module>(&self, module: &M) -> AdamWState {
        let moments = float_param_ids(module)
            .iter()
            .map(|id| self.moments.get(id).map(|moments| (moments.first.clone(), moments.second.clone())))
            .collect();
        AdamWState { step: self.step, moments }
    }

    /// Rebuilds an optimiser from a state exported for a module whose float
    /// parameters come in the same order as `module`'s. Returns `None` when
    /// the parameter counts differ.
    pub fn import<M: Module>(config: AdamWConfig, module: &M, state: AdamWState) -> Option<Self> {
        let ids = float_param_ids(module);
        if ids.len() != state.moments.len() {
            return None;
        }
        let moments = ids
            .into_iter()
            .zip(state.moments)
            .filter_map(|(id, moments)| moments.map(|(first, second)| (id, Moments { first, second })))
            .collect();
        Some(Self { config, moments, step: state.step })
    }
}

/// Number of float parameters of `module`, the length of [`AdamWState::moments`].
/// Only the trainer calls it, and the trainer is not built for wasm32.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn float_param_count<M: Module>(module: &M) -> usize {
    float_param_ids(module).len()
}

fn float_param_ids<M: Module>(module: &M) -> Vec<ParamId> {
    struct Ids(Vec<ParamId>);
    impl ModuleVisitor for Ids {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.push(param.id);
        }
    }
    let mut ids = Ids(Vec::new());
    module.visit(&mut ids);
    ids.0
}

struct AdamWMapper<'a> {
    optimizer: &'a mut AdamW,
    lr: f64,
    grads: &'a Gradients,
    skip: &'a [ParamId],
}

impl ModuleMapper for AdamWMapper<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        if self.skip.contains(&param.id) || !param.is_require_grad() {
            return param;
        }
        let Some(grad) = param.val().grad(self.grads) else {
            return param;
        };
        let (id, tensor, mapper) = param.consume();
        let shape = tensor.shape();
        let count = shape.num_elements();
        let AdamWConfig {
            beta_1,
            beta_2,
            epsilon,
            weight_decay,
        } = self.optimizer.config;

        // [count]: every update below runs on the plain backend, outside the graph.
        let value = tensor.inner().reshape([count]);
        let grad = grad.reshape([count]);
        let previous = self.optimizer.moments.remove(&id).unwrap_or_else(|| Moments {
            first: Tensor::zeros([count], &grad.device()),
            second: Tensor::zeros([count], &grad.device()),
        });
        let first = previous.first * beta_1 + grad.clone() * (1.0 - beta_1);
        let second = previous.second * beta_2 + grad.clone() * grad * (1.0 - beta_2);

        let step = self.optimizer.step;
        let first_corrected = first.clone() / (1.0 - beta_1.powi(step));
        let second_corrected = second.clone() / (1.0 - beta_2.powi(step));
        let decayed = value * (1.0 - self.lr * weight_decay);
        let updated = decayed - first_corrected / (second_corrected.sqrt() + epsilon) * self.lr;
        self.optimizer.moments.insert(id, Moments { first, second });

        let updated = Tensor::from_inner(updated.reshape(shape)).require_grad();
        Param::from_mapped_value(id, updated, mapper)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first AdamW step moves each weight by about lr against its
    /// gradient's sign (the bias-corrected ratio is +-1), after decay.
    #[test]
    fn first_step_is_decay_plus_signed_lr() {
        let device = Device::flex().autodiff();
        let weight = Param::from_tensor(Tensor::<1>::from_floats([1.0, -2.0], &device));
        let loss = (weight.val() * Tensor::from_floats([3.0, -0.5], &device)).sum();
        let grads = loss.backward();

        let config = AdamWConfig {
            weight_decay: 0.1,
            ..AdamWConfig::default()
        };
        let updated = AdamW::new(config).step(0.01, weight, &grads, &[]);

        let values: Vec<f32> = updated.val().into_data().try_to_vec().unwrap();
        let expected = [1.0 * (1.0 - 0.001) - 0.01, -2.0 * (1.0 - 0.001) + 0.01];
        for (got, want) in values.iter().zip(expected) {
            assert!((got - want).abs() < 1e-5, "got {values:?}, expected {expected:?}");
        }
        assert!(updated.is_require_grad());
    }
}
