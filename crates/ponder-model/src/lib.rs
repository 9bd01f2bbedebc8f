//! Tiny Recursive Models in burn.
