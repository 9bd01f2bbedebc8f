//! The official TRM token layout for ARC (`dataset/build_arc_dataset.py` in
//! SamsungSAILMontreal/TinyRecursiveModels): each grid is placed on a 30x30
//! canvas, PAD 0 around it, colour c as token c + 2, and EOS tokens along the
//! row below the grid and the column right of it, without the corner cell.

use crate::grid::{Grid, MAX_SIDE};
use crate::rng::Rng;

pub const PAD: u8 = 0;
pub const EOS: u8 = 1;
/// Token of colour 0; colour c is `COLOUR_OFFSET + c`.
pub const COLOUR_OFFSET: u8 = 2;
/// Tokens per grid: the 30x30 canvas, row-major.
pub const SEQ_LEN: usize = MAX_SIDE * MAX_SIDE;
/// PAD, EOS and ten colours.
pub const VOCAB_SIZE: usize = 12;
/// Label value the official data loader puts where the label is PAD, so the
/// loss skips it.
pub const IGNORE_LABEL_ID: i32 = -100;

/// Offset of a grid's top-left cell on the canvas. The official builder
/// draws it at random for training examples (the same for input and output)
/// and uses none at evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Translation {
    pub row: usize,
    pub col: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodingError {
    #[error("a {rows}x{cols} grid translated by ({row}, {col}) does not fit the 30x30 canvas")]
    DoesNotFit { rows: usize, cols: usize, row: usize, col: usize },
    #[error("prediction has {found} tokens, expected 900")]
    Length { found: usize },
    #[error("prediction has no colour token in its top-left cell, so it crops to an empty grid")]
    Empty,
}

/// Encodes one grid onto the canvas.
pub fn encode_grid(grid: &Grid, translation: Translation) -> Result<Vec<u8>, EncodingError> {
    let (rows, cols) = (grid.rows(), grid.cols());
    let Translation { row: top, col: left } = translation;
    if top + rows > MAX_SIDE || left + cols > MAX_SIDE {
        return Err(EncodingError::DoesNotFit { rows, cols, row: top, col: left });
    }

    let mut tokens = vec![PAD; SEQ_LEN];
    for (r, row_cells) in grid.cells().chunks(cols).enumerate() {
        for (c, &colour) in row_cells.iter().enumerate() {
            tokens[(top + r) * MAX_SIDE + left + c] = colour + COLOUR_OFFSET;
        }
    }

    // EOS marks the end of each row and of the grid; it is left out where the
    // grid touches the canvas edge, and the corner cell stays PAD.
    let (eos_row, eos_col) = (top + rows, left + cols);
    if eos_row < MAX_SIDE {
        tokens[eos_row * MAX_SIDE + left..eos_row * MAX_SIDE + eos_col].fill(EOS);
    }
    if eos_col < MAX_SIDE {
        for r in top..eos_row {
            tokens[r * MAX_SIDE + eos_col] = EOS;
        }
    }
    Ok(tokens)
}

/// Encodes an input and output grid with the same translation, as one
/// example of the official dataset.
pub fn encode_pair(input: &Grid, output: &Grid, translation: Translation) -> Result<(Vec<u8>, Vec<u8>), EncodingError> {
    Ok((encode_grid(input, translation)?, encode_grid(output, translation)?))
}

/// Draws a translation that fits both grids, uniform over the free rows, then
/// the free columns, as the official builder does (with its own generator, so
/// the values differ).
pub fn random_translation(rng: &mut Rng, input: &Grid, output: &Grid) -> Translation {
    let rows = input.rows().max(output.rows());
    let cols = input.cols().max(output.cols());
    let row = rng.below(MAX_SIDE - rows + 1);
    let col = rng.below(MAX_SIDE - cols + 1);
    Translation { row, col }
}

/// Turns label tokens into the model's training labels: PAD becomes
/// [`IGNORE_LABEL_ID`], as the official loader does for ARC.
pub fn labels_with_ignore(tokens: &[u8]) -> Vec<i32> {
    tokens.iter().map(|&token| if token == PAD { IGNORE_LABEL_ID } else { i32::from(token) }).collect()
}

