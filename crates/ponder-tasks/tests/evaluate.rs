//! Voting and scoring end to end on a task with known answers: predictions
//! made under augmentations are mapped back, voted on, and scored under both
//! conventions.

use ponder_tasks::Grid;
use ponder_tasks::augment::{Augmentation, ColourMap, Dihedral};
use ponder_tasks::encoding::{Translation, encode_grid};
use ponder_tasks::kaggle::Submission;
use ponder_tasks::score::{Convention, Score, TaskOutcome};
use ponder_tasks::vote::{Candidate, attempts, passes_at, rank};

fn grid(rows: &[&[u8]]) -> Grid {
    Grid::from_rows(rows).unwrap()
}

/// Builds the candidate a model gives when it outputs `answer` for the puzzle
/// under augmentation `index`, as mapped back by the evaluator.
fn predict(answer: &Grid, index: usize, q_halt_logit: f32) -> Candidate {
    let colours = ColourMap::new([0, 2, 3, 4, 5, 6, 7, 8, 9, 1]).unwrap();
    let augmentation = Augmentation { transform: Dihedral::ALL[index % 8], colours };
    let tokens = encode_grid(&augmentation.apply(answer), Translation::default()).unwrap();
    let (id, candidate) = Candidate::from_augmented(&augmentation.name("task1"), &tokens, q_halt_logit).unwrap();
    assert_eq!(id, "task1");
    candidate
}

#[test]
fn votes_and_scores_known_task() {
    let label_1 = grid(&[&[1, 2], &[3, 4]]);
    let wrong_1 = grid(&[&[1, 2], &[3, 5]]);
    let label_2 = grid(&[&[7, 0, 7]]);
    let wrong_2 = grid(&[&[7, 7, 7]]);

    // Test input 0: the wrong grid wins 3 votes to 2, so only pass@2 holds.
    let first: Vec<Candidate> = (0..5).map(|i| if i < 3 { predict(&wrong_1, i, 1.0) } else { predict(&label_1, i, 2.0) }).collect();
    // Test input 1: the label wins 2 votes to 1.
    let second = vec![predict(&label_2, 0, -1.0), predict(&wrong_2, 1, 4.0), predict(&label_2, 6, 0.0)];

    let ranked_1 = rank(&first);
    let ranked_2 = rank(&second);
    assert_eq!(ranked_1[0].grid, Some(wrong_1.clone()));
    assert_eq!(ranked_1[0].votes, 3);
    assert_eq!(ranked_1[1].grid, Some(label_1.clone()));
    assert_eq!(ranked_2[0].grid, Some(label_2.clone()));
    assert_eq!(ranked_2[0].votes, 2);

    let pass_1 = TaskOutcome { id: "task1".into(), test_correct: vec![passes_at(&ranked_1, &label_1, 1), passes_at(&ranked_2, &label_2, 1)] };
    let pass_2 = TaskOutcome { id: "task1".into(), test_correct: vec![passes_at(&ranked_1, &label_1, 2), passes_at(&ranked_2, &label_2, 2)] };
    assert_eq!(pass_1.test_correct, vec![false, true]);
    assert_eq!(pass_2.test_correct, vec![true, true]);

    // A second task with one test input that is wrong at any k.
    let other = TaskOutcome { id: "task2".into(), test_correct: vec![false] };
    let at_1 = [pass_1, other.clone()];
    let at_2 = [pass_2, other];
    assert_eq!(Score::compute(&at_1, 1, Convention::OfficialArc).fraction(), 0.25);
    assert_eq!(Score::compute(&at_1, 1, Convention::HrmAllTests).fraction(), 0.0);
    assert_eq!(Score::compute(&at_2, 2, Convention::OfficialArc).fraction(), 0.5);
    assert_eq!(Score::compute(&at_2, 2, Convention::HrmAllTests).fraction(), 0.5);

    let submission = Submission { tasks: vec![("task1".into(), vec![attempts(&ranked_1).unwrap(), attempts(&ranked_2).unwrap()])] };
    assert_eq!(
        submission.to_json(),
        r#"{"task1":[{"attempt_1":[[1,2],[3,5]],"attempt_2":[[1,2],[3,4]]},{"attempt_1":[[7,0,7]],"attempt_2":[[7,7,7]]}]}"#
    );
}
