//! Mazes in the layout of the official TRM builder
//! (`dataset/build_maze_dataset.py`): a 30x30 board over the charset `# SGo`
//! (wall, open, start, goal, path), each character's index + 1 as its token,
//! PAD 0 unused. The label is the input with one shortest path from S to G
//! drawn in `o`.

use std::collections::VecDeque;
use std::fmt;

use crate::rng::Rng;

/// Side of the square board.
pub const SIDE: usize = 30;
pub const CELLS: usize = SIDE * SIDE;
/// The official charset; token = index + 1.
pub const CHARSET: &str = "# SGo";
/// PAD and the five characters.
pub const VOCAB_SIZE: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cell {
    Wall,
    Open,
    Start,
    Goal,
    Path,
}

impl Cell {
    const ALL: [Cell; 5] = [Cell::Wall, Cell::Open, Cell::Start, Cell::Goal, Cell::Path];

    pub fn token(self) -> u8 {
        self as u8 + 1
    }

    pub fn from_token(token: i64) -> Option<Self> {
        usize::try_from(token - 1).ok().and_then(|index| Self::ALL.get(index).copied())
    }

    pub fn char(self) -> char {
        CHARSET.as_bytes()[self as usize] as char
    }

    pub fn from_char(character: char) -> Option<Self> {
        CHARSET.find(character).map(|index| Self::ALL[index])
    }

    /// Returns whether a path may pass through the cell.
    fn walkable(self) -> bool {
        self != Cell::Wall
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MazeError {
    #[error("expected 900 cells, found {found}")]
    Length { found: usize },
    #[error("cell {index} is {found:?}, expected one of `# SGo`")]
    BadChar { index: usize, found: char },
    #[error("token {index} is {found}, expected 1 to 5")]
    BadToken { index: usize, found: i64 },
    #[error("maze has {found} start cells, expected exactly one")]
    StartCount { found: usize },
    #[error("maze has {found} goal cells, expected exactly one")]
    GoalCount { found: usize },
    #[error("goal is not reachable from the start")]
    Unreachable,
    #[error("expected 30 lines of 30 characters, found {found} lines")]
    LineCount { found: usize },
    #[error("line {line} has {found} characters, expected 30")]
    LineLength { line: usize, found: usize },
    #[error("row {row}, column {column} is {found:?}, expected one of `# SGo`")]
    BadCell { row: usize, column: usize, found: char },
    #[error("row {row}, column {column} is {found:?} in the prediction but {expected:?} in the maze; only open cells may become path")]
    Changed { row: usize, column: usize, expected: char, found: char },
    #[error("path cells do not connect the start to the goal")]
    Disconnected,
    #[error("path has {found} cells, but the shortest path has {expected}")]
    NotShortest { found: usize, expected: usize },
    #[error("no maze with a shortest path of at least {min_length} steps found in {attempts} attempts")]
    GaveUp { min_length: usize, attempts: usize },
}

/// A 30x30 maze, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Maze {
    cells: Vec<Cell>,
}

impl Maze {
    /// Parses 900 characters of `# SGo`, row-major (the official CSV format).
    pub fn parse(text: &str) -> Result<Self, MazeError> {
        let found = text.chars().count();
        if found != CELLS {
            return Err(MazeError::Length { found });
        }
        let cells = text
            .chars()
            .enumerate()
            .map(|(index, found)| Cell::from_char(found).ok_or(MazeError::BadChar { index, found }))
            .collect::<Result<_, _>>()?;
        Ok(Self { cells })
    }

    /// Parses a maze typed or pasted by a person: 30 lines of 30 characters
    /// of `# SGo`, or the 900 characters on one line. A line break may be
    /// `\n` or `\r\n`, and one at the end is allowed. Spaces are open cells,
    /// so no other whitespace is trimmed. Errors name rows and columns from 1.
    pub fn parse_text(text: &str) -> Result<Self, MazeError> {
        let text = text.strip_suffix('\n').unwrap_or(text);
        let text = text.strip_suffix('\r').unwrap_or(text);
        let lines: Vec<&str> = text.split('\n').map(|line| line.strip_suffix('\r').unwrap_or(line)).collect();
        let rows: Vec<&str> = match lines.as_slice() {
            [single] => return Self::parse(single).map_err(with_position),
            _ if lines.len() == SIDE => lines,
            _ => return Err(MazeError::LineCount { found: lines.len() }),
        };
        for (index, row) in rows.iter().enumerate() {
            let found = row.chars().count();
            if found != SIDE {
                return Err(MazeError::LineLength { line: index + 1, found });
            }
        }
        Self::parse(&rows.concat()).map_err(with_position)
    }

