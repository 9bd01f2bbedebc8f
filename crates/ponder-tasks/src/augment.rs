//! ARC augmentations with the official ids and names (`dataset/common.py` and
//! `dataset/build_arc_dataset.py` in SamsungSAILMontreal/TinyRecursiveModels):
//! a colour permutation that keeps 0, then one of the 8 dihedral transforms.

use std::fmt;

use crate::grid::{Grid, NUM_COLOURS};
use crate::rng::Rng;

/// Separator between the task id, the transform and the colour mapping in an
/// augmented puzzle name: `007bbfb7|||t3|||0513742869`.
pub const NAME_SEPARATOR: &str = "|||";

/// The 8 symmetries of the square, numbered as the official builder numbers
/// them. Rotations turn counter-clockwise, as `np.rot90` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dihedral {
    Identity = 0,
    Rot90 = 1,
    Rot180 = 2,
    Rot270 = 3,
    FlipLeftRight = 4,
    FlipUpDown = 5,
    Transpose = 6,
    AntiTranspose = 7,
}

impl Dihedral {
    pub const ALL: [Dihedral; 8] = [
        Dihedral::Identity,
        Dihedral::Rot90,
        Dihedral::Rot180,
        Dihedral::Rot270,
        Dihedral::FlipLeftRight,
        Dihedral::FlipUpDown,
        Dihedral::Transpose,
        Dihedral::AntiTranspose,
    ];

    /// The transform with official id `id`, or `None` above 7.
    pub fn from_id(id: usize) -> Option<Self> {
        Self::ALL.get(id).copied()
    }

    pub fn id(self) -> usize {
        self as usize
    }

    /// The transform that undoes this one: ids 0..7 map to 0, 3, 2, 1, 4, 5, 6, 7.
    pub fn inverse(self) -> Self {
        match self {
            Dihedral::Rot90 => Dihedral::Rot270,
            Dihedral::Rot270 => Dihedral::Rot90,
            other => other,
        }
    }

    /// Whether the transform swaps rows and columns.
    pub fn swaps_axes(self) -> bool {
        matches!(self, Dihedral::Rot90 | Dihedral::Rot270 | Dihedral::Transpose | Dihedral::AntiTranspose)
    }

    /// Shape of the result for a `rows x cols` input.
    pub fn output_shape(self, rows: usize, cols: usize) -> (usize, usize) {
        if self.swaps_axes() { (cols, rows) } else { (rows, cols) }
    }

    /// The source cell of output cell `(i, j)` for a `rows x cols` input.
    pub fn source(self, rows: usize, cols: usize, i: usize, j: usize) -> (usize, usize) {
        match self {
            Dihedral::Identity => (i, j),
            Dihedral::Rot90 => (j, cols - 1 - i),
            Dihedral::Rot180 => (rows - 1 - i, cols - 1 - j),
            Dihedral::Rot270 => (rows - 1 - j, i),
            Dihedral::FlipLeftRight => (i, cols - 1 - j),
            Dihedral::FlipUpDown => (rows - 1 - i, j),
            Dihedral::Transpose => (j, i),
            Dihedral::AntiTranspose => (rows - 1 - j, cols - 1 - i),
        }
    }

    /// Applies the transform to a row-major `rows x cols` array of any cells.
    pub fn apply_cells<T: Copy>(self, rows: usize, cols: usize, cells: &[T]) -> Vec<T> {
        let (out_rows, out_cols) = self.output_shape(rows, cols);
        let mut out = Vec::with_capacity(cells.len());
        for i in 0..out_rows {
            for j in 0..out_cols {
                let (r, c) = self.source(rows, cols, i, j);
                out.push(cells[r * cols + c]);
            }
        }
        out
    }

    pub fn apply(self, grid: &Grid) -> Grid {
        let (rows, cols) = (grid.rows(), grid.cols());
        let (out_rows, out_cols) = self.output_shape(rows, cols);
        let cells = grid.cells();
        Grid::from_fn(out_rows, out_cols, |i, j| {
            let (r, c) = self.source(rows, cols, i, j);
            cells[r * cols + c]
        })
    }
}