/// Decodes a predicted canvas into a grid as the official evaluator's `_crop`
/// (`evaluators/arc.py`) does: going down the rows from the top, each row's
/// run of colour tokens from the left caps the width, and the rectangle of
/// largest area wins (the first one on ties). Any token that is not a colour
/// ends a run, so garbage decodes to a smaller grid or to [`EncodingError::Empty`].
pub fn decode_prediction<T: Copy + Into<i64>>(tokens: &[T]) -> Result<Grid, EncodingError> {
    if tokens.len() != SEQ_LEN {
        return Err(EncodingError::Length { found: tokens.len() });
    }
    let is_colour = |token: T| (2..=11).contains(&token.into());

    let mut width = MAX_SIDE;
    let (mut best_area, mut best) = (0, (0, 0));
    for rows in 1..=MAX_SIDE {
        let row = &tokens[(rows - 1) * MAX_SIDE..rows * MAX_SIDE];
        width = row[..width].iter().position(|&token| !is_colour(token)).unwrap_or(width);
        if rows * width > best_area {
            best_area = rows * width;
            best = (rows, width);
        }
    }

    let (rows, cols) = best;
    if best_area == 0 {
        return Err(EncodingError::Empty);
    }
    let mut cells = Vec::with_capacity(rows * cols);
    for r in 0..rows {
        for &token in &tokens[r * MAX_SIDE..r * MAX_SIDE + cols] {
            // Colour tokens are 2..=11, checked above, so this is 0..=9.
            cells.push((token.into() - i64::from(COLOUR_OFFSET)) as u8);
        }
    }
    Grid::new(rows, cols, cells).map_err(|_| EncodingError::Empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canvas_rows(tokens: &[u8], rows: usize, cols: usize) -> Vec<Vec<u8>> {
        (0..rows).map(|r| tokens[r * MAX_SIDE..r * MAX_SIDE + cols].to_vec()).collect()
    }

    #[test]
    fn encode_places_eos_below_and_right() {
        let grid = Grid::from_rows(&[vec![0, 9], vec![3, 4]]).unwrap();
        let tokens = encode_grid(&grid, Translation::default()).unwrap();
        assert_eq!(canvas_rows(&tokens, 4, 4), vec![vec![2, 11, 1, 0], vec![5, 6, 1, 0], vec![1, 1, 0, 0], vec![0, 0, 0, 0]]);
        assert_eq!(tokens.iter().filter(|&&t| t == EOS).count(), 4);
    }

    #[test]
    fn encode_with_translation() {
        let grid = Grid::from_rows(&[vec![7]]).unwrap();
        let tokens = encode_grid(&grid, Translation { row: 1, col: 2 }).unwrap();
        assert_eq!(canvas_rows(&tokens, 3, 4), vec![vec![0, 0, 0, 0], vec![0, 0, 9, 1], vec![0, 0, 1, 0]]);
    }

    #[test]
    fn full_canvas_has_no_eos() {
        let grid = Grid::filled(30, 30, 5).unwrap();
        let tokens = encode_grid(&grid, Translation::default()).unwrap();
        assert!(tokens.iter().all(|&t| t == 7));
        assert_eq!(decode_prediction(&tokens), Ok(grid));
    }

    #[test]
    fn encode_rejects_translation_off_canvas() {
        let grid = Grid::filled(2, 3, 0).unwrap();
        let error = encode_grid(&grid, Translation { row: 29, col: 0 }).unwrap_err();
        assert_eq!(error.to_string(), "a 2x3 grid translated by (29, 0) does not fit the 30x30 canvas");
    }

    #[test]
    fn decode_inverts_encode() {
        let grid = Grid::from_rows(&[vec![1, 2, 3], vec![4, 5, 6]]).unwrap();
        let tokens = encode_grid(&grid, Translation::default()).unwrap();
        assert_eq!(decode_prediction(&tokens), Ok(grid));
    }

    #[test]
    fn decode_takes_largest_rectangle() {
        // Row 0 has 4 colours, rows 1..=2 only 3: 3 rows x 3 beats 1 row x 4.
        let mut tokens = vec![PAD; SEQ_LEN];
        tokens[..4].copy_from_slice(&[2, 3, 4, 5]);
        tokens[30..33].copy_from_slice(&[6, 7, 8]);
        tokens[60..64].copy_from_slice(&[9, 10, 11, 11]);
        let grid = decode_prediction(&tokens).unwrap();
        assert_eq!(grid.to_rows(), vec![vec![0, 1, 2], vec![4, 5, 6], vec![7, 8, 9]]);
    }

    #[test]
    fn decode_garbage_never_panics() {
        let empty = vec![EOS; SEQ_LEN];
        assert_eq!(decode_prediction(&empty), Err(EncodingError::Empty));
        // Tokens from -5 to 17: row 0 starts 11, -5 and row 1 starts 14, so
        // the crop is the single cell of token 11.
        let wild: Vec<i64> = (0..900).map(|i| (i * 7919 + 16) % 23 - 5).collect();
        assert_eq!(decode_prediction(&wild).map(|grid| grid.to_rows()), Ok(vec![vec![9]]));
        assert_eq!(decode_prediction(&[2u8; 899]), Err(EncodingError::Length { found: 899 }));
        let negative = vec![-3i32; SEQ_LEN];
        assert_eq!(decode_prediction(&negative), Err(EncodingError::Empty));
    }
}
