// The SwiGLU activation in one pass: the gate projection's SiLU times the up
// projection,
//
//     output[r, c] = silu(gate_up[r, c]) * gate_up[r, inner + c]
//     silu(g)      = g / (1 + exp(-g))
//
// where `gate_up` is the `[rows, 2 * inner]` output of SwiGLU's fused
// gate/up projection. Burn runs this as separate operations over strided
// halves of `gate_up`, and this kernel reads each half once.
//
// Dispatch: one invocation per output value, 64 to a workgroup. The grid is
// `groups_per_line` workgroups wide and as many lines tall as needed, because
// one grid dimension holds at most 65,535 workgroups.

// Shapes, written by `crates/ponder-model/src/kernels/silu_mul.rs`.
struct Shape {
    // Number of rows: the product of every axis but the last.
    rows: u32,
    // Width of the output, half the width of `gate_up`.
    inner: u32,
    // Workgroups per line of the dispatch grid.
    groups_per_line: u32,
    // Keeps the struct 16 bytes long.
    padding: u32,
}

// Both bindings are read_write, although `gate_up` is only read: burn packs
// small tensors into shared GPU buffers, and WebGPU rejects a dispatch that
// uses one buffer both read-only and writable.
//
// Binding 0: the gate and up projections side by side, [rows, 2 * inner], f32.
@group(0) @binding(0) var<storage, read_write> gate_up: array<f32>;
// Binding 1: the activation, [rows, inner], f32. Every element is written.
@group(0) @binding(1) var<storage, read_write> output: array<f32>;
// Binding 2: the shapes above.
@group(0) @binding(2) var<storage, read_write> shape: Shape;

const WORKGROUP_SIZE: u32 = 64u;

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_index) lane: u32,
) {
    let index = (group.y * shape.groups_per_line + group.x) * WORKGROUP_SIZE + lane;
    if index >= shape.rows * shape.inner || index >= arrayLength(&output) {
        return;
    }
    let row = index / shape.inner;
    let col = index % shape.inner;
    let gate_index = row * 2u * shape.inner + col;
    let up_index = gate_index + shape.inner;
    if up_index >= arrayLength(&gate_up) {
        return;
    }

    let gate = gate_up[gate_index];
    output[index] = gate / (1.0 + exp(-gate)) * gate_up[up_index];
}
