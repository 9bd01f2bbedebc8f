//! The models `ponder train` builds: for each puzzle family an architecture
//! small enough to train on a 2-core CPU, training settings, and where the
//! examples come from (a generator for Sudoku and mazes, the bundled
//! ARC-AGI-1 training tasks for ARC).

use std::collections::HashMap;

use anyhow::Context;
use ponder_model::TrmConfig;
use ponder_model::train::{Example, ExampleSource, TrainerConfig};
use ponder_tasks::arc::Task;
use ponder_tasks::augment::Augmentation;
use ponder_tasks::dataset::{Dataset, bundled_data_dir, load_dataset};
use ponder_tasks::encoding::{encode_pair, labels_with_ignore, random_translation};
use ponder_tasks::rng::Rng;
use ponder_tasks::{maze, sudoku};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// 9x9 Sudoku from the generator, one fixed difficulty.
    Sudoku,
    /// 30x30 mazes from the generator, shortest path from S to G.
    Maze,
    /// ARC-AGI-1 training tasks under augmentations, one puzzle row per task and augmentation.
    Arc,
}

/// Difficulty of the generated Sudoku puzzles: givens, and solvable by
/// naked and hidden singles alone (no guessing).
pub const SUDOKU_DIFFICULTY: sudoku::Difficulty = sudoku::Difficulty { givens: 50, needs_search: false };

pub use maze::{TRAINING_LOOPS as MAZE_LOOPS, TRAINING_MIN_LENGTH as MAZE_MIN_LENGTH};

/// Augmented copies of each ARC training task, each with its own puzzle row.
pub const ARC_AUGMENTATIONS: usize = 8;

/// Attempts before the generators give up on one puzzle.
const GENERATOR_ATTEMPTS: usize = 1000;

impl Preset {
    pub fn name(self) -> &'static str {
        match self {
            Preset::Sudoku => "sudoku",
            Preset::Maze => "maze",
            Preset::Arc => "arc",
        }
    }

    /// Returns the architecture. `puzzle_rows` is the size of the identifier
    /// table, used by ARC only: the generated families share row 0.
    pub fn model_config(self, puzzle_rows: usize) -> TrmConfig {
        let json = match self {
            // The architectures the web app runs, so that a trained run drops in.
            Preset::Arc => return TrmConfig::ponder_arc(puzzle_rows),
            Preset::Maze => return TrmConfig::ponder_maze(),
            // The official Sudoku variant (mlp_t, no positions) at hidden 64.
            Preset::Sudoku => r#"{
                "seq_len": 81, "vocab_size": 11,
                "puzzle_emb_ndim": 0, "puzzle_emb_len": 0, "num_puzzle_identifiers": 1,
                "H_cycles": 2, "L_cycles": 2, "H_layers": 0, "L_layers": 2,
                "hidden_size": 64, "expansion": 4, "num_heads": 2, "mlp_t": true,
                "pos_encodings": "none", "halt_max_steps": 8, "halt_exploration_prob": 0.1,
                "forward_dtype": "float32", "no_ACT_continue": true
            }"#
            .to_string(),
        };
        TrmConfig::from_json_str(&json).expect("the preset configs are valid")
    }

    /// Training settings for a run of `total_steps` steps from `seed`.
    pub fn trainer_config(self, seed: u64, total_steps: usize) -> TrainerConfig {
        let batch_size = match self {
            Preset::Sudoku => 32,
            Preset::Maze | Preset::Arc => 16,
        };
        TrainerConfig {
            batch_size,
            lr: 1e-3,
            warmup_steps: 100.min(total_steps / 10),
            total_steps,
            lr_min_ratio: 0.1,
            seed,
            ..TrainerConfig::default()
        }
    }

    /// Returns the example source and the size of the identifier table it uses.
    pub fn source(self) -> anyhow::Result<(Box<dyn ExampleSource>, usize)> {
        Ok(match self {
            Preset::Sudoku => (Box::new(SudokuSource), 1),
            Preset::Maze => (Box::new(MazeSource), 1),
            Preset::Arc => {
                let source = ArcSource::bundled()?;
                let rows = source.puzzle_rows();
                (Box::new(source), rows)
            }
        })
    }
}

/// Freshly generated puzzles of [`SUDOKU_DIFFICULTY`], labelled with their solutions.
pub struct SudokuSource;

impl ExampleSource for SudokuSource {
    fn draw(&mut self, rng: &mut Rng, count: usize) -> Vec<Example> {
        (0..count)
            .map(|_| {
                let generated = generate_sudoku(rng);
                Example {
                    inputs: generated.puzzle.to_tokens().map(i32::from).to_vec(),
                    labels: generated.solution.to_tokens().map(i32::from).to_vec(),
                    puzzle_identifier: 0,
                }
            })
            .collect()
    }
}