    pub fn from_tokens<T: Copy + Into<i64>>(tokens: &[T]) -> Result<Self, MazeError> {
        if tokens.len() != CELLS {
            return Err(MazeError::Length { found: tokens.len() });
        }
        let cells = tokens
            .iter()
            .enumerate()
            .map(|(index, &token)| Cell::from_token(token.into()).ok_or(MazeError::BadToken { index, found: token.into() }))
            .collect::<Result<_, _>>()?;
        Ok(Self { cells })
    }

    pub fn to_tokens(&self) -> Vec<u8> {
        self.cells.iter().map(|cell| cell.token()).collect()
    }

    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }

    pub fn get(&self, row: usize, col: usize) -> Option<Cell> {
        (row < SIDE && col < SIDE).then(|| self.cells[row * SIDE + col])
    }

    fn find_one(&self, target: Cell) -> Result<usize, usize> {
        let found: Vec<usize> = (0..CELLS).filter(|&index| self.cells[index] == target).collect();
        if found.len() == 1 { Ok(found[0]) } else { Err(found.len()) }
    }

    /// Index of the start cell, and of the goal cell.
    pub fn endpoints(&self) -> Result<(usize, usize), MazeError> {
        let start = self.find_one(Cell::Start).map_err(|found| MazeError::StartCount { found })?;
        let goal = self.find_one(Cell::Goal).map_err(|found| MazeError::GoalCount { found })?;
        Ok((start, goal))
    }

    /// Steps on a shortest path from S to G, by breadth-first search.
    pub fn shortest_path_length(&self) -> Result<usize, MazeError> {
        let (start, goal) = self.endpoints()?;
        let distances = bfs(&self.cells, start, Cell::walkable);
        distances[goal].ok_or(MazeError::Unreachable)
    }

    /// Draws one shortest path from S to G in `o` (S and G kept), giving the
    /// label the official dataset pairs with this maze.
    pub fn solved(&self) -> Result<Maze, MazeError> {
        let (start, goal) = self.endpoints()?;
        let distances = bfs(&self.cells, goal, Cell::walkable);
        if distances[start].is_none() {
            return Err(MazeError::Unreachable);
        }
        // Walk from the start, always to a neighbour one step closer to the goal.
        let mut cells = self.cells.clone();
        let mut at = start;
        while let Some(distance) = distances[at].filter(|&d| d > 1) {
            let Some(next) = neighbours(at).find(|&n| distances[n] == Some(distance - 1)) else { break };
            cells[next] = Cell::Path;
            at = next;
        }
        Ok(Maze { cells })
    }

    /// Checks a predicted label: only open cells may turn into path, and the
    /// path cells must join S to G in exactly the shortest number of steps.
    pub fn check_path(&self, prediction: &Maze) -> Result<(), MazeError> {
        for (index, (&expected, &found)) in self.cells.iter().zip(&prediction.cells).enumerate() {
            if expected != found && !(expected == Cell::Open && found == Cell::Path) {
                let (row, column) = position(index);
                return Err(MazeError::Changed { row, column, expected: expected.char(), found: found.char() });
            }
        }
        let expected = self.shortest_path_length()?;
        let (start, goal) = self.endpoints()?;

        // A route from S to G over path cells uses at least `expected - 1` of
        // them, so with exactly that many path cells it is a shortest path
        // and no stray path cell is left.
        let on_path = |cell: Cell| matches!(cell, Cell::Path | Cell::Goal | Cell::Start);
        if bfs(&prediction.cells, start, on_path)[goal].is_none() {
            return Err(MazeError::Disconnected);
        }
        let found = prediction.cells.iter().filter(|&&cell| cell == Cell::Path).count();
        if found + 1 != expected {
            return Err(MazeError::NotShortest { found: found + 1, expected });
        }
        Ok(())
    }
}

impl fmt::Display for Maze {
    /// Thirty lines of thirty characters.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for row in self.cells.chunks(SIDE) {
            let line: String = row.iter().map(|cell| cell.char()).collect();
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}

/// Row and column, from 1, of a cell index.
fn position(index: usize) -> (usize, usize) {
    (index / SIDE + 1, index % SIDE + 1)
}

/// Turns a cell index in a parse error into its row and column.
fn with_position(error: MazeError) -> MazeError {
    match error {
        MazeError::BadChar { index, found } => {
            let (row, column) = position(index);
            MazeError::BadCell { row, column, found }
        }
        other => other,
    }
}

