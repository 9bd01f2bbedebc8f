//! Round trips of augmentations over random grids, transforms and colour
//! permutations.

use ponder_tasks::Grid;
use ponder_tasks::augment::{Augmentation, ColourMap, Dihedral, parse_name};
use ponder_tasks::rng::Rng;
use proptest::prelude::*;

fn any_grid() -> impl Strategy<Value = Grid> {
    (1usize..=30, 1usize..=30).prop_flat_map(|(rows, cols)| {
        prop::collection::vec(0u8..10, rows * cols).prop_map(move |cells| Grid::new(rows, cols, cells).unwrap())
    })
}

proptest! {
    #[test]
    fn invert_undoes_apply(grid in any_grid(), id in 0usize..8, seed in any::<u64>()) {
        let transform = Dihedral::from_id(id).unwrap();
        let augmentation = Augmentation { transform, colours: ColourMap::random(&mut Rng::new(seed)) };
        let augmented = augmentation.apply(&grid);
        prop_assert_eq!(augmented.rows(), if transform.swaps_axes() { grid.cols() } else { grid.rows() });
        prop_assert_eq!(augmentation.invert(&augmented), grid);
    }

    #[test]
    fn name_round_trip_inverts(grid in any_grid(), seed in any::<u64>()) {
        let augmentation = Augmentation::random(&mut Rng::new(seed));
        let name = augmentation.name("0a1b2c3d");
        let (id, parsed) = parse_name(&name).unwrap();
        prop_assert_eq!(id, "0a1b2c3d");
        prop_assert_eq!(parsed, augmentation);
        prop_assert_eq!(parsed.invert(&augmentation.apply(&grid)), grid);
    }

    #[test]
    fn colour_zero_stays(seed in any::<u64>()) {
        let colours = ColourMap::random(&mut Rng::new(seed));
        prop_assert_eq!(colours.map(0), 0);
        prop_assert_eq!(ColourMap::new(colours.mapping()), Ok(colours));
    }
}