/// Draws one puzzle of [`SUDOKU_DIFFICULTY`].
pub fn generate_sudoku(rng: &mut Rng) -> sudoku::Generated {
    // 50 givens solvable by singles take a few attempts, so the generator
    // only gives up on a broken difficulty.
    sudoku::generate(rng, SUDOKU_DIFFICULTY, GENERATOR_ATTEMPTS).expect("the preset difficulty can be generated")
}

/// Draws one puzzle with `givens` givens that singles solve, as the preset's
/// puzzles are but for the count. Fails when the generator gives up.
pub fn generate_sudoku_with(rng: &mut Rng, givens: usize) -> Result<sudoku::Generated, sudoku::GenerateError> {
    sudoku::generate(rng, sudoku::Difficulty { givens, ..SUDOKU_DIFFICULTY }, GENERATOR_ATTEMPTS)
}

/// Freshly generated mazes, labelled with a shortest path drawn in.
pub struct MazeSource;

impl ExampleSource for MazeSource {
    fn draw(&mut self, rng: &mut Rng, count: usize) -> Vec<Example> {
        (0..count)
            .map(|_| {
                let (puzzle, solved) = generate_maze(rng);
                Example {
                    inputs: puzzle.to_tokens().into_iter().map(i32::from).collect(),
                    labels: solved.to_tokens().into_iter().map(i32::from).collect(),
                    puzzle_identifier: 0,
                }
            })
            .collect()
    }
}

/// Draws one maze of the preset's size, with its solution.
pub fn generate_maze(rng: &mut Rng) -> (maze::Maze, maze::Maze) {
    let (puzzle, _) = maze::generate(rng, MAZE_MIN_LENGTH, MAZE_LOOPS, GENERATOR_ATTEMPTS).expect("the preset maze size can be generated");
    let solved = puzzle.solved().expect("a generated maze has a path from S to G");
    (puzzle, solved)
}

/// Every pair (demonstrations and tests) of the ARC-AGI-1 training tasks.
/// Row `1 + task * ARC_AUGMENTATIONS + k` belongs to the task under its
/// augmentation `k`, the identity for `k = 0`; row 0 is the blank row that
/// the official builder reserves.
pub struct ArcSource {
    tasks: Vec<(String, Task)>,
    augmentations: HashMap<usize, Augmentation>,
}

impl ArcSource {
    pub fn bundled() -> anyhow::Result<Self> {
        let list = load_dataset(&bundled_data_dir(), Dataset::Arc1Training).context("cannot load the ARC-AGI-1 training tasks")?;
        Ok(Self { tasks: list, augmentations: HashMap::new() })
    }

    pub fn puzzle_rows(&self) -> usize {
        1 + self.tasks.len() * ARC_AUGMENTATIONS
    }

    /// The fixed augmentation of one row: drawn from a generator seeded by the row.
    fn augmentation(&mut self, row: usize) -> Augmentation {
        *self.augmentations.entry(row).or_insert_with(|| {
            if (row - 1) % ARC_AUGMENTATIONS == 0 {
                Augmentation::IDENTITY
            } else {
                Augmentation::random(&mut Rng::new(row as u64))
            }
        })
    }
}

