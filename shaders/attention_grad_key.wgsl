// Backward pass of `shaders/attention.wgsl`, second half: the gradients of
// the keys and the values, from the (lse, delta) statistics that
// `attention_grad_query.wgsl` wrote. With the notation of that file:
//
//     p[i, j]  = exp(s[i, j] - lse[i])
//     dv[j]    = sum_i p[i, j] * dO[i]
//     ds[i, j] = p[i, j] * (dO[i] . v[j] - delta[i])
//     dk[j]    = scale * sum_i ds[i, j] * q[i]
//
// Each workgroup owns a block of KEY_BLOCK keys and walks the queries one
// tile at a time, so no [seq, seq] matrix is stored.
//
// Layout: query, key, value, output_grad, key_grad and value_grad are
// contiguous [batch, seq, heads, head_dim], read as vec4. row_stats is
// [batch, heads, seq] of vec2 (lse, delta).
//
// Dispatch: one workgroup of 64 invocations per (batch, head, block of
// KEY_BLOCK keys), numbered along the lines of a grid `groups_per_line` wide.
//
// Work split, with D4 = head_dim / 4:
// - p and ds: invocation i takes key row i / 4 and queries i % 4,
//   i % 4 + 4, ... of the tile;
// - gradient sums: invocation i takes column i % D4 of key rows i / D4,
//   i / D4 + 64 / D4, ..., ENTRIES rows in all, kept in registers.
//
// Template values, filled in by
// `crates/ponder-model/src/kernels/attention_grad.rs`, as for the query half.

// Shapes and the softmax scale, written by the wrapper.
struct Shape {
    // Batch size.
    batch: u32,
    // Number of positions: queries and keys alike.
    seq: u32,
    // Number of heads.
    heads: u32,
    // Blocks of KEY_BLOCK keys per (batch, head): ceil(seq / KEY_BLOCK).
    key_blocks: u32,
    // Workgroups per line of the dispatch grid.
    groups_per_line: u32,
    // Multiplies every score: 1 / sqrt(head_dim).
    scale: f32,
    // Keep the struct 32 bytes long.
    padding0: u32,
    padding1: u32,
}

// Every binding is declared read_write for the reason given in attention.wgsl.
//
// Binding 0: queries, [batch, seq, heads, head_dim / 4], vec4<f32>.
@group(0) @binding(0) var<storage, read_write> query: array<vec4<f32>>;
// Binding 1: keys, same layout.
@group(0) @binding(1) var<storage, read_write> key: array<vec4<f32>>;
// Binding 2: values, same layout.
@group(0) @binding(2) var<storage, read_write> value: array<vec4<f32>>;
// Binding 3: the gradient of the output, same layout.
@group(0) @binding(3) var<storage, read_write> output_grad: array<vec4<f32>>;
// Binding 4: (lse, delta) per query, [batch, heads, seq], vec2<f32>.
@group(0) @binding(4) var<storage, read_write> row_stats: array<vec2<f32>>;
// Binding 5: the gradient of the keys, same layout as the keys. Every element is written.
@group(0) @binding(5) var<storage, read_write> key_grad: array<vec4<f32>>;
// Binding 6: the gradient of the values, same layout. Every element is written.
@group(0) @binding(6) var<storage, read_write> value_grad: array<vec4<f32>>;
// Binding 7: the shapes above.
@group(0) @binding(7) var<storage, read_write> shape: Shape;

const WORKGROUP_SIZE: u32 = 64u;
// Keys per workgroup: 16 rows, 4 invocations each.
const KEY_BLOCK: u32 = 16u;
// vec4 per head row: head_dim / 4, a power of two from 1 to 16.
const D4: u32 = {{ d4 }}u;
// Queries staged in workgroup memory at a time: 4, 8 or 16.
const QUERY_TILE: u32 = {{ key_tile }}u;
// Queries per invocation when computing p and ds: QUERY_TILE / 4.
const QUERIES_PER_INVOCATION: u32 = {{ keys_per_invocation }}u;
// Gradient entries per invocation: max(1, KEY_BLOCK * D4 / 64).
const ENTRIES: u32 = {{ entries }}u;
// Rows between an invocation's entries: 64 / D4.
const ROW_STRIDE: u32 = WORKGROUP_SIZE / D4;
// KEY_BLOCK * D4, QUERY_TILE * D4 and KEY_BLOCK * QUERY_TILE.
const BLOCK_LEN: u32 = {{ block_len }}u;
const TILE_LEN: u32 = {{ tile_len }}u;
const SCORES_LEN: u32 = {{ scores_len }}u;

// Above every score, but finite: a query past the end gets it as its lse, so
// that its p = exp(s - lse) is 0 and never NaN.
const NO_QUERY_LSE: f32 = 3.0e38;