/// A colour mapping: colour c becomes `mapping[c]`. Augmentations permute
/// 1..9 and keep 0 (the background) in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ColourMap([u8; NUM_COLOURS as usize]);

impl ColourMap {
    pub const IDENTITY: ColourMap = ColourMap([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

    /// Checks that `mapping` is a permutation of 0..9 that keeps 0.
    pub fn new(mapping: [u8; 10]) -> Result<Self, AugmentError> {
        let mut seen = [false; 10];
        for &colour in &mapping {
            if colour > 9 || seen[colour as usize] {
                return Err(AugmentError::NotPermutation { mapping: digits(&mapping) });
            }
            seen[colour as usize] = true;
        }
        if mapping[0] != 0 {
            return Err(AugmentError::BackgroundMoved { to: mapping[0] });
        }
        Ok(Self(mapping))
    }

    /// A uniformly random permutation of 1..9 with 0 fixed.
    pub fn random(rng: &mut Rng) -> Self {
        let mut mapping = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        rng.shuffle(&mut mapping[1..]);
        Self(mapping)
    }

    pub fn mapping(&self) -> [u8; 10] {
        self.0
    }

    pub fn map(&self, colour: u8) -> u8 {
        self.0[colour as usize % 10]
    }

    pub fn inverse(&self) -> Self {
        let mut inverse = [0; 10];
        for (colour, &mapped) in self.0.iter().enumerate() {
            inverse[mapped as usize] = colour as u8;
        }
        Self(inverse)
    }

    pub fn apply(&self, grid: &Grid) -> Grid {
        let cells = grid.cells();
        Grid::from_fn(grid.rows(), grid.cols(), |r, c| self.map(cells[r * grid.cols() + c]))
    }
}

/// One augmentation as the official builder applies it: colours first, then
/// the dihedral transform. The two commute, since one moves cells and the
/// other recolours them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Augmentation {
    pub transform: Dihedral,
    pub colours: ColourMap,
}

impl Augmentation {
    pub const IDENTITY: Augmentation = Augmentation { transform: Dihedral::Identity, colours: ColourMap::IDENTITY };

    /// Draws a transform and a colour permutation, each uniformly.
    pub fn random(rng: &mut Rng) -> Self {
        let transform = Dihedral::ALL[rng.below(8)];
        let colours = ColourMap::random(rng);
        Self { transform, colours }
    }

    pub fn apply(&self, grid: &Grid) -> Grid {
        self.transform.apply(&self.colours.apply(grid))
    }

    /// The augmentation that maps an augmented grid back to the original.
    pub fn inverse(&self) -> Self {
        Self { transform: self.transform.inverse(), colours: self.colours.inverse() }
    }

    pub fn invert(&self, grid: &Grid) -> Grid {
        self.inverse().apply(grid)
    }

    /// The augmented puzzle name, `{id}|||t{transform}|||{mapping}`, where the
    /// mapping is the ten mapped colours of 0..9 written as digits.
    pub fn name(&self, id: &str) -> String {
        format!("{id}{NAME_SEPARATOR}t{}{NAME_SEPARATOR}{}", self.transform.id(), digits(&self.colours.0))
    }
}

fn digits(mapping: &[u8]) -> String {
    mapping.iter().map(|d| d.to_string()).collect()
}

impl fmt::Display for Augmentation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t{} colours {}", self.transform.id(), digits(&self.colours.0))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AugmentError {
    #[error("augmented name `{name}` needs `id|||t<0..7>|||<10 digits>`")]
    BadName { name: String },
    #[error("transform id {id} is out of range 0..7")]
    BadTransform { id: String },
    #[error("colour mapping {mapping} is not a permutation of the digits 0..9")]
    NotPermutation { mapping: String },
    #[error("colour mapping moves colour 0 to {to}, but augmentations keep 0 in place")]
    BackgroundMoved { to: u8 },
}

