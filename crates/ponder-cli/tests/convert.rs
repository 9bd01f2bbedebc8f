//! `ponder convert` on a synthetic checkpoint with a puzzle-embedding table
//! and on the official `arc_small.pt`, read back through the library.

use std::path::{Path, PathBuf};
use std::process::Command;

use ponder_model::checkpoint::{
    DType, FloatFormat, HostTensor, PuzzleEmbIndex, StateDict, TensorData, read_mean_row,
    read_shard,
};

/// Folder removed when the test ends, pass or fail.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("ponder-convert-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run_convert(args: &[&Path], extra: &[&str]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ponder"));
    command.arg("convert");
    for pair in args.chunks(2) {
        command.arg(pair[0]).arg(pair[1]);
    }
    command.args(extra);
    command.output().unwrap()
}

fn convert(checkpoint: &Path, identifiers: Option<&Path>, out: &Path, extra: &[&str]) {
    let mut args: Vec<&Path> = vec![Path::new("--checkpoint"), checkpoint, Path::new("--out"), out];
    if let Some(identifiers) = identifiers {
        args.push(Path::new("--identifiers"));
        args.push(identifiers);
    }
    let output = run_convert(&args, extra);
    assert!(
        output.status.success(),
        "ponder convert failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

const ROWS: usize = 6;
const NDIM: usize = 4;
const IDENTIFIERS: [&str; ROWS] = [
    "<blank>",
    "bbb",
    "aaa|||t1|||0123456789",
    "aaa",
    "bbb|||t2|||1032547698",
    "c/d",
];

/// Value of row `row`, column `col` of the synthetic table: exact in f16.
fn table_value(row: usize, col: usize) -> f32 {
    (row * 10 + col) as f32 - 20.0
}

/// Writes a checkpoint under the official keys and its identifiers.json.
fn write_synthetic(dir: &Path) -> (PathBuf, PathBuf) {
    let prefix = "_orig_mod.model.inner.";
    let mut state_dict = StateDict::new();
    let lm_head = HostTensor::from_f32(vec![2, 3], vec![0.5, -1.5, 2.0, 0.25, 8.0, -0.125]).unwrap();
    state_dict.insert(format!("{prefix}lm_head.weight"), lm_head);
    let h_init = HostTensor::new(vec![3], DType::BF16, TensorData::F32(vec![1.0, -2.0, 0.5])).unwrap();
    state_dict.insert(format!("{prefix}H_init"), h_init);
    let table: Vec<f32> = (0..ROWS)
        .flat_map(|row| (0..NDIM).map(move |col| table_value(row, col)))
        .collect();
    state_dict.insert(
        format!("{prefix}puzzle_emb.weights"),
        HostTensor::from_f32(vec![ROWS, NDIM], table).unwrap(),
    );

    let checkpoint = dir.join("step_100.safetensors");
    std::fs::write(&checkpoint, state_dict.to_safetensors(FloatFormat::F32).unwrap()).unwrap();
    let identifiers = dir.join("identifiers.json");
    std::fs::write(&identifiers, serde_json::to_string(&IDENTIFIERS).unwrap()).unwrap();
    (checkpoint, identifiers)
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

fn rows_of(rows: &[usize]) -> Vec<f32> {
    rows.iter()
        .flat_map(|&row| (0..NDIM).map(move |col| table_value(row, col)))
        .collect()
}

#[test]
fn synthetic_checkpoint_splits_into_shards() {
    let dir = TempDir::new("synthetic");
    let (checkpoint, identifiers) = write_synthetic(&dir.0);
    let out = dir.0.join("converted");
    convert(&checkpoint, Some(&identifiers), &out, &[]);

    let network = StateDict::from_bytes(&read(&out.join("model.safetensors")), "model").unwrap();
    let keys: Vec<&str> = network.keys().collect();
    assert_eq!(keys, vec!["H_init", "lm_head.weight"]);
    assert_eq!(
        network.get("lm_head.weight").unwrap().as_f32().unwrap(),
        &[0.5, -1.5, 2.0, 0.25, 8.0, -0.125]
    );
    assert_eq!(network.get("H_init").unwrap().as_f32().unwrap(), &[1.0, -2.0, 0.5]);

    let puzzle_emb = out.join("puzzle_emb");
    let index = PuzzleEmbIndex::from_json(&read(&puzzle_emb.join("index.json")), "index").unwrap();
    assert_eq!(index.rows, ROWS);
    assert_eq!(index.puzzle_emb_ndim, NDIM);
    assert_eq!(index.dtype, "F32");
    let task_ids: Vec<&str> = index.tasks.keys().map(String::as_str).collect();
    assert_eq!(task_ids, vec!["aaa", "bbb", "c/d"]);
    assert_eq!(index.tasks["c/d"].file, "tasks/c_d.safetensors");

    let expected = [
        ("aaa", vec!["aaa|||t1|||0123456789", "aaa"], vec![2, 3]),
        ("bbb", vec!["bbb", "bbb|||t2|||1032547698"], vec![1, 4]),
        ("c/d", vec!["c/d"], vec![5]),
    ];
    for (task_id, names, rows) in expected {
        let entry = &index.tasks[task_id];
        assert_eq!(entry.rows, rows.len(), "{task_id}");
        let shard = read_shard(&read(&puzzle_emb.join(&entry.file)), &entry.file).unwrap();
        assert_eq!(shard.task_id, task_id);
        assert_eq!(shard.names, names, "{task_id}");
        let row_ids: Vec<u32> = rows.iter().map(|&row| row as u32).collect();
        assert_eq!(shard.row_ids, row_ids, "{task_id}");
        assert_eq!(shard.puzzle_emb_ndim, NDIM);
        assert_eq!(shard.weights, rows_of(&rows), "{task_id}");
    }

    // Mean over all six rows, blank included: column c averages 10 * row + c - 20.
    let mean = read_mean_row(&read(&puzzle_emb.join(&index.mean_file)), "mean").unwrap();
    assert_eq!(mean, vec![5.0, 6.0, 7.0, 8.0]);
}

#[test]
fn f16_output_halves_the_floats() {
    let dir = TempDir::new("f16");
    let (checkpoint, identifiers) = write_synthetic(&dir.0);
    let out = dir.0.join("converted");
    convert(&checkpoint, Some(&identifiers), &out, &["--f16"]);

    let network = StateDict::from_bytes(&read(&out.join("model.safetensors")), "model").unwrap();
    let lm_head = network.get("lm_head.weight").unwrap();
    assert_eq!(lm_head.dtype(), DType::F16);
    assert_eq!(lm_head.as_f32().unwrap(), &[0.5, -1.5, 2.0, 0.25, 8.0, -0.125]);

    let puzzle_emb = out.join("puzzle_emb");
    let index = PuzzleEmbIndex::from_json(&read(&puzzle_emb.join("index.json")), "index").unwrap();
    assert_eq!(index.dtype, "F16");
    let entry = &index.tasks["bbb"];
    let shard_bytes = read(&puzzle_emb.join(&entry.file));
    let shard = read_shard(&shard_bytes, &entry.file).unwrap();
    assert_eq!(shard.weights, rows_of(&[1, 4]));
    let weights = StateDict::from_bytes(&shard_bytes, &entry.file).unwrap();
    assert_eq!(weights.get("weights").unwrap().dtype(), DType::F16);
}

#[test]
fn official_pt_converts() {
    let dir = TempDir::new("arc-small");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ponder-model/tests/fixtures");
    let checkpoint = fixtures.join("arc_small.pt");
    let identifiers = dir.0.join("identifiers.json");
    let names = ["<blank>", "00d62c1b", "00d62c1b|||t1|||0123456789", "007bbfcc", "00d62c1b|||t5|||0213456789"];
    std::fs::write(&identifiers, serde_json::to_string(&names).unwrap()).unwrap();
    let out = dir.0.join("converted");
    convert(&checkpoint, Some(&identifiers), &out, &[]);

    let original = StateDict::from_bytes(&read(&checkpoint), "arc_small.pt").unwrap();
    let table = original.get("puzzle_emb.weights").unwrap().as_f32().unwrap();
    let ndim = 64;
    let row = |i: usize| &table[i * ndim..(i + 1) * ndim];

    let network = StateDict::from_bytes(&read(&out.join("model.safetensors")), "model").unwrap();
    assert_eq!(network.len(), original.len() - 1);
    assert!(!network.contains_key("puzzle_emb.weights"));
    for (key, tensor) in network.iter() {
        assert_eq!(tensor.as_f32(), original.get(key).unwrap().as_f32(), "{key}");
    }

    let puzzle_emb = out.join("puzzle_emb");
    let index = PuzzleEmbIndex::from_json(&read(&puzzle_emb.join("index.json")), "index").unwrap();
    let entry = &index.tasks["00d62c1b"];
    let shard = read_shard(&read(&puzzle_emb.join(&entry.file)), &entry.file).unwrap();
    assert_eq!(shard.row_ids, vec![1, 2, 4]);
    assert_eq!(shard.row(0).unwrap(), row(1));
    assert_eq!(shard.row(1).unwrap(), row(2));
    assert_eq!(shard.row_by_name("00d62c1b|||t5|||0213456789").unwrap(), row(4));

    let mean = read_mean_row(&read(&puzzle_emb.join(&index.mean_file)), "mean").unwrap();
    let expected: Vec<f32> = (0..ndim)
        .map(|col| ((0..5).map(|r| f64::from(row(r)[col])).sum::<f64>() / 5.0) as f32)
        .collect();
    assert_eq!(mean, expected);
}

#[test]
fn table_without_identifiers_is_rejected() {
    let dir = TempDir::new("no-identifiers");
    let (checkpoint, _) = write_synthetic(&dir.0);
    let out = dir.0.join("converted");
    let output = run_convert(&[Path::new("--checkpoint"), &checkpoint, Path::new("--out"), &out], &[]);
    assert!(!output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!(
            "error: {} has a puzzle-embedding table of 6 rows: pass --identifiers with the \
             identifiers.json of the dataset it was trained on\n",
            checkpoint.display()
        )
    );
}

#[test]
fn identifier_count_mismatch_is_rejected() {
    let dir = TempDir::new("mismatch");
    let (checkpoint, _) = write_synthetic(&dir.0);
    let identifiers = dir.0.join("other.json");
    std::fs::write(&identifiers, r#"["<blank>", "aaa"]"#).unwrap();
    let out = dir.0.join("converted");
    let output = run_convert(
        &[
            Path::new("--checkpoint"),
            &checkpoint,
            Path::new("--out"),
            &out,
            Path::new("--identifiers"),
            &identifiers,
        ],
        &[],
    );
    assert!(!output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!(
            "error: {}: 2 identifiers for a puzzle-embedding table of 6 rows: use the \
             identifiers.json of the dataset the checkpoint was trained on\n",
            identifiers.display()
        )
    );
}