// The block's keys and values, [KEY_BLOCK, D4] each.
var<workgroup> key_block: array<vec4<f32>, BLOCK_LEN>;
var<workgroup> value_block: array<vec4<f32>, BLOCK_LEN>;
// The current tile of scaled queries and of output gradients, [QUERY_TILE, D4] each.
var<workgroup> query_tile: array<vec4<f32>, TILE_LEN>;
var<workgroup> grad_tile: array<vec4<f32>, TILE_LEN>;
// The tile's statistics.
var<workgroup> tile_lse: array<f32, QUERY_TILE>;
var<workgroup> tile_delta: array<f32, QUERY_TILE>;
// p and ds of the block's keys against the tile's queries, [KEY_BLOCK, QUERY_TILE].
var<workgroup> probs: array<f32, SCORES_LEN>;
var<workgroup> score_grads: array<f32, SCORES_LEN>;
// The sequence length, shared so that every invocation sees it as uniform.
var<workgroup> shared_seq: u32;

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_index) lane: u32,
) {
    // The loop over query tiles holds barriers, so its bound must be uniform.
    if lane == 0u {
        shared_seq = shape.seq;
    }
    let seq = workgroupUniformLoad(&shared_seq);

    let group_index = group.y * shape.groups_per_line + group.x;
    let key_block_index = group_index % shape.key_blocks;
    let batch_head = group_index / shape.key_blocks;
    let head = batch_head % shape.heads;
    let batch = batch_head / shape.heads;

    // Workgroups past the last (batch, head) and keys past the end still
    // reach every barrier, but read and write no buffer.
    let group_in_range = batch < shape.batch;
    let first_key = key_block_index * KEY_BLOCK;

    // Row (b, s, h) starts at vec4 ((b * seq + s) * heads + h) * D4.
    let position_stride = shape.heads * D4;
    let head_start = batch * seq * position_stride + head * D4;
    // Statistics of (b, h, s) sit at (b * heads + h) * seq + s.
    let stats_start = batch_head * seq;
    // Every index is checked against the shortest of the six row buffers.
    let end = min(
        min(min(arrayLength(&query), arrayLength(&key)), min(arrayLength(&value), arrayLength(&output_grad))),
        min(arrayLength(&key_grad), arrayLength(&value_grad)),
    );

    // 1. Stage the block's keys and values.
    for (var i = lane; i < BLOCK_LEN; i += WORKGROUP_SIZE) {
        let position = first_key + i / D4;
        let index = head_start + position * position_stride + i % D4;
        var k = vec4<f32>(0.0);
        var v = vec4<f32>(0.0);
        if group_in_range && position < seq && index < end {
            k = key[index];
            v = value[index];
        }
        key_block[i] = k;
        value_block[i] = v;
    }

    // This invocation's gradient sums: column `column` of key rows
    // `first_row + e * ROW_STRIDE`, for e below ENTRIES.
    let column = lane % D4;
    let first_row = lane / D4;
    var key_sum: array<vec4<f32>, ENTRIES>;
    var value_sum: array<vec4<f32>, ENTRIES>;
    for (var e = 0u; e < ENTRIES; e++) {
        key_sum[e] = vec4<f32>(0.0);
        value_sum[e] = vec4<f32>(0.0);
    }

    // This invocation's pairs: key row `pair_row`, queries `first_query + 4 * t`.
    let pair_row = lane / 4u;
    let first_query = lane % 4u;

    for (var tile_start = 0u; tile_start < seq; tile_start += QUERY_TILE) {
        // 2. Stage the tile's scaled queries, output gradients and statistics.
        for (var i = lane; i < TILE_LEN; i += WORKGROUP_SIZE) {
            let position = tile_start + i / D4;
            let index = head_start + position * position_stride + i % D4;
            var q = vec4<f32>(0.0);
            var g = vec4<f32>(0.0);
            if group_in_range && position < seq && index < end {
                q = query[index] * shape.scale;
                g = output_grad[index];
            }
            query_tile[i] = q;
            grad_tile[i] = g;
        }
        for (var i = lane; i < QUERY_TILE; i += WORKGROUP_SIZE) {
            let position = tile_start + i;
            let index = stats_start + position;
            var stats = vec2<f32>(NO_QUERY_LSE, 0.0);
            if group_in_range && position < seq && index < arrayLength(&row_stats) {
                stats = row_stats[index];
            }
            tile_lse[i] = stats.x;
            tile_delta[i] = stats.y;
        }
        workgroupBarrier();

        // 3. p and ds for the block's keys against the tile's queries. Keys
        // past the end are zero and never written; queries past the end get p = 0.
        if pair_row < KEY_BLOCK {
            for (var t = 0u; t < QUERIES_PER_INVOCATION; t++) {
                let query_in_tile = first_query + 4u * t;
                var s = 0.0;
                var dp = 0.0;
                for (var d = 0u; d < D4; d++) {
                    s += dot(query_tile[query_in_tile * D4 + d], key_block[pair_row * D4 + d]);
                    dp += dot(grad_tile[query_in_tile * D4 + d], value_block[pair_row * D4 + d]);
                }
                let p = exp(s - tile_lse[query_in_tile]);
                probs[pair_row * QUERY_TILE + query_in_tile] = p;
                score_grads[pair_row * QUERY_TILE + query_in_tile] = p * (dp - tile_delta[query_in_tile]);
            }
        }
        workgroupBarrier();

        // 4. Fold the tile into dv += p * dO and dk += ds * (scale * q).
        for (var j = 0u; j < QUERY_TILE; j++) {
            let q = query_tile[j * D4 + column];
            let g = grad_tile[j * D4 + column];
            for (var e = 0u; e < ENTRIES; e++) {
                let row = min(first_row + e * ROW_STRIDE, KEY_BLOCK - 1u);
                value_sum[e] += probs[row * QUERY_TILE + j] * g;
                key_sum[e] += score_grads[row * QUERY_TILE + j] * q;
            }
        }

        // Every invocation is done with the tile before the next one is staged.
        workgroupBarrier();
    }

    // 5. Write the block's key and value gradients.
    for (var e = 0u; e < ENTRIES; e++) {
        let row = first_row + e * ROW_STRIDE;
        let position = first_key + row;
        let index = head_start + position * position_stride + column;
        if row < KEY_BLOCK && group_in_range && position < seq && index < end {
            key_grad[index] = key_sum[e];
            value_grad[index] = value_sum[e];
        }
    }
}