/// Splits a puzzle name into the task id and its augmentation, as the
/// official `inverse_aug` does: a name without the separator is the task
/// itself, and otherwise the last two parts are the transform and mapping.
pub fn parse_name(name: &str) -> Result<(String, Augmentation), AugmentError> {
    if !name.contains(NAME_SEPARATOR) {
        return Ok((name.to_owned(), Augmentation::IDENTITY));
    }
    let parts: Vec<&str> = name.split(NAME_SEPARATOR).collect();
    let bad_name = || AugmentError::BadName { name: name.to_owned() };
    let [id, .., transform, mapping] = parts.as_slice() else { return Err(bad_name()) };
    if parts.len() < 3 {
        return Err(bad_name());
    }

    let transform_id = transform.strip_prefix('t').ok_or_else(bad_name)?;
    let transform = transform_id
        .parse::<usize>()
        .ok()
        .and_then(Dihedral::from_id)
        .ok_or_else(|| AugmentError::BadTransform { id: transform_id.to_owned() })?;

    let not_permutation = || AugmentError::NotPermutation { mapping: (*mapping).to_owned() };
    let values: Vec<u8> = mapping.chars().map(|c| c.to_digit(10).map(|d| d as u8)).collect::<Option<_>>().ok_or_else(not_permutation)?;
    let array: [u8; 10] = values.try_into().map_err(|_| not_permutation())?;
    let colours = ColourMap::new(array)?;

    Ok(((*id).to_owned(), Augmentation { transform, colours }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(rows: &[&[u8]]) -> Grid {
        Grid::from_rows(rows).unwrap()
    }

    #[test]
    fn transforms_match_numpy() {
        // np.rot90 turns counter-clockwise: the last column becomes the first row.
        let source = grid(&[&[1, 2, 3], &[4, 5, 6]]);
        let expected: [&[&[u8]]; 8] = [
            &[&[1, 2, 3], &[4, 5, 6]],
            &[&[3, 6], &[2, 5], &[1, 4]],
            &[&[6, 5, 4], &[3, 2, 1]],
            &[&[4, 1], &[5, 2], &[6, 3]],
            &[&[3, 2, 1], &[6, 5, 4]],
            &[&[4, 5, 6], &[1, 2, 3]],
            &[&[1, 4], &[2, 5], &[3, 6]],
            &[&[6, 3], &[5, 2], &[4, 1]],
        ];
        for (transform, rows) in Dihedral::ALL.iter().zip(expected) {
            assert_eq!(transform.apply(&source), grid(rows), "transform {}", transform.id());
        }
    }

    #[test]
    fn inverse_ids_match_official_table() {
        let inverse: Vec<usize> = Dihedral::ALL.iter().map(|t| t.inverse().id()).collect();
        assert_eq!(inverse, vec![0, 3, 2, 1, 4, 5, 6, 7]);
    }

    #[test]
    fn name_format() {
        let colours = ColourMap::new([0, 5, 1, 3, 7, 4, 2, 8, 6, 9]).unwrap();
        let augmentation = Augmentation { transform: Dihedral::Rot270, colours };
        assert_eq!(augmentation.name("007bbfb7"), "007bbfb7|||t3|||0513742869");
        assert_eq!(parse_name("007bbfb7|||t3|||0513742869"), Ok(("007bbfb7".to_owned(), augmentation)));
        assert_eq!(parse_name("007bbfb7"), Ok(("007bbfb7".to_owned(), Augmentation::IDENTITY)));
    }

    #[test]
    fn bad_names_are_rejected() {
        assert_eq!(
            parse_name("a|||t8|||0123456789").unwrap_err().to_string(),
            "transform id 8 is out of range 0..7"
        );
        assert_eq!(
            parse_name("a|||t1|||0123456788").unwrap_err().to_string(),
            "colour mapping 0123456788 is not a permutation of the digits 0..9"
        );
        assert_eq!(
            parse_name("a|||t1|||1023456789").unwrap_err().to_string(),
            "colour mapping moves colour 0 to 1, but augmentations keep 0 in place"
        );
        assert_eq!(
            parse_name("a|||0123456789").unwrap_err().to_string(),
            "augmented name `a|||0123456789` needs `id|||t<0..7>|||<10 digits>`"
        );
    }

    #[test]
    fn colour_map_inverse() {
        let colours = ColourMap::new([0, 5, 1, 3, 7, 4, 2, 8, 6, 9]).unwrap();
        assert_eq!(colours.inverse().mapping(), [0, 2, 6, 3, 5, 1, 8, 4, 7, 9]);
    }
}
