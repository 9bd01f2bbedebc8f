//! The official Sudoku augmentation (`shuffle_sudoku` in
//! `dataset/build_sudoku_dataset.py`): relabel digits, maybe transpose, then
//! shuffle bands and the rows within each band, and stacks and the columns
//! within each stack. Every such map keeps a valid grid valid.

use super::{Board, CELLS};
use crate::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SudokuAugmentation {
    /// Digit d becomes `digits[d]`; `digits[0]` is 0 so blanks stay blank.
    pub digits: [u8; 10],
    pub transpose: bool,
    /// New row r takes old row `row_order[r]` (after the transpose).
    pub row_order: [usize; 9],
    /// New column c takes old column `col_order[c]`.
    pub col_order: [usize; 9],
}

impl SudokuAugmentation {
    pub const IDENTITY: SudokuAugmentation = SudokuAugmentation {
        digits: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        transpose: false,
        row_order: [0, 1, 2, 3, 4, 5, 6, 7, 8],
        col_order: [0, 1, 2, 3, 4, 5, 6, 7, 8],
    };

    /// Draws each part as the official builder does: a uniform digit
    /// permutation, a fair coin for the transpose, and uniform band, stack,
    /// row and column orders.
    pub fn random(rng: &mut Rng) -> Self {
        let mut digits = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        rng.shuffle(&mut digits[1..]);
        let transpose = rng.next_f64() < 0.5;
        let row_order = block_order(rng);
        let col_order = block_order(rng);
        Self { digits, transpose, row_order, col_order }
    }

    pub fn apply(&self, board: &Board) -> Board {
        let mut cells = [0; CELLS];
        for (index, cell) in cells.iter_mut().enumerate() {
            let (row, col) = (self.row_order[index / 9], self.col_order[index % 9]);
            let (row, col) = if self.transpose { (col, row) } else { (row, col) };
            *cell = self.digits[board.0[row * 9 + col] as usize];
        }
        Board(cells)
    }
}

/// Draws a line order that permutes the three blocks and the lines inside each.
fn block_order(rng: &mut Rng) -> [usize; 9] {
    let blocks = rng.permutation(3);
    let mut order = [0; 9];
    for (slot, block) in blocks.into_iter().enumerate() {
        for (offset, line) in rng.permutation(3).into_iter().enumerate() {
            order[slot * 3 + offset] = block * 3 + line;
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::super::count_solutions;
    use super::super::tests::{PUZZLE, SOLUTION};
    use super::*;

    #[test]
    fn transpose_and_orders_by_hand() {
        let solution = Board::parse(SOLUTION).unwrap();
        let augmentation = SudokuAugmentation {
            digits: [0, 2, 1, 3, 4, 5, 6, 7, 8, 9],
            transpose: true,
            row_order: [3, 4, 5, 0, 1, 2, 6, 7, 8],
            col_order: [2, 1, 0, 3, 4, 5, 6, 7, 8],
        };
        let augmented = augmentation.apply(&solution);
        // New (0, 0) is transposed (3, 2), which is old (2, 3) = 3.
        assert_eq!(augmented.get(0, 0), 3);
        // New (0, 2) is transposed (3, 0), old (0, 3) = 6.
        assert_eq!(augmented.get(0, 2), 6);
        // New (3, 0) is transposed (0, 2), old (2, 0) = 1, relabelled to 2.
        assert_eq!(augmented.get(3, 0), 2);
        assert!(augmented.is_solved());
    }

    #[test]
    fn random_augmentations_keep_puzzles_valid() {
        let puzzle = Board::parse(PUZZLE).unwrap();
        let solution = Board::parse(SOLUTION).unwrap();
        let mut rng = Rng::new(11);
        for _ in 0..50 {
            let augmentation = SudokuAugmentation::random(&mut rng);
            let (new_puzzle, new_solution) = (augmentation.apply(&puzzle), augmentation.apply(&solution));
            assert!(new_solution.solves(&new_puzzle));
            assert_eq!(new_puzzle.givens(), 30);
            assert_eq!(count_solutions(&new_puzzle, 2), 1);
        }
    }
}
