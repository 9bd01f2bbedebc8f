//! Puzzle formats, encodings, augmentations, voting and scoring.
