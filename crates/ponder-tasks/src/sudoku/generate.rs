//! Generation of Sudoku puzzles with exactly one solution, a chosen number of
//! givens, and a chosen need for search beyond singles.

use super::solve::{State, count_solutions, propagate, search};
use super::{Board, CELLS};
use crate::rng::Rng;

/// Requested givens and need for search of a generated puzzle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Difficulty {
    /// Number of filled cells, 17 to 80. Below about 22 most attempts fail,
    /// because removing cells one at a time rarely reaches so few.
    pub givens: usize,
    /// `true`: naked and hidden singles alone must not solve it, so a solver
    /// has to guess. `false`: singles alone solve it.
    pub needs_search: bool,
}

/// A puzzle with its unique solution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    pub puzzle: Board,
    pub solution: Board,
    /// Full grids drawn before one gave a fitting puzzle, at least 1.
    pub attempts: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenerateError {
    #[error("{givens} givens requested, expected 17 to 80 (no 16-clue Sudoku has a unique solution)")]
    GivensOutOfRange { givens: usize },
    #[error("no puzzle with {givens} givens (needs search: {needs_search}) found in {attempts} attempts")]
    GaveUp { givens: usize, needs_search: bool, attempts: usize },
}

/// Generates a puzzle: draws a random full grid, blanks cells in random order
/// while the solution stays unique until `givens` remain, and keeps the
/// result if its need for search matches. Tries up to `max_attempts` grids.
pub fn generate(rng: &mut Rng, difficulty: Difficulty, max_attempts: usize) -> Result<Generated, GenerateError> {
    let Difficulty { givens, needs_search } = difficulty;
    if !(17..=80).contains(&givens) {
        return Err(GenerateError::GivensOutOfRange { givens });
    }

    for attempt in 1..=max_attempts {
        let solution = random_full_grid(rng);
        let Some(puzzle) = remove_to(rng, &solution, givens) else { continue };
        let solved_by_singles = propagate(&puzzle).is_some_and(|board| board.is_solved());
        if solved_by_singles != needs_search {
            return Ok(Generated { puzzle, solution, attempts: attempt });
        }
    }
    Err(GenerateError::GaveUp { givens, needs_search, attempts: max_attempts })
}

fn random_full_grid(rng: &mut Rng) -> Board {
    // The empty board has solutions, so the search always fills it.
    let mut state = State::new(&Board::EMPTY).unwrap_or_else(|| unreachable!("the empty board has no conflicts"));
    let (mut count, mut found) = (0, None);
    search(&mut state, 1, &mut count, &mut found, &mut |digits| rng.shuffle(digits));
    found.unwrap_or(Board::EMPTY)
}

/// Blanks cells in random order, skipping any whose removal admits a second
/// solution; `None` if the puzzle gets stuck above `givens`.
fn remove_to(rng: &mut Rng, solution: &Board, givens: usize) -> Option<Board> {
    let mut puzzle = *solution;
    let mut filled = CELLS;
    for index in rng.permutation(CELLS) {
        if filled == givens {
            break;
        }
        let digit = puzzle.0[index];
        puzzle.0[index] = 0;
        if count_solutions(&puzzle, 2) == 1 {
            filled -= 1;
        } else {
            puzzle.0[index] = digit;
        }
    }
    (filled == givens).then_some(puzzle)
}
