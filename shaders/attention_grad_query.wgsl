// Backward pass of `shaders/attention.wgsl`, first half: the gradient of the
// queries, and the softmax statistics that the second half
// (`attention_grad_key.wgsl`) needs.
//
// With s[i, j] = scale * q[i] . k[j], p[i, j] = softmax_j(s[i, j]) and
// output o[i] = sum_j p[i, j] * v[j], for one (batch, head), and dO the
// gradient of the output:
//
//     dp[i, j]   = dO[i] . v[j]
//     delta[i]   = sum_j p[i, j] * dp[i, j] = dO[i] . o[i]
//     ds[i, j]   = p[i, j] * (dp[i, j] - delta[i])
//     dq[i]      = scale * sum_j ds[i, j] * k[j]
//
// Like the forward kernel, this one never stores a [seq, seq] matrix. It
// walks the keys twice: the first walk finds each query's log-sum-exp
// lse[i] = log(sum_j exp(s[i, j])), as the forward pass's online softmax does;
// the second recomputes p[i, j] = exp(s[i, j] - lse[i]) one tile at a time
// and folds ds[i, j] * k[j] into the query's gradient. It writes (lse[i],
// delta[i]) for every query to `row_stats`.
//
// Layout: query, key, value, output, output_grad and query_grad are
// contiguous [batch, seq, heads, head_dim], read as vec4. row_stats is
// [batch, heads, seq] of vec2 (lse, delta).
//
// Dispatch: one workgroup of 64 invocations per (batch, head, block of
// QUERY_BLOCK queries), numbered along the lines of a grid
// `groups_per_line` wide, as in the forward kernel.
//
// Work split, with D4 = head_dim / 4:
// - scores: invocation i takes query row i / 4 and keys i % 4, i % 4 + 4, ...
//   of the tile;
// - gradient sums: invocation i takes column i % D4 of rows i / D4,
//   i / D4 + 64 / D4, ..., ENTRIES rows in all, kept in registers.
//
// Template values, filled in by
// `crates/ponder-model/src/kernels/attention_grad.rs`: `d4`, `key_tile`,
// `entries` and the array lengths, chosen so that the workgroup arrays take
// at most 16,384 bytes, WebGPU's default `maxComputeWorkgroupStorageSize`.

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

// Every binding is declared read_write for the reason given in attention.wgsl:
// burn can hand out two ranges of one buffer as an input and an output.
//
// Binding 0: queries, [batch, seq, heads, head_dim / 4], vec4<f32>.
@group(0) @binding(0) var<storage, read_write> query: array<vec4<f32>>;
// Binding 1: keys, same layout.
@group(0) @binding(1) var<storage, read_write> key: array<vec4<f32>>;
// Binding 2: values, same layout.
@group(0) @binding(2) var<storage, read_write> value: array<vec4<f32>>;
// Binding 3: the forward pass's output, same layout.
@group(0) @binding(3) var<storage, read_write> output: array<vec4<f32>>;
// Binding 4: the gradient of the output, same layout.
@group(0) @binding(4) var<storage, read_write> output_grad: array<vec4<f32>>;
// Binding 5: the gradient of the queries, same layout. Every element is written.
@group(0) @binding(5) var<storage, read_write> query_grad: array<vec4<f32>>;
// Binding 6: (lse, delta) per query, [batch, heads, seq], vec2<f32>. Every
// element is written.
@group(0) @binding(6) var<storage, read_write> row_stats: array<vec2<f32>>;
// Binding 7: the shapes above.
@group(0) @binding(7) var<storage, read_write> shape: Shape;

const WORKGROUP_SIZE: u32 = 64u;
// Queries per workgroup: 16 rows of scores, 4 invocations each.
const QUERY_BLOCK: u32 = 16u;
// vec4 per head row: head_dim / 4, a power of two from 1 to 16.
const D4: u32 = {{ d4 }}u;
// Keys staged in workgroup memory at a time: 4, 8 or 16.
const KEY_TILE: u32 = {{ key_tile }}u;
// Keys per invocation when scoring: KEY_TILE / 4.
const KEYS_PER_INVOCATION: u32 = {{ keys_per_invocation }}u;
// Gradient entries per invocation: max(1, QUERY_BLOCK * D4 / 64).
const ENTRIES: u32 = {{ entries }}u;
// Rows between an invocation's entries: 64 / D4.
const ROW_STRIDE: u32 = WORKGROUP_SIZE / D4;
// QUERY_BLOCK * D4, KEY_TILE * D4 and QUERY_BLOCK * KEY_TILE.
const BLOCK_LEN: u32 = {{ block_len }}u;
const TILE_LEN: u32 = {{ tile_len }}u;
const SCORES_LEN: u32 = {{ scores_len }}u;

