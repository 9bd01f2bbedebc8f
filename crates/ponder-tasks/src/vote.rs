//! Voting over the predictions of one test input made under many
//! augmentations, as the official evaluator (`evaluators/arc.py` in
//! SamsungSAILMontreal/TinyRecursiveModels) does: each prediction is cropped,
//! mapped back to the original orientation and colours, and identical grids
//! pool their votes.

use crate::augment::{AugmentError, parse_name};
use crate::encoding::decode_prediction;
use crate::grid::Grid;
use crate::kaggle::Attempts;

/// One prediction, already mapped back to the task's own frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The cropped grid, or `None` when the crop was empty. The official
    /// evaluator counts empty crops as votes too, for a grid that is never
    /// right.
    pub grid: Option<Grid>,
    /// The model's `q_halt` logit for this prediction.
    pub q_halt_logit: f32,
}

impl Candidate {
    /// Decodes a predicted canvas made for the augmented puzzle `name`
    /// (`id|||t{k}|||{mapping}` or a plain id) and maps it back. Returns the
    /// task id with the candidate.
    pub fn from_augmented<T: Copy + Into<i64>>(name: &str, tokens: &[T], q_halt_logit: f32) -> Result<(String, Self), AugmentError> {
        let (id, augmentation) = parse_name(name)?;
        let grid = decode_prediction(tokens).ok().map(|grid| augmentation.invert(&grid));
        Ok((id, Self { grid, q_halt_logit }))
    }
}

/// A distinct predicted grid with its votes.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub grid: Option<Grid>,
    pub votes: usize,
    /// Mean of `sigmoid(q_halt_logit)` over the votes, computed in f64.
    pub mean_confidence: f64,
}

/// Pools identical grids and ranks them by votes, then by mean confidence.
/// Grids that tie on both keep the order in which they first appeared, as
/// Python's stable sort does in the official evaluator.
pub fn rank(candidates: &[Candidate]) -> Vec<Ranked> {
    let mut ranked: Vec<Ranked> = Vec::new();
    let mut confidence_sums: Vec<f64> = Vec::new();
    for candidate in candidates {
        let confidence = sigmoid(f64::from(candidate.q_halt_logit));
        match ranked.iter().position(|entry| entry.grid == candidate.grid) {
            Some(index) => {
                ranked[index].votes += 1;
                confidence_sums[index] += confidence;
            }
            None => {
                ranked.push(Ranked { grid: candidate.grid.clone(), votes: 1, mean_confidence: 0.0 });
                confidence_sums.push(confidence);
            }
        }
    }
    for (entry, sum) in ranked.iter_mut().zip(confidence_sums) {
        entry.mean_confidence = sum / entry.votes as f64;
    }
    ranked.sort_by(|a, b| b.votes.cmp(&a.votes).then(b.mean_confidence.total_cmp(&a.mean_confidence)));
    ranked
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Whether `label` is among the first `k` ranked grids (pass@k).
pub fn passes_at(ranked: &[Ranked], label: &Grid, k: usize) -> bool {
    ranked.iter().take(k).any(|entry| entry.grid.as_ref() == Some(label))
}

/// The two attempts to submit: the best two ranked grids, the first repeated
/// when there is only one. Empty crops are skipped, since a submission
/// cannot hold an empty grid. Returns `None` when no candidate has a grid.
pub fn attempts(ranked: &[Ranked]) -> Option<Attempts> {
    let mut grids = ranked.iter().filter_map(|entry| entry.grid.clone());
    let attempt_1 = grids.next()?;
    let attempt_2 = grids.next().unwrap_or_else(|| attempt_1.clone());
    Some(Attempts { attempt_1, attempt_2 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::augment::{Augmentation, ColourMap, Dihedral};
    use crate::encoding::{Translation, encode_grid};

    fn grid(rows: &[&[u8]]) -> Grid {
        Grid::from_rows(rows).unwrap()
    }

    fn candidate(rows: &[&[u8]], q_halt_logit: f32) -> Candidate {
        Candidate { grid: Some(grid(rows)), q_halt_logit }
    }

    #[test]
    fn votes_then_confidence() {
        let candidates = [
            candidate(&[&[1]], 0.0),
            candidate(&[&[2]], 3.0),
            candidate(&[&[3]], -1.0),
            candidate(&[&[2]], -3.0),
            candidate(&[&[3]], 2.0),
            candidate(&[&[4]], 5.0),
        ];
        let ranked = rank(&candidates);
        let order: Vec<u8> = ranked.iter().map(|entry| entry.grid.as_ref().unwrap().cells()[0]).collect();
        // 2 and 3 have two votes each; 3's mean confidence is higher
        // (sigmoid(-1) + sigmoid(2) > sigmoid(3) + sigmoid(-3) = 1).
        assert_eq!(order, vec![3, 2, 4, 1]);
        assert_eq!(ranked[1].votes, 2);
        assert!((ranked[1].mean_confidence - 0.5).abs() < 1e-12);
        assert!(passes_at(&ranked, &grid(&[&[2]]), 2));
        assert!(!passes_at(&ranked, &grid(&[&[2]]), 1));
        assert!(!passes_at(&ranked, &grid(&[&[4]]), 2));
        assert_eq!(attempts(&ranked), Some(Attempts { attempt_1: grid(&[&[3]]), attempt_2: grid(&[&[2]]) }));
    }

    #[test]
    fn ties_keep_first_appearance() {
        let ranked = rank(&[candidate(&[&[5]], 1.0), candidate(&[&[6]], 1.0)]);
        assert_eq!(ranked[0].grid, Some(grid(&[&[5]])));
    }

    #[test]
    fn empty_crops_vote_but_are_not_submitted() {
        let empty = Candidate { grid: None, q_halt_logit: 0.0 };
        let ranked = rank(&[empty.clone(), empty, candidate(&[&[7]], 0.0)]);
        assert_eq!(ranked[0].grid, None);
        assert_eq!(ranked[0].votes, 2);
        assert_eq!(attempts(&ranked), Some(Attempts { attempt_1: grid(&[&[7]]), attempt_2: grid(&[&[7]]) }));
        assert_eq!(attempts(&rank(&[Candidate { grid: None, q_halt_logit: 0.0 }])), None);
    }

    #[test]
    fn augmented_predictions_map_back() {
        let original = grid(&[&[1, 2, 3], &[0, 0, 4]]);
        let colours = ColourMap::new([0, 9, 8, 7, 6, 5, 4, 3, 2, 1]).unwrap();
        let augmentation = Augmentation { transform: Dihedral::Rot90, colours };
        let tokens = encode_grid(&augmentation.apply(&original), Translation::default()).unwrap();
        let (id, candidate) = Candidate::from_augmented(&augmentation.name("abc"), &tokens, 0.5).unwrap();
        assert_eq!(id, "abc");
        assert_eq!(candidate.grid, Some(original));
    }
}