fn neighbours(index: usize) -> impl Iterator<Item = usize> {
    let (row, col) = (index / SIDE, index % SIDE);
    let up = (row > 0).then(|| index - SIDE);
    let down = (row + 1 < SIDE).then(|| index + SIDE);
    let left = (col > 0).then(|| index - 1);
    let right = (col + 1 < SIDE).then(|| index + 1);
    [up, down, left, right].into_iter().flatten()
}

/// Breadth-first distances from `source` over cells that `passable` allows.
fn bfs(cells: &[Cell], source: usize, passable: impl Fn(Cell) -> bool) -> Vec<Option<usize>> {
    let mut distances = vec![None; cells.len()];
    distances[source] = Some(0);
    let mut queue = VecDeque::from([source]);
    while let Some(at) = queue.pop_front() {
        let next_distance = distances[at].map(|d| d + 1);
        for next in neighbours(at) {
            if distances[next].is_none() && passable(cells[next]) {
                distances[next] = next_distance;
                queue.push_back(next);
            }
        }
    }
    distances
}

/// Shortest S-to-G path, in steps, at least, of the mazes that `ponder
/// train --preset maze` trains on and the web app generates.
pub const TRAINING_MIN_LENGTH: usize = 20;
/// Extra walls knocked down in those mazes, so that they have loops and more
/// than one route.
pub const TRAINING_LOOPS: usize = 20;

/// Generates a hard maze with a long shortest path. It carves a random
/// spanning tree of rooms (randomized depth-first search on the odd rows and
/// columns) and knocks down `loops` extra walls so that more than one route
/// exists. S goes to the far end of a BFS from a random room, and G to the
/// far end of a BFS from S. Retries until the shortest path has at least
/// `min_length` steps, and returns the maze and that length.
pub fn generate(rng: &mut Rng, min_length: usize, loops: usize, max_attempts: usize) -> Result<(Maze, usize), MazeError> {
    for _ in 0..max_attempts {
        let mut cells = carve(rng);
        knock_down(rng, &mut cells, loops);

        let rooms: Vec<usize> = (0..CELLS).filter(|&index| cells[index] == Cell::Open).collect();
        let seed_room = rooms[rng.below(rooms.len())];
        let start = farthest(&cells, seed_room);
        let goal = farthest(&cells, start);
        let Some(length) = bfs(&cells, start, Cell::walkable)[goal] else { continue };
        if length >= min_length {
            cells[start] = Cell::Start;
            cells[goal] = Cell::Goal;
            return Ok((Maze { cells }, length));
        }
    }
    Err(MazeError::GaveUp { min_length, attempts: max_attempts })
}

/// Rooms sit at odd rows and columns 1..=27; rows and columns 28 and 29 and
/// the border stay walls.
const ROOMS: usize = 14;

fn room_index(room_row: usize, room_col: usize) -> usize {
    (2 * room_row + 1) * SIDE + 2 * room_col + 1
}

fn carve(rng: &mut Rng) -> Vec<Cell> {
    let mut cells = vec![Cell::Wall; CELLS];
    let mut visited = [false; ROOMS * ROOMS];
    let first = (rng.below(ROOMS), rng.below(ROOMS));
    let mut stack = vec![first];
    visited[first.0 * ROOMS + first.1] = true;
    cells[room_index(first.0, first.1)] = Cell::Open;

    while let Some(&(row, col)) = stack.last() {
        let mut options = Vec::with_capacity(4);
        if row > 0 && !visited[(row - 1) * ROOMS + col] {
            options.push((row - 1, col));
        }
        if row + 1 < ROOMS && !visited[(row + 1) * ROOMS + col] {
            options.push((row + 1, col));
        }
        if col > 0 && !visited[row * ROOMS + col - 1] {
            options.push((row, col - 1));
        }
        if col + 1 < ROOMS && !visited[row * ROOMS + col + 1] {
            options.push((row, col + 1));
        }
        if options.is_empty() {
            stack.pop();
            continue;
        }
        let (next_row, next_col) = options[rng.below(options.len())];
        visited[next_row * ROOMS + next_col] = true;
        let (a, b) = (room_index(row, col), room_index(next_row, next_col));
        cells[(a + b) / 2] = Cell::Open;
        cells[b] = Cell::Open;
        stack.push((next_row, next_col));
    }
    cells
}

/// Opens up to `count` random walls that sit between two rooms.
fn knock_down(rng: &mut Rng, cells: &mut [Cell], count: usize) {
    let mut walls: Vec<usize> = (0..CELLS)
        .filter(|&index| {
            let (row, col) = (index / SIDE, index % SIDE);
            let between_rows = row % 2 == 0 && col % 2 == 1 && (2..=2 * ROOMS - 2).contains(&row);
            let between_cols = col % 2 == 0 && row % 2 == 1 && (2..=2 * ROOMS - 2).contains(&col);
            cells[index] == Cell::Wall && (between_rows || between_cols)
        })
        .collect();
    rng.shuffle(&mut walls);
    for &index in walls.iter().take(count) {
        cells[index] = Cell::Open;
    }
}

