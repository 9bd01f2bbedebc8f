//! A bitmask backtracking solver that counts solutions, and the
//! propagation-only solver used to tell whether a puzzle needs search.

use super::{Board, CELLS};

const ALL_DIGITS: u16 = 0b11_1111_1110;

/// Candidate digits per row, column and box, as bit d for digit d.
#[derive(Clone)]
pub(crate) struct State {
    cells: [u8; CELLS],
    rows: [u16; 9],
    cols: [u16; 9],
    boxes: [u16; 9],
}

impl State {
    /// Returns `None` when the givens already break a rule.
    pub(crate) fn new(board: &Board) -> Option<Self> {
        let mut state = Self { cells: [0; CELLS], rows: [0; 9], cols: [0; 9], boxes: [0; 9] };
        for (index, &digit) in board.0.iter().enumerate() {
            if digit != 0 {
                if state.candidates(index) & (1 << digit) == 0 {
                    return None;
                }
                state.place(index, digit);
            }
        }
        Some(state)
    }

    fn candidates(&self, index: usize) -> u16 {
        let (r, c) = (index / 9, index % 9);
        ALL_DIGITS & !(self.rows[r] | self.cols[c] | self.boxes[(r / 3) * 3 + c / 3])
    }

    fn place(&mut self, index: usize, digit: u8) {
        let (r, c) = (index / 9, index % 9);
        let bit = 1 << digit;
        self.cells[index] = digit;
        self.rows[r] |= bit;
        self.cols[c] |= bit;
        self.boxes[(r / 3) * 3 + c / 3] |= bit;
    }

    fn remove(&mut self, index: usize) {
        let (r, c) = (index / 9, index % 9);
        let bit = !(1u16 << self.cells[index]);
        self.cells[index] = 0;
        self.rows[r] &= bit;
        self.cols[c] &= bit;
        self.boxes[(r / 3) * 3 + c / 3] &= bit;
    }

    /// Finds the blank cell with the fewest candidates, or `None` when full.
    fn fewest_candidates(&self) -> Option<(usize, u16)> {
        let mut best: Option<(usize, u16)> = None;
        for index in 0..CELLS {
            if self.cells[index] == 0 {
                let candidates = self.candidates(index);
                if best.is_none_or(|(_, b)| candidates.count_ones() < b.count_ones()) {
                    best = Some((index, candidates));
                    if candidates.count_ones() <= 1 {
                        break;
                    }
                }
            }
        }
        best
    }
}

/// Counts solutions, stopping once `limit` are found. With `limit` 2 the
/// result is 1 exactly when the puzzle has a unique solution.
pub fn count_solutions(board: &Board, limit: usize) -> usize {
    let Some(mut state) = State::new(board) else { return 0 };
    let mut count = 0;
    search(&mut state, limit, &mut count, &mut None, &mut |_| {});
    count
}

/// Solves the board, trying digits in increasing order; `None` if unsolvable.
pub fn solve(board: &Board) -> Option<Board> {
    let mut state = State::new(board)?;
    let mut count = 0;
    let mut found = None;
    search(&mut state, 1, &mut count, &mut found, &mut |_| {});
    found
}

/// Depth-first search; `order` may reorder the candidate digits of a cell,
/// which the generator uses to draw random full grids.
pub(crate) fn search(state: &mut State, limit: usize, count: &mut usize, first: &mut Option<Board>, order: &mut dyn FnMut(&mut Vec<u8>)) {
    let Some((index, candidates)) = state.fewest_candidates() else {
        *count += 1;
        if first.is_none() {
            *first = Some(Board(state.cells));
        }
        return;
    };
    let mut digits: Vec<u8> = (1..=9).filter(|&d| candidates & (1 << d) != 0).collect();
    order(&mut digits);
    for digit in digits {
        state.place(index, digit);
        search(state, limit, count, first, order);
        state.remove(index);
        if *count >= limit {
            return;
        }
    }
}

/// Fills every cell that naked singles (one candidate left in the cell) and
/// hidden singles (one place left for a digit in a row, column or box) force,
/// repeating until nothing changes. Returns the board reached, which is
/// solved when no search is needed, or `None` on a contradiction.
pub fn propagate(board: &Board) -> Option<Board> {
    let mut state = State::new(board)?;
    loop {
        let mut changed = false;
        for index in 0..CELLS {
            if state.cells[index] != 0 {
                continue;
            }
            let candidates = state.candidates(index);
            if candidates == 0 {
                return None;
            }
            if candidates.count_ones() == 1 {
                state.place(index, candidates.trailing_zeros() as u8);
                changed = true;
            }
        }
        for unit in units() {
            for digit in 1..=9u8 {
                let bit = 1 << digit;
                if unit.iter().any(|&index| state.cells[index] == digit) {
                    continue;
                }
                let places: Vec<usize> = unit.iter().copied().filter(|&index| state.cells[index] == 0 && state.candidates(index) & bit != 0).collect();
                match places.as_slice() {
                    [] => return None,
                    [index] => {
                        state.place(*index, digit);
                        changed = true;
                    }
                    _ => {}
                }
            }
        }
        if !changed {
            return Some(Board(state.cells));
        }
    }
}

/// Lists the 27 units (rows, columns and boxes) as cell indices.
fn units() -> Vec<[usize; 9]> {
    let mut units = Vec::with_capacity(27);
    for i in 0..9 {
        units.push(std::array::from_fn(|k| i * 9 + k));
        units.push(std::array::from_fn(|k| k * 9 + i));
        let (top, left) = ((i / 3) * 3, (i % 3) * 3);
        units.push(std::array::from_fn(|k| (top + k / 3) * 9 + left + k % 3));
    }
    units
}

#[cfg(test)]
mod tests {
    use super::super::tests::{PUZZLE, SOLUTION};
    use super::*;

    #[test]
    fn solves_classic_puzzle() {
        let puzzle = Board::parse(PUZZLE).unwrap();
        assert_eq!(solve(&puzzle), Some(Board::parse(SOLUTION).unwrap()));
        assert_eq!(count_solutions(&puzzle, 2), 1);
        // This puzzle falls to singles alone.
        assert_eq!(propagate(&puzzle), Some(Board::parse(SOLUTION).unwrap()));
    }

    #[test]
    fn counts_stop_at_limit() {
        assert_eq!(count_solutions(&Board::EMPTY, 2), 2);
        let mut conflicting = Board::EMPTY;
        conflicting.0[0] = 4;
        conflicting.0[1] = 4;
        assert_eq!(count_solutions(&conflicting, 2), 0);
    }

    #[test]
    fn hard_puzzle_needs_search() {
        // Arto Inkala's 2012 puzzle: unique, and singles alone stall on it.
        let puzzle = Board::parse("8..........36......7..9.2...5...7.......457.....1...3...1....68..85...1..9....4..").unwrap();
        assert_eq!(count_solutions(&puzzle, 2), 1);
        let stalled = propagate(&puzzle).unwrap();
        assert!(!stalled.is_solved());
        assert!(solve(&puzzle).unwrap().solves(&puzzle));
    }
}
