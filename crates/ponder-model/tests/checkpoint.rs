//! Checkpoint readers on the golden checkpoints written by the official code
//! and on crafted `.pt` files (see `fixtures/make_checkpoint_fixtures.py`).

use std::path::PathBuf;

use ponder_model::checkpoint::{
    Checkpoint, DType, FloatFormat, Format, HostTensor, StateDict, TensorData,
};

fn fixture_bytes(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

fn load(name: &str) -> StateDict {
    StateDict::from_bytes(&fixture_bytes(name), name)
        .unwrap_or_else(|error| panic!("cannot load {name}: {error}"))
}

fn load_error(name: &str) -> String {
    match StateDict::from_bytes(&fixture_bytes(name), name) {
        Ok(_) => panic!("{name} loaded, but it should be rejected"),
        Err(error) => error.to_string(),
    }
}

fn f32_values<'a>(state_dict: &'a StateDict, key: &str) -> &'a [f32] {
    state_dict
        .get(key)
        .unwrap_or_else(|| panic!("`{key}` is missing"))
        .as_f32()
        .unwrap_or_else(|| panic!("`{key}` is not a float tensor"))
}

fn assert_same_tensors(case: &str) {
    let from_pt = load(&format!("{case}.pt"));
    let from_safetensors = load(&format!("{case}.safetensors"));

    let pt_keys: Vec<&str> = from_pt.keys().collect();
    let safetensors_keys: Vec<&str> = from_safetensors.keys().collect();
    assert_eq!(pt_keys, safetensors_keys, "{case}: keys differ");
    for (key, tensor) in from_pt.iter() {
        let other = from_safetensors.get(key).unwrap();
        assert_eq!(tensor.shape(), other.shape(), "{case}: shape of `{key}`");
        assert_eq!(tensor.dtype(), other.dtype(), "{case}: dtype of `{key}`");
        // Compare bits, so that a NaN or a signed zero would also have to match.
        let bits = |t: &HostTensor| -> Vec<u32> {
            t.as_f32().unwrap().iter().map(|v| v.to_bits()).collect()
        };
        assert_eq!(bits(tensor), bits(other), "{case}: values of `{key}`");
    }
}

#[test]
fn arc_small_pt_matches_safetensors() {
    assert_same_tensors("arc_small");
}

#[test]
fn sudoku_pt_matches_safetensors() {
    assert_same_tensors("sudoku_mlp_small");
}

#[test]
fn hrm_pt_matches_safetensors() {
    assert_same_tensors("hrm_arc_small");
}

#[test]
fn arc_small_values_and_dtypes() {
    // Expected values read from arc_small.safetensors with Python's struct module.
    for file in ["arc_small.pt", "arc_small.safetensors"] {
        let state_dict = load(file);
        assert_eq!(state_dict.len(), 15, "{file}");

        let qkv = state_dict.get("L_level.layers.0.self_attn.qkv_proj.weight").unwrap();
        assert_eq!(qkv.shape(), &[192, 64], "{file}");
        assert_eq!(qkv.dtype(), DType::F32, "{file}");
        assert_eq!(
            &qkv.as_f32().unwrap()[..3],
            &[0.050644495, -0.028893413, 0.16379617],
            "{file}"
        );

        let h_init = state_dict.get("H_init").unwrap();
        assert_eq!(h_init.shape(), &[64], "{file}");
        assert_eq!(h_init.dtype(), DType::BF16, "{file}");
        assert_eq!(&h_init.as_f32().unwrap()[..3], &[-0.016601562, -1.328125, -0.765625]);

        let puzzle_emb = f32_values(&state_dict, "puzzle_emb.weights");
        assert_eq!(puzzle_emb.len(), 5 * 64, "{file}");
        assert_eq!(&puzzle_emb[..3], &[-0.547421, 0.1330058, 0.38050562], "{file}");
    }
}