impl ExampleSource for ArcSource {
    fn draw(&mut self, rng: &mut Rng, count: usize) -> Vec<Example> {
        let mut examples = Vec::with_capacity(count);
        while examples.len() < count {
            let task_index = rng.below(self.tasks.len());
            let k = rng.below(ARC_AUGMENTATIONS);
            let row = 1 + task_index * ARC_AUGMENTATIONS + k;
            let augmentation = self.augmentation(row);
            let task = &self.tasks[task_index].1;
            let pairs: Vec<_> = task
                .train
                .iter()
                .map(|pair| (&pair.input, &pair.output))
                .chain(task.test.iter().filter_map(|test| test.output.as_ref().map(|output| (&test.input, output))))
                .collect();
            let (input, output) = pairs[rng.below(pairs.len())];
            let (input, output) = (augmentation.apply(input), augmentation.apply(output));
            let translation = random_translation(rng, &input, &output);
            // Grids larger than the canvas cannot be encoded; draw another pair.
            let Ok((input_tokens, output_tokens)) = encode_pair(&input, &output, translation) else { continue };
            examples.push(Example {
                inputs: input_tokens.into_iter().map(i32::from).collect(),
                labels: labels_with_ignore(&output_tokens),
                puzzle_identifier: row as i32,
            });
        }
        examples
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ponder_model::train::IGNORE_LABEL_ID;

    #[test]
    fn sources_fit_their_configs() {
        for preset in [Preset::Sudoku, Preset::Maze, Preset::Arc] {
            let (mut source, rows) = preset.source().unwrap();
            let config = preset.model_config(rows);
            let examples = source.draw(&mut Rng::new(1), 5);
            assert_eq!(examples.len(), 5, "{preset:?}");
            for example in &examples {
                assert_eq!(example.inputs.len(), config.seq_len, "{preset:?}");
                assert_eq!(example.labels.len(), config.seq_len, "{preset:?}");
                assert!((0..rows as i32).contains(&example.puzzle_identifier), "{preset:?}");
                let vocab = 0..config.vocab_size as i32;
                assert!(example.inputs.iter().all(|token| vocab.contains(token)), "{preset:?}");
                assert!(example.labels.iter().all(|label| vocab.contains(label) || *label == IGNORE_LABEL_ID), "{preset:?}");
            }
        }
    }

    #[test]
    fn sudoku_examples_are_puzzles_and_solutions() {
        let example = &SudokuSource.draw(&mut Rng::new(2), 1)[0];
        let puzzle = sudoku::Board::from_tokens(&example.inputs.iter().map(|&token| i64::from(token)).collect::<Vec<_>>()).unwrap();
        let solution = sudoku::Board::from_tokens(&example.labels.iter().map(|&token| i64::from(token)).collect::<Vec<_>>()).unwrap();
        assert_eq!(puzzle.givens(), SUDOKU_DIFFICULTY.givens);
        assert!(solution.solves(&puzzle));
    }

    #[test]
    fn maze_examples_have_shortest_path_labels() {
        let example = &MazeSource.draw(&mut Rng::new(3), 1)[0];
        let puzzle = maze::Maze::from_tokens(&example.inputs).unwrap();
        let solved = maze::Maze::from_tokens(&example.labels).unwrap();
        assert_eq!(puzzle.check_path(&solved), Ok(()));
        assert!(puzzle.shortest_path_length().unwrap() >= MAZE_MIN_LENGTH);
    }

    #[test]
    fn arc_preset_matches_earlier_runs() {
        // The config.json of ARC runs started before the preset moved to
        // `TrmConfig::ponder_arc`: resuming one must build the same model.
        let written = r#"{
            "seq_len": 900, "vocab_size": 12,
            "puzzle_emb_ndim": 64, "puzzle_emb_len": 1, "num_puzzle_identifiers": 3201,
            "H_cycles": 2, "L_cycles": 2, "H_layers": 0, "L_layers": 2,
            "hidden_size": 64, "expansion": 4, "num_heads": 4,
            "pos_encodings": "rope", "halt_max_steps": 4, "halt_exploration_prob": 0.1,
            "forward_dtype": "float32", "no_ACT_continue": true
        }"#;
        assert_eq!(Preset::Arc.model_config(3201), TrmConfig::from_json_str(written).unwrap());
    }

    #[test]
    fn maze_preset_matches_earlier_runs() {
        // The config.json of maze runs started before the preset moved to
        // `TrmConfig::ponder_maze`.
        let written = r#"{
            "seq_len": 900, "vocab_size": 6,
            "puzzle_emb_ndim": 0, "puzzle_emb_len": 0, "num_puzzle_identifiers": 1,
            "H_cycles": 2, "L_cycles": 3, "H_layers": 0, "L_layers": 2,
            "hidden_size": 64, "expansion": 4, "num_heads": 4,
            "pos_encodings": "rope", "halt_max_steps": 8, "halt_exploration_prob": 0.1,
            "forward_dtype": "float32", "no_ACT_continue": true
        }"#;
        assert_eq!(Preset::Maze.model_config(1), TrmConfig::from_json_str(written).unwrap());
    }

    #[test]
    fn arc_rows_keep_their_augmentation() {
        let mut source = ArcSource::bundled().unwrap();
        assert_eq!(source.puzzle_rows(), 1 + 400 * ARC_AUGMENTATIONS);
        assert_eq!(source.augmentation(1), Augmentation::IDENTITY);
        assert_eq!(source.augmentation(1 + ARC_AUGMENTATIONS), Augmentation::IDENTITY);
        let drawn = source.augmentation(2);
        assert_ne!(drawn, Augmentation::IDENTITY);
        assert_eq!(ArcSource::bundled().unwrap().augmentation(2), drawn);
    }
}
