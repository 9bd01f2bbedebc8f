//! Tiny Recursive Models in burn.

pub mod checkpoint;