#[test]
fn hrm_keys_lose_wrapper_prefixes() {
    let state_dict = load("hrm_arc_small.pt");
    assert_eq!(
        &f32_values(&state_dict, "H_level.layers.0.self_attn.qkv_proj.weight")[..3],
        &[0.110909306, -0.029163187, -0.18573631]
    );
    assert_eq!(&f32_values(&state_dict, "H_init")[..3], &[1.6171875, 0.41210938, -1.2890625]);
    assert!(state_dict.keys().all(|key| !key.starts_with("_orig_mod.")));
}

#[test]
fn formats_are_detected_from_bytes() {
    let pt = fixture_bytes("arc_small.pt");
    let safetensors = fixture_bytes("arc_small.safetensors");
    assert_eq!(Checkpoint::parse(&pt, "a").unwrap().format(), Format::PyTorch);
    assert_eq!(Checkpoint::parse(&safetensors, "a").unwrap().format(), Format::Safetensors);
}

#[test]
fn strided_pt_gathers_views() {
    let state_dict = load("strided.pt");
    let keys: Vec<&str> = state_dict.keys().collect();
    assert_eq!(
        keys,
        vec!["bf16", "expanded", "half", "parameter", "sliced", "steps", "transposed"]
    );

    let transposed = state_dict.get("transposed").unwrap();
    assert_eq!(transposed.shape(), &[3, 2]);
    assert_eq!(transposed.as_f32().unwrap(), &[0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
    assert_eq!(f32_values(&state_dict, "sliced"), &[1.0, 3.0]);
    assert_eq!(f32_values(&state_dict, "expanded"), &[4.0; 6]);
    assert_eq!(f32_values(&state_dict, "parameter"), &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);

    let half = state_dict.get("half").unwrap();
    assert_eq!(half.dtype(), DType::F16);
    assert_eq!(half.as_f32().unwrap(), &[1.5, -2.0, 0.25]);

    let bf16 = state_dict.get("bf16").unwrap();
    assert_eq!(bf16.dtype(), DType::BF16);
    assert_eq!(bf16.shape(), &[1, 2]);
    assert_eq!(bf16.as_f32().unwrap(), &[-3.5, 0.15625]);

    let steps = state_dict.get("steps").unwrap();
    assert_eq!(steps.dtype(), DType::I64);
    assert_eq!(steps.data(), &TensorData::I64(vec![-1, 1 << 40]));
}

#[test]
fn pt_calling_os_system_is_rejected() {
    assert_eq!(
        load_error("pickle_os_system.pt"),
        "pickle_os_system.pt: unsupported pickle global `os.system` at byte 16 of \
         archive/data.pkl: a checkpoint may only contain tensors"
    );
}

#[test]
fn pt_with_custom_class_is_rejected() {
    assert_eq!(
        load_error("pickle_custom_class.pt"),
        "pickle_custom_class.pt: unsupported pickle global `payload.Payload` at byte 18 of \
         archive/data.pkl: a checkpoint may only contain tensors"
    );
}

#[test]
fn pt_with_int_value_is_rejected() {
    assert_eq!(
        load_error("pickle_int_value.pt"),
        "pickle_int_value.pt: not a state_dict: `step` holds a int, not a tensor"
    );
}

#[test]
fn truncated_pt_is_rejected() {
    let bytes = fixture_bytes("arc_small.pt");
    let error = StateDict::from_bytes(&bytes[..bytes.len() / 2], "arc_small.pt").unwrap_err();
    assert_eq!(
        error.to_string(),
        "arc_small.pt: invalid PyTorch zip archive: Could not find central directory end \
         (is the file complete?)"
    );

    // Every cut is an error, never a panic or a partial state_dict.
    for len in (0..bytes.len()).step_by(997) {
        assert!(StateDict::from_bytes(&bytes[..len], "arc_small.pt").is_err(), "cut at {len}");
    }
}

#[test]
fn truncated_safetensors_is_rejected() {
    let bytes = fixture_bytes("arc_small.safetensors");
    let error =
        StateDict::from_bytes(&bytes[..bytes.len() - 1], "arc_small.safetensors").unwrap_err();
    assert_eq!(
        error.to_string(),
        "arc_small.safetensors: invalid safetensors file: incomplete metadata, file not fully \
         covered"
    );

    for len in (0..bytes.len()).step_by(997) {
        assert!(
            StateDict::from_bytes(&bytes[..len], "arc_small.safetensors").is_err(),
            "cut at {len}"
        );
    }
}

fn sample_state_dict() -> StateDict {
    let mut state_dict = StateDict::new();
    let values = vec![0.1, -1.0, 3.3, 65504.0, 1e-3, 0.0];
    state_dict.insert("weight", HostTensor::from_f32(vec![2, 3], values).unwrap());
    state_dict.insert("steps", HostTensor::from_i64(vec![2], vec![7, -8]).unwrap());
    state_dict
}

#[test]
fn f16_safetensors_round_trip() {
    let bytes = sample_state_dict().to_safetensors(FloatFormat::F16).unwrap();
    let read = StateDict::from_bytes(&bytes, "f16.safetensors").unwrap();

    let weight = read.get("weight").unwrap();
    assert_eq!(weight.dtype(), DType::F16);
    assert_eq!(weight.shape(), &[2, 3]);
    // f16 values nearest to the inputs.
    assert_eq!(
        weight.as_f32().unwrap(),
        &[0.099975586, -1.0, 3.3007813, 65504.0, 0.0010004044, 0.0]
    );
    assert_eq!(read.get("steps").unwrap().as_i64().unwrap(), &[7, -8]);
}

#[test]
fn bf16_safetensors_round_trip() {
    let bytes = sample_state_dict().to_safetensors(FloatFormat::BF16).unwrap();
    let read = StateDict::from_bytes(&bytes, "bf16.safetensors").unwrap();

    let weight = read.get("weight").unwrap();
    assert_eq!(weight.dtype(), DType::BF16);
    // bf16 values nearest to the inputs.
    assert_eq!(
        weight.as_f32().unwrap(),
        &[0.100097656, -1.0, 3.296875, 65536.0, 0.0009994507, 0.0]
    );
}

#[test]
fn f32_safetensors_round_trip_is_exact() {
    let state_dict = sample_state_dict();
    let bytes = state_dict.to_safetensors(FloatFormat::F32).unwrap();
    assert_eq!(StateDict::from_bytes(&bytes, "f32.safetensors").unwrap(), state_dict);
}

#[test]
fn keys_equal_after_stripping_are_rejected() {
    let mut state_dict = StateDict::new();
    let tensor = HostTensor::from_f32(vec![1], vec![1.0]).unwrap();
    state_dict.insert("model.inner.lm_head.weight", tensor.clone());
    state_dict.insert("lm_head.weight", tensor);
    let bytes = state_dict.to_safetensors(FloatFormat::F32).unwrap();
    let error = StateDict::from_bytes(&bytes, "dup.safetensors").unwrap_err();
    assert_eq!(
        error.to_string(),
        "dup.safetensors: keys `lm_head.weight` and `model.inner.lm_head.weight` both map to \
         `lm_head.weight` once the `_orig_mod.`, `model.` and `inner.` prefixes are stripped"
    );
}

#[test]
fn unknown_format_names_the_file() {
    let error = StateDict::from_bytes(b"{\"not\": \"a checkpoint\"}", "config.json").unwrap_err();
    assert_eq!(
        error.to_string(),
        "config.json: unknown checkpoint format: expected a PyTorch zip archive (torch.save) \
         or a safetensors file, found a file starting with the bytes 7b 22 6e 6f 74 22 3a 20"
    );
}

#[test]
fn open_reads_a_file() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/strided.pt");
    let state_dict = StateDict::open(&path).unwrap();
    assert_eq!(f32_values(&state_dict, "sliced"), &[1.0, 3.0]);

    let missing = path.with_file_name("missing.pt");
    let error = StateDict::open(&missing).unwrap_err();
    assert_eq!(error.to_string(), format!("failed to read {}", missing.display()));
}
