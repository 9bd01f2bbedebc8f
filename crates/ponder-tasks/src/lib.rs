//! Puzzle formats for Ponder: ARC tasks, Sudoku and Maze, their token
//! encodings in the layout of the official TRM data builders, augmentations,
//! voting over augmented predictions, and scoring.

pub mod arc;
pub mod augment;
pub mod dataset;
pub mod encoding;
pub mod grid;
mod json;
pub mod kaggle;
pub mod maze;
pub mod problem;
pub mod rng;
pub mod score;
pub mod sudoku;
pub mod validate;
pub mod vote;

pub use arc::{Pair, Task, TestPair};
pub use grid::{Grid, GridError};
pub use problem::{GridRole, Location, PairKind, Problem, ProblemKind, Problems};
pub use rng::Rng;
