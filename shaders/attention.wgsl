// Non-causal multi-head attention over all positions in one pass, with an
// online softmax:
//
//     output[b, i, h] = sum_j softmax_j(scale * q[b, i, h] . k[b, j, h]) * v[b, j, h]
//
// Burn's plain attention writes the scores, a [seq, seq] matrix per head
// (916 x 916 for ARC-AGI-1), to memory, runs a softmax over it and reads it
// back for the second product. This kernel walks the keys one tile at a time
// and folds each tile's scores into a running maximum, a running sum of
// exponentials and a running weighted sum of values, so only one tile of
// scores ever exists, in workgroup memory.
//
// Layout: query, key, value and output are contiguous [batch, seq, heads,
// head_dim], the layout of TRM's fused qkv projection after the reshape, so
// the caller needs no transposes before or after. They are read as vec4, so
// head_dim is a multiple of 4.
//
// Dispatch: one workgroup of 64 invocations per (batch, head, block of
// QUERY_BLOCK queries). Workgroups are numbered along the lines of the grid,
// which is `groups_per_line` wide and as many lines tall as needed, because
// one grid dimension holds at most 65,535 workgroups.
//
// Work split, with D4 = head_dim / 4 vec4 per row:
// - scores: invocation i takes query row i / 4 and keys i % 4, i % 4 + 4, ...
//   of the tile, so it reads its query once for KEY_TILE / 4 keys;
// - weighted sums: invocation i takes column i % D4 of rows i / D4,
//   i / D4 + 64 / D4, ..., so it reads each value once for all its rows, and
//   keeps those ENTRIES sums in registers.
//
// Template values, filled in by `crates/ponder-model/src/kernels/attention.rs`:
// `d4`, `key_tile`, `entries` and the array lengths, chosen so that the
// workgroup arrays take at most 16,384 bytes, WebGPU's default
// `maxComputeWorkgroupStorageSize`.

// Shapes and the softmax scale, written by the wrapper.
struct Shape {
    // Batch size.
    batch: u32,
    // Number of positions: queries and keys alike.
    seq: u32,
    // Number of heads.
    heads: u32,
    // Blocks of QUERY_BLOCK queries per (batch, head): ceil(seq / QUERY_BLOCK).
    query_blocks: u32,
    // Workgroups per line of the dispatch grid.
    groups_per_line: u32,
    // Multiplies every score: 1 / sqrt(head_dim).
    scale: f32,
    // Keep the struct 32 bytes long.
    padding0: u32,
    padding1: u32,
}

// Every binding is declared read_write, even the ones only read: burn packs
// small tensors into shared GPU buffers, so an input and the output can be
// two ranges of one buffer, and WebGPU rejects a dispatch that uses one
// buffer both read-only and writable.
//
// Binding 0: queries, [batch, seq, heads, head_dim / 4], vec4<f32>.
@group(0) @binding(0) var<storage, read_write> query: array<vec4<f32>>;
// Binding 1: keys, [batch, seq, heads, head_dim / 4], vec4<f32>.
@group(0) @binding(1) var<storage, read_write> key: array<vec4<f32>>;
// Binding 2: values, [batch, seq, heads, head_dim / 4], vec4<f32>.
@group(0) @binding(2) var<storage, read_write> value: array<vec4<f32>>;
// Binding 3: the attended values, [batch, seq, heads, head_dim / 4],
// vec4<f32>. Every element is written.
@group(0) @binding(3) var<storage, read_write> output: array<vec4<f32>>;
// Binding 4: the shapes above.
@group(0) @binding(4) var<storage, read_write> shape: Shape;

