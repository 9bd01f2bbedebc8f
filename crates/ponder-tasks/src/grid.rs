//! The ARC grid: rows x columns of colours 0..9, 1 to 30 cells each way.

use serde::{Serialize, Serializer};

/// Maximum number of rows and of columns of an ARC grid, and the side of the
/// token canvas.
pub const MAX_SIDE: usize = 30;

/// Number of ARC colours; a cell holds a colour `0..NUM_COLOURS`.
pub const NUM_COLOURS: u8 = 10;

/// Reasons a list of rows is not a valid grid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GridError {
    #[error("grid has no rows")]
    NoRows,
    #[error("row 0 is empty")]
    EmptyRow,
    #[error("grid has {rows} rows, the maximum is {MAX_SIDE}")]
    TooManyRows { rows: usize },
    #[error("grid has {cols} columns, the maximum is {MAX_SIDE}")]
    TooManyColumns { cols: usize },
    #[error("row {row} has {found} cells, but row 0 has {expected}")]
    Ragged { row: usize, found: usize, expected: usize },
    #[error("row {row}, column {col}: colour {value} is out of range 0..9")]
    ColourOutOfRange { row: usize, col: usize, value: u8 },
    #[error("{rows}x{cols} grid needs {expected} cells, got {found}")]
    CellCount { rows: usize, cols: usize, expected: usize, found: usize },
}

/// A rectangular ARC grid stored row-major, height first.
///
/// Every constructor checks that both sides are within `1..=MAX_SIDE` and
/// every cell is a colour `0..=9`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Grid {
    rows: usize,
    cols: usize,
    cells: Vec<u8>,
}

impl Grid {
    /// Builds a grid from row-major cells.
    pub fn new(rows: usize, cols: usize, cells: Vec<u8>) -> Result<Self, GridError> {
        check_shape(rows, cols)?;
        if cells.len() != rows * cols {
            return Err(GridError::CellCount { rows, cols, expected: rows * cols, found: cells.len() });
        }
        if let Some(index) = cells.iter().position(|&c| c >= NUM_COLOURS) {
            let (row, col) = (index / cols, index % cols);
            return Err(GridError::ColourOutOfRange { row, col, value: cells[index] });
        }
        Ok(Self { rows, cols, cells })
    }

    /// Builds a grid from a list of rows, as ARC JSON stores it.
    pub fn from_rows<R: AsRef<[u8]>>(rows: &[R]) -> Result<Self, GridError> {
        let cols = match rows.first() {
            None => return Err(GridError::NoRows),
            Some(first) => first.as_ref().len(),
        };
        if cols == 0 {
            return Err(GridError::EmptyRow);
        }
        let mut cells = Vec::with_capacity(rows.len() * cols);
        for (row, values) in rows.iter().enumerate() {
            let values = values.as_ref();
            if values.len() != cols {
                return Err(GridError::Ragged { row, found: values.len(), expected: cols });
            }
            cells.extend_from_slice(values);
        }
        Self::new(rows.len(), cols, cells)
    }

    /// Builds a grid of one colour.
    pub fn filled(rows: usize, cols: usize, colour: u8) -> Result<Self, GridError> {
        check_shape(rows, cols)?;
        Self::new(rows, cols, vec![colour; rows * cols])
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Row-major cells.
    pub fn cells(&self) -> &[u8] {
        &self.cells
    }

    /// Colour at `(row, col)`, or `None` outside the grid.
    pub fn get(&self, row: usize, col: usize) -> Option<u8> {
        if row < self.rows && col < self.cols { Some(self.cells[row * self.cols + col]) } else { None }
    }

    /// The grid as a list of rows.
    pub fn to_rows(&self) -> Vec<Vec<u8>> {
        self.cells.chunks(self.cols).map(<[u8]>::to_vec).collect()
    }

    /// Size as `rows x columns`, for messages.
    pub fn size_text(&self) -> String {
        format!("{}x{}", self.rows, self.cols)
    }

    /// Builds a grid of the given shape whose cell `(r, c)` is `source(r, c)`.
    ///
    /// Callers guarantee the shape is valid and colours stay in range, which
    /// holds for rearrangements and colour permutations of a valid grid.
    pub(crate) fn from_fn(rows: usize, cols: usize, mut source: impl FnMut(usize, usize) -> u8) -> Self {
        let mut cells = Vec::with_capacity(rows * cols);
        for r in 0..rows {
            for c in 0..cols {
                cells.push(source(r, c));
            }
        }
        Self { rows, cols, cells }
    }
}

fn check_shape(rows: usize, cols: usize) -> Result<(), GridError> {
    if rows == 0 {
        return Err(GridError::NoRows);
    }
    if cols == 0 {
        return Err(GridError::EmptyRow);
    }
    if rows > MAX_SIDE {
        return Err(GridError::TooManyRows { rows });
    }
    if cols > MAX_SIDE {
        return Err(GridError::TooManyColumns { cols });
    }
    Ok(())
}

impl Serialize for Grid {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_rows().serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_rows_keeps_height_first() {
        let grid = Grid::from_rows(&[vec![1, 2, 3], vec![4, 5, 6]]).unwrap();
        assert_eq!(grid.rows(), 2);
        assert_eq!(grid.cols(), 3);
        assert_eq!(grid.get(1, 0), Some(4));
        assert_eq!(grid.get(2, 0), None);
        assert_eq!(grid.size_text(), "2x3");
    }

    #[test]
    fn from_rows_rejects_bad_shapes() {
        let none: [Vec<u8>; 0] = [];
        assert_eq!(Grid::from_rows(&none), Err(GridError::NoRows));
        assert_eq!(Grid::from_rows(&[Vec::<u8>::new()]), Err(GridError::EmptyRow));
        assert_eq!(
            Grid::from_rows(&[vec![1, 2], vec![3]]),
            Err(GridError::Ragged { row: 1, found: 1, expected: 2 })
        );
        assert_eq!(Grid::filled(31, 1, 0), Err(GridError::TooManyRows { rows: 31 }));
        assert_eq!(Grid::filled(1, 31, 0), Err(GridError::TooManyColumns { cols: 31 }));
        assert_eq!(
            Grid::new(1, 2, vec![0, 10]),
            Err(GridError::ColourOutOfRange { row: 0, col: 1, value: 10 })
        );
    }

    #[test]
    fn serializes_as_list_of_rows() {
        let grid = Grid::from_rows(&[vec![0, 9]]).unwrap();
        assert_eq!(serde_json::to_string(&grid).unwrap(), "[[0,9]]");
    }
}
