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
// the caller needs no transposes before or after.
//
// Dispatch: one workgroup of 64 invocations per (batch, head, block of
// QUERY_BLOCK queries). Workgroups are numbered along the lines of the grid,
// which is `groups_per_line` wide and as many lines tall as needed, because
// one grid dimension holds at most 65,535 workgroups.
//
// All per-query state lives in workgroup memory, and every loop over it is
// shared out by invocation index. NOTE: a version that kept each query's
// weighted sum in a private array of head_dim floats lost writes on lavapipe
// (Mesa llvmpipe, LLVM 15) from about 495 positions up, with heads of 48 and 64.
//
// Template values, filled in by `crates/ponder-model/src/kernels/attention.rs`:
// `head_dim`, `query_block`, `key_tile` and the array lengths below, chosen
// so that the workgroup arrays take at most 16,384 bytes, WebGPU's default
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
// Binding 0: queries, [batch, seq, heads, head_dim], f32.
@group(0) @binding(0) var<storage, read_write> query: array<f32>;
// Binding 1: keys, [batch, seq, heads, head_dim], f32.
@group(0) @binding(1) var<storage, read_write> key: array<f32>;
// Binding 2: values, [batch, seq, heads, head_dim], f32.
@group(0) @binding(2) var<storage, read_write> value: array<f32>;
// Binding 3: the attended values, [batch, seq, heads, head_dim], f32. Every
// element is written.
@group(0) @binding(3) var<storage, read_write> output: array<f32>;
// Binding 4: the shapes above.
@group(0) @binding(4) var<storage, read_write> shape: Shape;

const WORKGROUP_SIZE: u32 = 64u;
// Width of one head.
const HEAD_DIM: u32 = {{ head_dim }}u;
// Queries per workgroup, at most WORKGROUP_SIZE.
const QUERY_BLOCK: u32 = {{ query_block }}u;
// Keys staged in workgroup memory at a time.
const KEY_TILE: u32 = {{ key_tile }}u;
// KEY_TILE * HEAD_DIM, QUERY_BLOCK * KEY_TILE and QUERY_BLOCK * HEAD_DIM.
const TILE_LEN: u32 = {{ tile_len }}u;
const SCORES_LEN: u32 = {{ scores_len }}u;
const BLOCK_LEN: u32 = {{ block_len }}u;

// Below every score, but finite, so that `exp(NO_SCORE - score)` is 0 and never NaN.
const NO_SCORE: f32 = -3.0e38;

// The current tile of keys and of values, [KEY_TILE, HEAD_DIM] each.
var<workgroup> key_tile: array<f32, TILE_LEN>;
var<workgroup> value_tile: array<f32, TILE_LEN>;
// The block's scores against the tile, [QUERY_BLOCK, KEY_TILE], replaced by
// their exponentials once the block's maxima are known.
var<workgroup> scores: array<f32, SCORES_LEN>;
// Online softmax state of each query of the block: the largest score so far,
// the sum of exp(score - running_max), the factor that rescales the old sums
// to the new maximum, and the values weighted by the same exponentials,
// [QUERY_BLOCK, HEAD_DIM].
var<workgroup> running_max: array<f32, QUERY_BLOCK>;
var<workgroup> running_sum: array<f32, QUERY_BLOCK>;
var<workgroup> correction: array<f32, QUERY_BLOCK>;
var<workgroup> weighted: array<f32, BLOCK_LEN>;
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
    let query_block = group_index % shape.query_blocks;
    let batch_head = group_index / shape.query_blocks;
    let head = batch_head % shape.heads;
    let batch = batch_head / shape.heads;

    // The last line of the grid can run past the last (batch, head), and the
    // last block past the last query. Those invocations still reach every
    // barrier below, which WGSL requires, but read and write no buffer.
    let group_in_range = batch < shape.batch;
    let first_query = query_block * QUERY_BLOCK;

    // Element (b, s, h, d) is at ((b * seq + s) * heads + h) * HEAD_DIM + d.
    let position_stride = shape.heads * HEAD_DIM;
    let head_start = batch * seq * position_stride + head * HEAD_DIM;
    // Every index is checked against the shortest of the four buffers.
    let end = min(min(arrayLength(&query), arrayLength(&output)), min(arrayLength(&key), arrayLength(&value)));

    for (var i = lane; i < QUERY_BLOCK; i += WORKGROUP_SIZE) {
        running_max[i] = NO_SCORE;
        running_sum[i] = 0.0;
    }
    for (var i = lane; i < BLOCK_LEN; i += WORKGROUP_SIZE) {
        weighted[i] = 0.0;
    }

    for (var tile_start = 0u; tile_start < seq; tile_start += KEY_TILE) {
        // 1. Stage the tile's keys and values; positions past the end read as 0.
        for (var i = lane; i < TILE_LEN; i += WORKGROUP_SIZE) {
            let key_position = tile_start + i / HEAD_DIM;
            let index = head_start + key_position * position_stride + i % HEAD_DIM;
            var k = 0.0;
            var v = 0.0;
            if group_in_range && key_position < seq && index < end {
                k = key[index];
                v = value[index];
            }
            key_tile[i] = k;
            value_tile[i] = v;
        }
        workgroupBarrier();

        // 2. Scores of every (query, key) pair of the block and the tile.
        // Pairs with a query or a key past the end score NO_SCORE.
        for (var i = lane; i < SCORES_LEN; i += WORKGROUP_SIZE) {
            let query_position = first_query + i / KEY_TILE;
            let key_in_tile = i % KEY_TILE;
            let query_start = head_start + query_position * position_stride;
            var score = NO_SCORE;
            if group_in_range && query_position < seq && tile_start + key_in_tile < seq
                && query_start + HEAD_DIM <= end {
                var product = 0.0;
                for (var d = 0u; d < HEAD_DIM; d++) {
                    product += query[query_start + d] * key_tile[key_in_tile * HEAD_DIM + d];
                }
                score = product * shape.scale;
            }
            scores[i] = score;
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

        // 4. Rescale each weighted sum and add the tile's values.
        for (var i = lane; i < BLOCK_LEN; i += WORKGROUP_SIZE) {
            let row = i / HEAD_DIM;
            let d = i % HEAD_DIM;
            var total = weighted[i] * correction[row];
            for (var j = 0u; j < KEY_TILE; j++) {
                total += scores[row * KEY_TILE + j] * value_tile[j * HEAD_DIM + d];
            }
            weighted[i] = total;
        }

        // Every invocation is done with the tile before the next one is staged.
        workgroupBarrier();
    }

    // 5. Divide by the sums and write the block's outputs.
    for (var i = lane; i < BLOCK_LEN; i += WORKGROUP_SIZE) {
        let row = i / HEAD_DIM;
        let query_position = first_query + row;
        let index = head_start + query_position * position_stride + i % HEAD_DIM;
        if group_in_range && query_position < seq && index < end {
            output[index] = weighted[i] / running_sum[row];
        }
    }
}