const WORKGROUP_SIZE: u32 = 64u;
// Queries per workgroup: 16 rows of scores, 4 invocations each.
const QUERY_BLOCK: u32 = 16u;
// vec4 per head row: head_dim / 4, a power of two from 1 to 32.
const D4: u32 = {{ d4 }}u;
// Keys staged in workgroup memory at a time: 4, 8 or 16.
const KEY_TILE: u32 = {{ key_tile }}u;
// Keys per invocation when scoring: KEY_TILE / 4.
const KEYS_PER_INVOCATION: u32 = {{ keys_per_invocation }}u;
// Weighted-sum entries per invocation: max(1, QUERY_BLOCK * D4 / 64).
const ENTRIES: u32 = {{ entries }}u;
// Rows between an invocation's entries: 64 / D4.
const ROW_STRIDE: u32 = WORKGROUP_SIZE / D4;
// QUERY_BLOCK * D4, KEY_TILE * D4 and QUERY_BLOCK * KEY_TILE.
const BLOCK_LEN: u32 = {{ block_len }}u;
const TILE_LEN: u32 = {{ tile_len }}u;
const SCORES_LEN: u32 = {{ scores_len }}u;

// Below every score, but finite, so that `exp(NO_SCORE - score)` is 0 and never NaN.
const NO_SCORE: f32 = -3.0e38;

