//! Generated puzzles keep their promises: Sudoku puzzles have exactly one
//! solution at the requested difficulty, and mazes a shortest path of the
//! reported length.

use ponder_tasks::maze::{self, Cell};
use ponder_tasks::rng::Rng;
use ponder_tasks::sudoku::{self, Difficulty, GenerateError, count_solutions, propagate};

#[test]
fn sudoku_without_search_is_unique() {
    let mut rng = Rng::new(1);
    for _ in 0..5 {
        let generated = sudoku::generate(&mut rng, Difficulty { givens: 30, needs_search: false }, 50).unwrap();
        assert_eq!(generated.puzzle.givens(), 30);
        assert_eq!(count_solutions(&generated.puzzle, 2), 1);
        assert!(generated.solution.solves(&generated.puzzle));
        assert_eq!(propagate(&generated.puzzle), Some(generated.solution));
    }
}

#[test]
fn sudoku_needing_search_is_unique() {
    let mut rng = Rng::new(2);
    for _ in 0..3 {
        let generated = sudoku::generate(&mut rng, Difficulty { givens: 24, needs_search: true }, 200).unwrap();
        assert_eq!(generated.puzzle.givens(), 24);
        assert_eq!(count_solutions(&generated.puzzle, 2), 1);
        assert!(generated.solution.solves(&generated.puzzle));
        assert!(!propagate(&generated.puzzle).unwrap().is_solved());
    }
}

#[test]
fn sudoku_generation_is_reproducible() {
    let difficulty = Difficulty { givens: 28, needs_search: false };
    let first = sudoku::generate(&mut Rng::new(9), difficulty, 50).unwrap();
    let second = sudoku::generate(&mut Rng::new(9), difficulty, 50).unwrap();
    assert_eq!(first, second);
}

#[test]
fn sudoku_rejects_impossible_givens() {
    let error = sudoku::generate(&mut Rng::new(0), Difficulty { givens: 16, needs_search: false }, 1).unwrap_err();
    assert_eq!(error, GenerateError::GivensOutOfRange { givens: 16 });
    assert_eq!(
        error.to_string(),
        "16 givens requested, expected 17 to 80 (no 16-clue Sudoku has a unique solution)"
    );
}

#[test]
fn maze_path_has_promised_length() {
    let mut rng = Rng::new(5);
    for loops in [0, 20] {
        let (maze, length) = maze::generate(&mut rng, 100, loops, 20).unwrap();
        assert!(length >= 100, "length {length}");
        assert_eq!(maze.shortest_path_length(), Ok(length));
        let solved = maze.solved().unwrap();
        assert_eq!(solved.cells().iter().filter(|&&cell| cell == Cell::Path).count(), length - 1);
        assert_eq!(maze.check_path(&solved), Ok(()));
        assert_eq!(maze.to_string().lines().count(), 30);
    }
}

#[test]
fn maze_generation_gives_up_on_impossible_length() {
    let error = maze::generate(&mut Rng::new(5), 10_000, 0, 2).unwrap_err();
    assert_eq!(error.to_string(), "no maze with a shortest path of at least 10000 steps found in 2 attempts");
}
