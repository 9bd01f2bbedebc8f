//! Sudoku in the layout of the official TRM builder
//! (`dataset/build_sudoku_dataset.py`): 81 tokens, row-major, digit d as
//! token d + 1 and a blank as token 1 (PAD 0 is never used inside a board).

mod augment;
mod generate;
mod solve;

use std::fmt;

pub use augment::SudokuAugmentation;
pub use generate::{Difficulty, GenerateError, Generated, generate};
pub use solve::{count_solutions, propagate, solve};

/// Cells of a board.
pub const CELLS: usize = 81;
/// PAD, blank and the digits 1..9.
pub const VOCAB_SIZE: usize = 11;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SudokuError {
    #[error("expected 81 cells, found {found}")]
    Length { found: usize },
    #[error("cell {index} (row {row}, column {col}) is {found:?}, expected a digit 1-9, or `.` or `0` for a blank")]
    BadChar { index: usize, row: usize, col: usize, found: char },
    #[error("token {index} is {found}, expected 1 (blank) or 2..10 (digits 1..9)")]
    BadToken { index: usize, found: i64 },
}

/// A 9x9 board, row-major; 0 is a blank and 1..9 a digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Board(pub(crate) [u8; CELLS]);

/// Two cells of one row, column or box holding the same digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conflict {
    pub digit: u8,
    pub first: usize,
    pub second: usize,
}

impl Board {
    pub const EMPTY: Board = Board([0; CELLS]);

    /// Builds a board from cells 0..9 (0 for blank); `None` if a value is above 9.
    pub fn from_cells(cells: [u8; CELLS]) -> Option<Self> {
        cells.iter().all(|&value| value <= 9).then_some(Self(cells))
    }

    /// Parses the common 81-character format, `.` or `0` for a blank.
    /// Whitespace around the text is ignored.
    pub fn parse(text: &str) -> Result<Self, SudokuError> {
        let text = text.trim();
        let found = text.chars().count();
        if found != CELLS {
            return Err(SudokuError::Length { found });
        }
        let mut cells = [0; CELLS];
        for (index, character) in text.chars().enumerate() {
            cells[index] = match character {
                '.' | '0' => 0,
                '1'..='9' => character as u8 - b'0',
                found => return Err(SudokuError::BadChar { index, row: index / 9, col: index % 9, found }),
            };
        }
        Ok(Self(cells))
    }

    pub fn cells(&self) -> &[u8; CELLS] {
        &self.0
    }

    pub fn get(&self, row: usize, col: usize) -> u8 {
        self.0[row * 9 + col]
    }

    pub fn givens(&self) -> usize {
        self.0.iter().filter(|&&value| value != 0).count()
    }

    /// Tokens for the model: value + 1, so a blank is 1 and digit d is d + 1.
    pub fn to_tokens(&self) -> [u8; CELLS] {
        self.0.map(|value| value + 1)
    }

    /// Reads model tokens back; anything outside 1..=10 is an error.
    pub fn from_tokens<T: Copy + Into<i64>>(tokens: &[T]) -> Result<Self, SudokuError> {
        if tokens.len() != CELLS {
            return Err(SudokuError::Length { found: tokens.len() });
        }
        let mut cells = [0; CELLS];
        for (index, &token) in tokens.iter().enumerate() {
            let token = token.into();
            if !(1..=10).contains(&token) {
                return Err(SudokuError::BadToken { index, found: token });
            }
            cells[index] = (token - 1) as u8;
        }
        Ok(Self(cells))
    }

    /// Lists every pair of equal digits sharing a row, column or box.
    pub fn conflicts(&self) -> Vec<Conflict> {
        let mut conflicts = Vec::new();
        for first in 0..CELLS {
            for second in first + 1..CELLS {
                let digit = self.0[first];
                if digit != 0 && digit == self.0[second] && peers(first, second) {
                    conflicts.push(Conflict { digit, first, second });
                }
            }
        }
        conflicts
    }

    /// Returns whether every cell is filled and no rule is broken.
    pub fn is_solved(&self) -> bool {
        self.givens() == CELLS && self.conflicts().is_empty()
    }

    /// Returns whether `self` is a full valid grid that keeps every given of `puzzle`.
    pub fn solves(&self, puzzle: &Board) -> bool {
        self.is_solved() && puzzle.0.iter().zip(&self.0).all(|(&given, &value)| given == 0 || given == value)
    }
}

/// Returns whether two distinct cells share a row, column or 3x3 box.
pub(crate) fn peers(a: usize, b: usize) -> bool {
    let (ra, ca, rb, cb) = (a / 9, a % 9, b / 9, b % 9);
    a != b && (ra == rb || ca == cb || (ra / 3 == rb / 3 && ca / 3 == cb / 3))
}

impl fmt::Display for Board {
    /// Writes the 81-character format with `.` for blanks.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text: String = self.0.iter().map(|&value| if value == 0 { '.' } else { char::from(b'0' + value) }).collect();
        f.write_str(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const PUZZLE: &str = "53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79";
    pub(crate) const SOLUTION: &str = "534678912672195348198342567859761423426853791713924856961537284287419635345286179";

    #[test]
    fn parse_and_format() {
        let board = Board::parse(PUZZLE).unwrap();
        assert_eq!(board.get(0, 0), 5);
        assert_eq!(board.get(0, 2), 0);
        assert_eq!(board.givens(), 30);
        assert_eq!(board.to_string(), PUZZLE);
        assert_eq!(Board::parse(&PUZZLE.replace('.', "0")), Ok(board));
    }

    #[test]
    fn parse_errors() {
        assert_eq!(Board::parse("123").unwrap_err().to_string(), "expected 81 cells, found 3");
        let bad = format!("{}x{}", &PUZZLE[..10], &PUZZLE[11..]);
        assert_eq!(
            Board::parse(&bad).unwrap_err().to_string(),
            "cell 10 (row 1, column 1) is 'x', expected a digit 1-9, or `.` or `0` for a blank"
        );
    }

    #[test]
    fn tokens_shift_by_one() {
        let board = Board::parse(PUZZLE).unwrap();
        let tokens = board.to_tokens();
        assert_eq!(tokens[..4], [6, 4, 1, 1]);
        assert_eq!(Board::from_tokens(&tokens), Ok(board));
        let mut bad = tokens.map(i64::from);
        bad[3] = 0;
        assert_eq!(Board::from_tokens(&bad), Err(SudokuError::BadToken { index: 3, found: 0 }));
    }

    #[test]
    fn validity() {
        let puzzle = Board::parse(PUZZLE).unwrap();
        let solution = Board::parse(SOLUTION).unwrap();
        assert!(solution.is_solved());
        assert!(solution.solves(&puzzle));
        assert!(!puzzle.is_solved());
        let mut broken = solution;
        broken.0.swap(0, 1);
        assert!(!broken.solves(&puzzle));
        let mut clash = puzzle;
        clash.0[2] = 5;
        assert_eq!(clash.conflicts(), vec![Conflict { digit: 5, first: 0, second: 2 }]);
    }
}