// The block's queries, scaled, [QUERY_BLOCK, D4].
var<workgroup> query_block: array<vec4<f32>, BLOCK_LEN>;
// The current tile of keys and of values, [KEY_TILE, D4] each.
var<workgroup> key_tile: array<vec4<f32>, TILE_LEN>;
var<workgroup> value_tile: array<vec4<f32>, TILE_LEN>;
// The block's scores against the tile, [QUERY_BLOCK, KEY_TILE], replaced by
// their exponentials once the block's maxima are known.
var<workgroup> scores: array<f32, SCORES_LEN>;
// Online softmax state of each query of the block: the largest score so far,
// the sum of exp(score - running_max), and the factor that rescales the old
// sums to the new maximum.
var<workgroup> running_max: array<f32, QUERY_BLOCK>;
var<workgroup> running_sum: array<f32, QUERY_BLOCK>;
var<workgroup> correction: array<f32, QUERY_BLOCK>;
// The sequence length, shared so that every invocation sees it as uniform.
var<workgroup> shared_seq: u32;

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_index) lane: u32,
) {
    // The loop over key tiles holds barriers, so its bound must be uniform
    // across the workgroup, which a storage read is not in WGSL's analysis.
    if lane == 0u {
        shared_seq = shape.seq;
    }
    let seq = workgroupUniformLoad(&shared_seq);

    let group_index = group.y * shape.groups_per_line + group.x;
    let query_block_index = group_index % shape.query_blocks;
    let batch_head = group_index / shape.query_blocks;
    let head = batch_head % shape.heads;
    let batch = batch_head / shape.heads;

    // The last line of the grid can run past the last (batch, head), and the
    // last block past the last query. Those invocations still reach every
    // barrier below, which WGSL requires, but read and write no buffer.
    let group_in_range = batch < shape.batch;
    let first_query = query_block_index * QUERY_BLOCK;

    // Row (b, s, h) starts at vec4 ((b * seq + s) * heads + h) * D4.
    let position_stride = shape.heads * D4;
    let head_start = batch * seq * position_stride + head * D4;
    // Every index is checked against the shortest of the four buffers.
    let end = min(min(arrayLength(&query), arrayLength(&output)), min(arrayLength(&key), arrayLength(&value)));

    // Stage the block's queries, scaled once here instead of every score.
    for (var i = lane; i < BLOCK_LEN; i += WORKGROUP_SIZE) {
        let position = first_query + i / D4;
        let index = head_start + position * position_stride + i % D4;
        var q = vec4<f32>(0.0);
        if group_in_range && position < seq && index < end {
            q = query[index] * shape.scale;
        }
        query_block[i] = q;
    }
    for (var i = lane; i < QUERY_BLOCK; i += WORKGROUP_SIZE) {
        running_max[i] = NO_SCORE;
        running_sum[i] = 0.0;
    }

    // This invocation's weighted sums: column `column` of rows
    // `first_row + k * ROW_STRIDE`, for k below ENTRIES.
    let column = lane % D4;
    let first_row = lane / D4;
    var weighted: array<vec4<f32>, ENTRIES>;
    for (var k = 0u; k < ENTRIES; k++) {
        weighted[k] = vec4<f32>(0.0);
    }

    // This invocation's scores: query row `score_row`, keys `first_key + 4 * t`.
    let score_row = lane / 4u;
    let first_key = lane % 4u;

    for (var tile_start = 0u; tile_start < seq; tile_start += KEY_TILE) {
        // 1. Stage the tile's keys and values; positions past the end read as 0.
        for (var i = lane; i < TILE_LEN; i += WORKGROUP_SIZE) {
            let position = tile_start + i / D4;
            let index = head_start + position * position_stride + i % D4;
            var k = vec4<f32>(0.0);
            var v = vec4<f32>(0.0);
            if group_in_range && position < seq && index < end {
                k = key[index];
                v = value[index];
            }
            key_tile[i] = k;
            value_tile[i] = v;
        }
        workgroupBarrier();

        // 2. Scores of the block against the tile. Pairs with a query or a
        // key past the end score NO_SCORE.
        if score_row < QUERY_BLOCK {
            var dots: array<f32, KEYS_PER_INVOCATION>;
            for (var t = 0u; t < KEYS_PER_INVOCATION; t++) {
                dots[t] = 0.0;
            }
            for (var d = 0u; d < D4; d++) {
                let q = query_block[score_row * D4 + d];
                for (var t = 0u; t < KEYS_PER_INVOCATION; t++) {
                    dots[t] += dot(q, key_tile[(first_key + 4u * t) * D4 + d]);
                }
            }
            let query_valid = group_in_range && first_query + score_row < seq;
            for (var t = 0u; t < KEYS_PER_INVOCATION; t++) {
                let key_in_tile = first_key + 4u * t;
                let valid = query_valid && tile_start + key_in_tile < seq;
                scores[score_row * KEY_TILE + key_in_tile] = select(NO_SCORE, dots[t], valid);
            }
        }
        workgroupBarrier();

        // 3. Per query: the new maximum, the factor for the old sums, and the
        // tile's exponentials in place of its scores.
        for (var row = lane; row < QUERY_BLOCK; row += WORKGROUP_SIZE) {
            let old_max = running_max[row];
            var new_max = old_max;
            for (var j = 0u; j < KEY_TILE; j++) {
                new_max = max(new_max, scores[row * KEY_TILE + j]);
            }
            let factor = exp(old_max - new_max);
            var sum = running_sum[row] * factor;
            for (var j = 0u; j < KEY_TILE; j++) {
                let p = exp(scores[row * KEY_TILE + j] - new_max);
                scores[row * KEY_TILE + j] = p;
                sum += p;
            }
            running_max[row] = new_max;
            running_sum[row] = sum;
            correction[row] = factor;
        }
        workgroupBarrier();

        // 4. Rescale this invocation's weighted sums and add the tile's values.
        for (var k = 0u; k < ENTRIES; k++) {
            let row = min(first_row + k * ROW_STRIDE, QUERY_BLOCK - 1u);
            weighted[k] *= correction[row];
        }
        for (var j = 0u; j < KEY_TILE; j++) {
            let v = value_tile[j * D4 + column];
            for (var k = 0u; k < ENTRIES; k++) {
                let row = min(first_row + k * ROW_STRIDE, QUERY_BLOCK - 1u);
                weighted[k] += scores[row * KEY_TILE + j] * v;
            }
        }

        // Every invocation is done with the tile before the next one is staged.
        workgroupBarrier();
    }

    // 5. Divide by the sums and write the block's outputs.
    for (var k = 0u; k < ENTRIES; k++) {
        let row = first_row + k * ROW_STRIDE;
        let position = first_query + row;
        let index = head_start + position * position_stride + column;
        if row < QUERY_BLOCK && group_in_range && position < seq && index < end {
            output[index] = weighted[k] / running_sum[row];
        }
    }
}