// Below every score, but finite, so that `exp(NO_SCORE - score)` is 0 and never NaN.
const NO_SCORE: f32 = -3.0e38;

// The block's queries, scaled, and their output gradients, [QUERY_BLOCK, D4] each.
var<workgroup> query_block: array<vec4<f32>, BLOCK_LEN>;
var<workgroup> grad_block: array<vec4<f32>, BLOCK_LEN>;
// The current tile of keys and of values, [KEY_TILE, D4] each.
var<workgroup> key_tile: array<vec4<f32>, TILE_LEN>;
var<workgroup> value_tile: array<vec4<f32>, TILE_LEN>;
// The block's scores against the tile in the first walk, ds in the second,
// [QUERY_BLOCK, KEY_TILE].
var<workgroup> scores: array<f32, SCORES_LEN>;
// Per query: the largest score so far, then the log-sum-exp; the running sum
// of exp(score - running_max); and delta.
var<workgroup> running_max: array<f32, QUERY_BLOCK>;
var<workgroup> running_sum: array<f32, QUERY_BLOCK>;
var<workgroup> delta: array<f32, QUERY_BLOCK>;
// The sequence length, shared so that every invocation sees it as uniform.
var<workgroup> shared_seq: u32;

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_index) lane: u32,
) {
    // The loops over key tiles hold barriers, so their bound must be uniform.
    if lane == 0u {
        shared_seq = shape.seq;
    }
    let seq = workgroupUniformLoad(&shared_seq);

    let group_index = group.y * shape.groups_per_line + group.x;
    let query_block_index = group_index % shape.query_blocks;
    let batch_head = group_index / shape.query_blocks;
    let head = batch_head % shape.heads;
    let batch = batch_head / shape.heads;

    // Workgroups past the last (batch, head) and queries past the end still
    // reach every barrier, but read and write no buffer.
    let group_in_range = batch < shape.batch;
    let first_query = query_block_index * QUERY_BLOCK;

    // Row (b, s, h) starts at vec4 ((b * seq + s) * heads + h) * D4.
    let position_stride = shape.heads * D4;
    let head_start = batch * seq * position_stride + head * D4;
    // Statistics of (b, h, s) sit at (b * heads + h) * seq + s.
    let stats_start = batch_head * seq;
    // Every index is checked against the shortest of the six row buffers.
    let end = min(
        min(min(arrayLength(&query), arrayLength(&key)), min(arrayLength(&value), arrayLength(&output))),
        min(arrayLength(&output_grad), arrayLength(&query_grad)),
    );

    // 1. Stage the block's scaled queries and output gradients.
    for (var i = lane; i < BLOCK_LEN; i += WORKGROUP_SIZE) {
        let position = first_query + i / D4;
        let index = head_start + position * position_stride + i % D4;
        var q = vec4<f32>(0.0);
        var g = vec4<f32>(0.0);
        if group_in_range && position < seq && index < end {
            q = query[index] * shape.scale;
            g = output_grad[index];
        }
        query_block[i] = q;
        grad_block[i] = g;
    }
    workgroupBarrier();

    // 2. delta = dO . o per query; reset the softmax state.
    for (var row = lane; row < QUERY_BLOCK; row += WORKGROUP_SIZE) {
        let position = first_query + row;
        var sum = 0.0;
        for (var d = 0u; d < D4; d++) {
            let index = head_start + position * position_stride + d;
            if group_in_range && position < seq && index < end {
                sum += dot(grad_block[row * D4 + d], output[index]);
            }
        }
        delta[row] = sum;
        running_max[row] = NO_SCORE;
        running_sum[row] = 0.0;
    }

    // This invocation's scores: query row `score_row`, keys `first_key + 4 * t`.
    let score_row = lane / 4u;
    let first_key = lane % 4u;
    let query_valid = group_in_range && first_query + score_row < seq;

    // 3. First walk over the keys: each query's maximum and sum of exponentials.
    for (var tile_start = 0u; tile_start < seq; tile_start += KEY_TILE) {
        for (var i = lane; i < TILE_LEN; i += WORKGROUP_SIZE) {
            let position = tile_start + i / D4;
            let index = head_start + position * position_stride + i % D4;
            var k = vec4<f32>(0.0);
            if group_in_range && position < seq && index < end {
                k = key[index];
            }
            key_tile[i] = k;
        }
        workgroupBarrier();

        if score_row < QUERY_BLOCK {
            for (var t = 0u; t < KEYS_PER_INVOCATION; t++) {
                let key_in_tile = first_key + 4u * t;
                var s = 0.0;
                for (var d = 0u; d < D4; d++) {
                    s += dot(query_block[score_row * D4 + d], key_tile[key_in_tile * D4 + d]);
                }
                let valid = query_valid && tile_start + key_in_tile < seq;
                scores[score_row * KEY_TILE + key_in_tile] = select(NO_SCORE, s, valid);
            }
        }
        workgroupBarrier();

        for (var row = lane; row < QUERY_BLOCK; row += WORKGROUP_SIZE) {
            let old_max = running_max[row];
            var new_max = old_max;
            for (var j = 0u; j < KEY_TILE; j++) {
                new_max = max(new_max, scores[row * KEY_TILE + j]);
            }
            var sum = running_sum[row] * exp(old_max - new_max);
            for (var j = 0u; j < KEY_TILE; j++) {
                sum += exp(scores[row * KEY_TILE + j] - new_max);
            }
            running_max[row] = new_max;
            running_sum[row] = sum;
        }
        workgroupBarrier();
    }

    // 4. lse = max + log(sum), kept in running_max and written with delta. A
    // query past the end keeps a finite lse: it scored NO_SCORE everywhere.
    for (var row = lane; row < QUERY_BLOCK; row += WORKGROUP_SIZE) {
        let lse = running_max[row] + log(running_sum[row]);
        running_max[row] = lse;
        let position = first_query + row;
        let index = stats_start + position;
        if group_in_range && position < seq && index < arrayLength(&row_stats) {
            row_stats[index] = vec2<f32>(lse, delta[row]);
        }
    }
    workgroupBarrier();

    // This invocation's gradient sums: column `column` of rows
    // `first_row + k * ROW_STRIDE`, for k below ENTRIES.
    let column = lane % D4;
    let first_row = lane / D4;
    var gradient: array<vec4<f32>, ENTRIES>;
    for (var k = 0u; k < ENTRIES; k++) {
        gradient[k] = vec4<f32>(0.0);
    }

    // 5. Second walk: ds for the block against each tile, folded into dq.
    for (var tile_start = 0u; tile_start < seq; tile_start += KEY_TILE) {
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

        if score_row < QUERY_BLOCK {
            let lse = running_max[score_row];
            let row_delta = delta[score_row];
            for (var t = 0u; t < KEYS_PER_INVOCATION; t++) {
                let key_in_tile = first_key + 4u * t;
                var s = 0.0;
                var dp = 0.0;
                for (var d = 0u; d < D4; d++) {
                    s += dot(query_block[score_row * D4 + d], key_tile[key_in_tile * D4 + d]);
                    dp += dot(grad_block[score_row * D4 + d], value_tile[key_in_tile * D4 + d]);
                }
                let valid = query_valid && tile_start + key_in_tile < seq;
                let p = select(0.0, exp(s - lse), valid);
                scores[score_row * KEY_TILE + key_in_tile] = p * (dp - row_delta);
            }
        }
        workgroupBarrier();

        for (var j = 0u; j < KEY_TILE; j++) {
            let k = key_tile[j * D4 + column];
            for (var e = 0u; e < ENTRIES; e++) {
                let row = min(first_row + e * ROW_STRIDE, QUERY_BLOCK - 1u);
                gradient[e] += scores[row * KEY_TILE + j] * k;
            }
        }

        // Every invocation is done with the tile before the next one is staged.
        workgroupBarrier();
    }

    // 6. Write dq = scale * sum_j ds * k.
    for (var e = 0u; e < ENTRIES; e++) {
        let row = first_row + e * ROW_STRIDE;
        let position = first_query + row;
        let index = head_start + position * position_stride + column;
        if row < QUERY_BLOCK && group_in_range && position < seq && index < end {
            query_grad[index] = gradient[e] * shape.scale;
        }
    }
}
