//! The training data of one ARC task, as the official builder
//! (`dataset/build_arc_dataset.py`) makes it: the demonstration pairs under
//! several augmentations, each augmentation a puzzle of its own with its own
//! puzzle-embedding row.

use std::collections::HashSet;

use ponder_tasks::arc::Task;
use ponder_tasks::augment::{Augmentation, ColourMap};
use ponder_tasks::grid::Grid;
use ponder_tasks::encoding::{EncodingError, Translation, encode_pair, labels_with_ignore, random_translation};
use ponder_tasks::rng::Rng;

/// Draws of a random augmentation allowed per requested one before giving
/// up on distinct augmentations (a task with symmetric grids has fewer).
const DRAWS_PER_AUGMENTATION: usize = 8;

/// One labelled example in the model's token layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// `[seq]` tokens.
    pub inputs: Vec<i32>,
    /// `[seq]` labels, [`IGNORE_LABEL_ID`](crate::train::IGNORE_LABEL_ID) on PAD.
    pub labels: Vec<i32>,
    /// Row of the fine-tuning puzzle-embedding table.
    pub puzzle_identifier: i32,
}

/// A task's demonstrations under `augmentations.len()` augmentations;
/// augmentation `i` uses puzzle-embedding row `i`.
#[derive(Debug, Clone)]
pub struct AugmentedTask {
    pub task_id: String,
    pub task: Task,
    /// The identity first, then distinct random augmentations.
    pub augmentations: Vec<Augmentation>,
    pub examples: Vec<Example>,
}

impl AugmentedTask {
    /// Builds `count` augmentations of the task's demonstration pairs. With
    /// `translate`, each pair is placed at a random offset on the canvas (the
    /// same for its input and output), as the official builder does for
    /// training puzzles. Without `permute_colours`, the augmentations are
    /// dihedral transforms only, so at most 8 exist.
    pub fn build(task_id: &str, task: &Task, count: usize, translate: bool, permute_colours: bool, rng: &mut Rng) -> Result<Self, EncodingError> {
        let augmentations = plan_augmentations(task, count, permute_colours, rng);
        let mut examples = Vec::with_capacity(augmentations.len() * task.train.len());
        for (identifier, augmentation) in augmentations.iter().enumerate() {
            for pair in &task.train {
                let input = augmentation.apply(&pair.input);
                let output = augmentation.apply(&pair.output);
                let translation = if translate { random_translation(rng, &input, &output) } else { Translation::default() };
                let (input_tokens, output_tokens) = encode_pair(&input, &output, translation)?;
                examples.push(Example {
                    inputs: input_tokens.iter().map(|&token| i32::from(token)).collect(),
                    labels: labels_with_ignore(&output_tokens),
                    puzzle_identifier: identifier as i32,
                });
            }
        }
        Ok(Self {
            task_id: task_id.to_string(),
            task: task.clone(),
            augmentations,
            examples,
        })
    }
}

/// The identity, then random augmentations whose augmented demonstrations
/// differ from every earlier one, as the official builder deduplicates them.
/// Returns fewer than `count` when the task has fewer distinct augmentations.
fn plan_augmentations(task: &Task, count: usize, permute_colours: bool, rng: &mut Rng) -> Vec<Augmentation> {
    let mut augmentations = vec![Augmentation::IDENTITY];
    let mut seen = HashSet::new();
    seen.insert(augmented_pairs(task, &Augmentation::IDENTITY));
    let mut draws = 0;
    while augmentations.len() < count && draws < count * DRAWS_PER_AUGMENTATION {
        draws += 1;
        let mut augmentation = Augmentation::random(rng);
        if !permute_colours {
            augmentation.colours = ColourMap::IDENTITY;
        }
        if seen.insert(augmented_pairs(task, &augmentation)) {
            augmentations.push(augmentation);
        }
    }
    augmentations.truncate(count.max(1));
    augmentations
}

fn augmented_pairs(task: &Task, augmentation: &Augmentation) -> Vec<(Grid, Grid)> {
    task.train
        .iter()
        .map(|pair| (augmentation.apply(&pair.input), augmentation.apply(&pair.output)))
        .collect()
}