fn farthest(cells: &[Cell], source: usize) -> usize {
    let distances = bfs(cells, source, Cell::walkable);
    (0..cells.len()).max_by_key(|&index| distances[index].unwrap_or(0)).unwrap_or(source)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small_maze() -> Maze {
        // S at (1, 1), G at (1, 5), a wall at (1, 3) forces a detour via row 2.
        let mut text = vec!['#'; CELLS];
        for col in 1..=5 {
            text[SIDE + col] = ' ';
            text[2 * SIDE + col] = ' ';
        }
        text[SIDE + 1] = 'S';
        text[SIDE + 3] = '#';
        text[SIDE + 5] = 'G';
        Maze::parse(&text.into_iter().collect::<String>()).unwrap()
    }

    #[test]
    fn tokens_follow_charset() {
        assert_eq!(Cell::ALL.map(Cell::token), [1, 2, 3, 4, 5]);
        let maze = small_maze();
        assert_eq!(Maze::from_tokens(&maze.to_tokens()), Ok(maze.clone()));
        assert_eq!(maze.to_tokens()[SIDE + 1], 3);
    }

    #[test]
    fn shortest_path_and_checker() {
        let maze = small_maze();
        assert_eq!(maze.shortest_path_length(), Ok(6));
        let solved = maze.solved().unwrap();
        assert_eq!(maze.check_path(&solved), Ok(()));
        assert_eq!(solved.cells().iter().filter(|&&c| c == Cell::Path).count(), 5);
    }

    #[test]
    fn checker_rejects_bad_paths() {
        let maze = small_maze();
        let solved = maze.solved().unwrap();

        let mut extra = solved.clone();
        let stray = (1..=5).map(|col| 2 * SIDE + col).chain([SIDE + 2, SIDE + 4]).find(|&i| extra.cells[i] == Cell::Open).unwrap();
        extra.cells[stray] = Cell::Path;
        assert_eq!(maze.check_path(&extra), Err(MazeError::NotShortest { found: 7, expected: 6 }));

        let mut broken = solved.clone();
        let first_path = broken.cells.iter().position(|&c| c == Cell::Path).unwrap();
        broken.cells[first_path] = Cell::Open;
        assert_eq!(maze.check_path(&broken), Err(MazeError::Disconnected));

        let mut through_wall = solved;
        through_wall.cells[SIDE + 3] = Cell::Path;
        assert_eq!(
            maze.check_path(&through_wall).unwrap_err().to_string(),
            "row 2, column 4 is 'o' in the prediction but '#' in the maze; only open cells may become path"
        );
    }

    #[test]
    fn text_in_lines_or_one_line() {
        let maze = small_maze();
        let lines = maze.to_string();
        assert_eq!(Maze::parse_text(&lines), Ok(maze.clone()));
        assert_eq!(Maze::parse_text(&lines.replace('\n', "\r\n")), Ok(maze.clone()));
        assert_eq!(Maze::parse_text(lines.trim_end_matches('\n')), Ok(maze.clone()));
        assert_eq!(Maze::parse_text(&lines.replace('\n', "")), Ok(maze));
    }

    #[test]
    fn text_errors_name_rows_and_columns() {
        let lines: Vec<String> = small_maze().to_string().lines().map(str::to_string).collect();
        let error = |lines: &[String]| Maze::parse_text(&lines.join("\n")).unwrap_err().to_string();

        assert_eq!(error(&lines[..29]), "expected 30 lines of 30 characters, found 29 lines");
        let mut short = lines.clone();
        short[4].pop();
        assert_eq!(error(&short), "line 5 has 29 characters, expected 30");
        let mut typo = lines.clone();
        typo[2].replace_range(6..7, "x");
        assert_eq!(error(&typo), "row 3, column 7 is 'x', expected one of `# SGo`");
        assert_eq!(
            Maze::parse_text(&typo.concat()).unwrap_err().to_string(),
            "row 3, column 7 is 'x', expected one of `# SGo`"
        );
    }

    #[test]
    fn parse_errors() {
        assert_eq!(Maze::parse("#").unwrap_err().to_string(), "expected 900 cells, found 1");
        assert_eq!(Cell::from_token(0), None);
        assert_eq!(Cell::from_token(6), None);
    }
}
