// Residual add followed by TRM's RMSNorm, in one pass over each row:
//
//     sum    = x + residual
//     output = sum / sqrt(mean(sum^2) + eps)
//
// The norm runs over the last axis of contiguous tensors, so row `r` is
// `width` consecutive values starting at `r * width`. Burn runs this as six
// operations (add, square, mean, add eps, sqrt, divide), each a pass over the
// whole state, and this kernel reads the inputs once.
//
// Dispatch: one workgroup of 64 invocations per row. The grid is
// `rows_per_line` workgroups wide and as many lines tall as needed, because
// one grid dimension holds at most 65,535 workgroups.

// Shapes and the epsilon, written by `crates/ponder-model/src/kernels/add_rms_norm.rs`.
struct Shape {
    // Number of rows: the product of every axis but the last.
    rows: u32,
    // Length of the last axis, the one the norm runs over.
    width: u32,
    // Workgroups per line of the dispatch grid.
    rows_per_line: u32,
    // Added to the mean square before the square root.
    eps: f32,
}

// Every binding is declared read_write, even the ones only read: burn packs
// small tensors into shared GPU buffers, so an input and the output can be
// two ranges of one buffer, and WebGPU rejects a dispatch that uses one
// buffer both read-only and writable.
//
// Binding 0: the block's output `x`, [rows, width], f32.
@group(0) @binding(0) var<storage, read_write> x: array<f32>;
// Binding 1: the residual stream `residual`, [rows, width], f32.
@group(0) @binding(1) var<storage, read_write> residual: array<f32>;
// Binding 2: the normalised sum, [rows, width], f32. Every element is written.
@group(0) @binding(2) var<storage, read_write> output: array<f32>;
// Binding 3: the shapes above.
@group(0) @binding(3) var<storage, read_write> shape: Shape;

const WORKGROUP_SIZE: u32 = 64u;

// One partial sum of squares per invocation, reduced to the row's total.
var<workgroup> partial_sums: array<f32, WORKGROUP_SIZE>;

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_index) lane: u32,
) {
    let row = group.y * shape.rows_per_line + group.x;

    // The last line of the grid can run past the last row. Those workgroups
    // still reach every barrier below, which WGSL requires of all
    // invocations, but touch no memory.
    let in_range = row < shape.rows;
    let start = row * shape.width;
    // Every index is checked against the shortest of the three buffers.
    let end = min(arrayLength(&output), min(arrayLength(&x), arrayLength(&residual)));

    // Each invocation adds a strided slice of the row and keeps its squares.
    var sum_of_squares = 0.0;
    if in_range {
        for (var col = lane; col < shape.width; col += WORKGROUP_SIZE) {
            let index = start + col;
            if index < end {
                let value = x[index] + residual[index];
                output[index] = value;
                sum_of_squares += value * value;
            }
        }
    }
    partial_sums[lane] = sum_of_squares;
    workgroupBarrier();

    // Tree reduction of the 64 partial sums into partial_sums[0].
    for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride /= 2u) {
        if lane < stride {
            partial_sums[lane] += partial_sums[lane + stride];
        }
        workgroupBarrier();
    }

    // Each invocation divides the values it wrote itself.
    if in_range {
        let rms = sqrt(partial_sums[0] / f32(shape.width) + shape.eps);
        for (var col = lane; col < shape.width; col += WORKGROUP_SIZE) {
            let index = start + col;
            if index < end {
                output[index] = output[index] / rms;
            }
        }
    }
}
