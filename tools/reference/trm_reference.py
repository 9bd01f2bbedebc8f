#!/usr/bin/env python3
"""A small PyTorch forward pass of the Tiny Recursive Model, for checking and timing.

This is Ponder's own reference: plain PyTorch, written from the TRM paper
("Less is More: Recursive Reasoning with Tiny Networks", 2025) and from the
semantics of the official code (SamsungSAILMontreal/TinyRecursiveModels),
evaluation only. It reads weights under the official state_dict keys.

Two commands:

  check  Run every TRM golden case in a folder (CASE.config.json,
         CASE.safetensors, CASE.io.safetensors) and compare each step's logits,
         q_halt logits and predictions. Exits 1 when a case is off.
  bench  Time one ACT step in the released ARC-AGI-1 shape on the CPU with
         random weights, and print the timings as one JSON object on stdout.
         `ponder bench` runs this command and reads that object. With
         --train it times a training step instead: the ACT step with gradients
         through its last H-cycle only, the official loss (stablemax
         cross-entropy and the q_halt term), backward, and an AdamW update
         of every weight.

It needs only PyTorch; safetensors files are parsed here, so the
`safetensors` package is not required.
"""

import argparse
import json
import math
import struct
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

# Tolerances of the golden check: logits and q_halt as the CPU path must meet them.
LOGITS_TOLERANCE = 1e-4
Q_HALT_TOLERANCE = 1e-3

# Golden cases of TRM models. Other cases in the folder (HRM) are skipped.
TRM_CASES = ("arc_small", "arc_full", "sudoku_mlp_small")

# Prefixes that the official training script puts in front of state_dict keys.
KEY_PREFIXES = ("_orig_mod.", "model.", "inner.")

SAFETENSORS_DTYPES = {
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "F64": torch.float64,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}


def read_safetensors(path):
    """Read every tensor of a safetensors file into a dict of CPU tensors."""
    data = Path(path).read_bytes()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_len])
    body = memoryview(data)[8 + header_len :]

    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = SAFETENSORS_DTYPES.get(entry["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: tensor {name} has unsupported dtype {entry['dtype']}")
        begin, end = entry["data_offsets"]
        raw = bytearray(body[begin:end])
        flat = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(entry["shape"])
    return tensors


def canonical_key(key):
    """Strip the official prefixes, so `_orig_mod.model.inner.lm_head.weight` becomes `lm_head.weight`."""
    changed = True
    while changed:
        changed = False
        for prefix in KEY_PREFIXES:
            if key.startswith(prefix):
                key = key[len(prefix) :]
                changed = True
    return key


def arc_agi_1_config():
    """Return the released ARC-AGI-1 shape, with L_cycles 4 as the ARC Prize checkpoint was trained."""
    return {
        "seq_len": 900,
        "vocab_size": 12,
        "num_puzzle_identifiers": 1,
        "puzzle_emb_ndim": 512,
        "puzzle_emb_len": 16,
        "hidden_size": 512,
        "num_heads": 8,
        "expansion": 4.0,
        "L_layers": 2,
        "H_cycles": 3,
        "L_cycles": 4,
        "pos_encodings": "rope",
        "rope_theta": 10000.0,
        "rms_norm_eps": 1e-5,
        "mlp_t": False,
    }


def puzzle_emb_positions(config):
    """Return the positions the puzzle embedding takes. A config value of 0 means ceil(ndim / hidden)."""
    if config.get("puzzle_emb_len", 16) != 0:
        return config.get("puzzle_emb_len", 16)
    return -(-config["puzzle_emb_ndim"] // config["hidden_size"])


def swiglu_inner_width(width, expansion):
    """Compute round(expansion * width * 2 / 3), rounded up to a multiple of 256."""
    inner = round(expansion * width * 2 / 3)
    return -(-inner // 256) * 256


class TrmReference:
    """The TRM network in evaluation mode, as plain tensor functions over a weight dict."""

    def __init__(self, config, weights):
        self.config = config
        self.weights = {canonical_key(key): value.float() for key, value in weights.items()}
        self.hidden = config["hidden_size"]
        self.heads = config["num_heads"]
        self.head_dim = self.hidden // self.heads
        self.eps = config.get("rms_norm_eps", 1e-5)
        self.puzzle_emb_len = puzzle_emb_positions(config) if config.get("puzzle_emb_ndim", 0) > 0 else 0
        self.positions = config["seq_len"] + self.puzzle_emb_len

        self.cos = self.sin = None
        if config.get("pos_encodings") == "rope":
            self.cos, self.sin = self.rope_tables(config.get("rope_theta", 10000.0))

    def rope_tables(self, theta):
        """Compute cos and sin of position * theta^(-2i / head_dim), each frequency repeated for both halves. [positions, head_dim]"""
        exponents = torch.arange(0, self.head_dim, 2, dtype=torch.float32) / self.head_dim
        inv_freq = 1.0 / (theta**exponents)
        angles = torch.outer(torch.arange(self.positions, dtype=torch.float32), inv_freq)
        angles = torch.cat((angles, angles), dim=-1)
        return angles.cos(), angles.sin()

    def rms_norm(self, x):
        """Divide x by sqrt(mean(x^2) + eps) over the last axis, in f32, with no learned scale."""
        x = x.float()
        return x * torch.rsqrt(x.square().mean(dim=-1, keepdim=True) + self.eps)

    def swiglu(self, x, prefix):
        """Compute down_proj(silu(gate) * up), with gate and up from one fused projection."""
        gate, up = F.linear(x, self.weights[f"{prefix}.gate_up_proj.weight"]).chunk(2, dim=-1)
        return F.linear(F.silu(gate) * up, self.weights[f"{prefix}.down_proj.weight"])

    def attention(self, x, prefix):
        """Run non-causal multi-head self-attention with RoPE on queries and keys. [batch, positions, hidden]"""
        batch, positions, _ = x.shape

        # [batch, positions, 3 * heads, head_dim]: query heads, then key heads, then value heads.
        qkv = F.linear(x, self.weights[f"{prefix}.qkv_proj.weight"])
        qkv = qkv.view(batch, positions, 3 * self.heads, self.head_dim)
        query, key, value = qkv.split(self.heads, dim=2)

        if self.cos is not None:
            query = self.rotate(query)
            key = self.rotate(key)

        # [batch, heads, positions, head_dim]
        query, key, value = (t.transpose(1, 2) for t in (query, key, value))
        attended = F.scaled_dot_product_attention(query, key, value, is_causal=False)

        attended = attended.transpose(1, 2).reshape(batch, positions, self.hidden)
        return F.linear(attended, self.weights[f"{prefix}.o_proj.weight"])

    def rotate(self, x):
        """Rotate queries or keys: x * cos + rotate_half(x) * sin, where rotate_half maps (x1, x2) to (-x2, x1). [batch, positions, heads, head_dim]"""
        cos = self.cos.unsqueeze(-2)
        sin = self.sin.unsqueeze(-2)
        x1, x2 = x.chunk(2, dim=-1)
        return x * cos + torch.cat((-x2, x1), dim=-1) * sin

    def block(self, x, layer):
        """Run one post-norm block: x = norm(x + mix(x)), then x = norm(x + mlp(x))."""
        prefix = f"L_level.layers.{layer}"
        if self.config.get("mlp_t", False):
            # The token-mixing SwiGLU and its norm run over the sequence axis.
            transposed = x.transpose(1, 2)
            transposed = self.rms_norm(transposed + self.swiglu(transposed, f"{prefix}.mlp_t"))
            x = transposed.transpose(1, 2)
        else:
            x = self.rms_norm(x + self.attention(x, f"{prefix}.self_attn"))
        return self.rms_norm(x + self.swiglu(x, f"{prefix}.mlp"))

    def net(self, hidden_states, injection):
        """Apply the network that TRM uses for both latents: add the injection, then run the blocks."""
        x = hidden_states + injection
        for layer in range(self.config["L_layers"]):
            x = self.block(x, layer)
        return x

    def input_embeddings(self, inputs, puzzle_identifiers):
        """Embed a batch: puzzle rows as the first positions, then token embeddings, all times sqrt(hidden). [batch, positions, hidden]"""
        embedding = F.embedding(inputs.long(), self.weights["embed_tokens.embedding_weight"])

        if self.config.get("puzzle_emb_ndim", 0) > 0:
            rows = self.weights["puzzle_emb.weights"][puzzle_identifiers.long()]
            pad_count = self.puzzle_emb_len * self.hidden - rows.shape[-1]
            if pad_count > 0:
                rows = F.pad(rows, (0, pad_count))
            embedding = torch.cat((rows.view(-1, self.puzzle_emb_len, self.hidden), embedding), dim=-2)

        if self.config.get("pos_encodings") == "learned":
            # The official constant for 1/sqrt(2), to its 9 digits.
            embedding = 0.707106781 * (embedding + self.weights["embed_pos.embedding_weight"])

        return math.sqrt(self.hidden) * embedding

    def initial_carry(self, batch):
        """Return z_H and z_L of a fresh puzzle: H_init and L_init at every position."""
        shape = (batch, self.positions, self.hidden)
        z_H = self.weights["H_init"].expand(shape)
        z_L = self.weights["L_init"].expand(shape)
        return z_H, z_L

    def train_act_step(self, carry, inputs, puzzle_identifiers):
        """Run one ACT step as training does: H_cycles - 1 rounds without gradient, then one with it."""
        z_H, z_L = carry
        x = self.input_embeddings(inputs, puzzle_identifiers)

        with torch.no_grad():
            for _H_step in range(self.config["H_cycles"] - 1):
                for _L_step in range(self.config["L_cycles"]):
                    z_L = self.net(z_L, z_H + x)
                z_H = self.net(z_H, z_L)
        for _L_step in range(self.config["L_cycles"]):
            z_L = self.net(z_L, z_H + x)
        z_H = self.net(z_H, z_L)

        logits = F.linear(z_H, self.weights["lm_head.weight"])[:, self.puzzle_emb_len :]
        q_logits = F.linear(z_H[:, 0], self.weights["q_head.weight"], self.weights["q_head.bias"])
        return (z_H.detach(), z_L.detach()), logits, q_logits[..., 0]

    def act_step(self, carry, inputs, puzzle_identifiers):
        """Run one ACT step: H_cycles rounds of latent recursion, then the heads.

        Returns the new carry, the logits [batch, seq, vocab] and the q_halt
        logits [batch]. Evaluation has no gradient, so the official split into
        H_cycles - 1 rounds without gradient and a last one with gradient
        computes the same values as this plain loop.
        """
        z_H, z_L = carry
        x = self.input_embeddings(inputs, puzzle_identifiers)

        for _H_step in range(self.config["H_cycles"]):
            for _L_step in range(self.config["L_cycles"]):
                z_L = self.net(z_L, z_H + x)
            z_H = self.net(z_H, z_L)

        logits = F.linear(z_H, self.weights["lm_head.weight"])[:, self.puzzle_emb_len :]
        q_logits = F.linear(z_H[:, 0], self.weights["q_head.weight"], self.weights["q_head.bias"])
        return (z_H, z_L), logits, q_logits[..., 0]


def check_case(golden, case):
    """Compare every step of one golden case and return the largest differences."""
    config = json.loads((golden / f"{case}.config.json").read_text())
    model = TrmReference(config, read_safetensors(golden / f"{case}.safetensors"))
    io = read_safetensors(golden / f"{case}.io.safetensors")
    inputs = io["input.inputs"]
    puzzle_identifiers = io["input.puzzle_identifiers"]

    steps = 0
    while f"step{steps}.logits" in io:
        steps += 1

    result = {"case": case, "steps": steps, "max_logits_diff": 0.0, "max_q_halt_diff": 0.0, "preds_mismatched": 0}
    carry = model.initial_carry(inputs.shape[0])
    for step in range(steps):
        carry, logits, q_halt = model.act_step(carry, inputs, puzzle_identifiers)
        logits_diff = (logits - io[f"step{step}.logits"]).abs().max().item()
        q_halt_diff = (q_halt - io[f"step{step}.q_halt_logits"]).abs().max().item()
        mismatched = (logits.argmax(-1) != io[f"step{step}.preds"].long()).sum().item()
        result["max_logits_diff"] = max(result["max_logits_diff"], logits_diff)
        result["max_q_halt_diff"] = max(result["max_q_halt_diff"], q_halt_diff)
        result["preds_mismatched"] += mismatched

    result["passed"] = (
        steps > 0
        and result["max_logits_diff"] <= LOGITS_TOLERANCE
        and result["max_q_halt_diff"] <= Q_HALT_TOLERANCE
        and result["preds_mismatched"] == 0
    )
    return result


def check_golden(golden):
    """Check every TRM case present in the folder and return one result dict per case."""
    golden = Path(golden)
    cases = [case for case in TRM_CASES if (golden / f"{case}.io.safetensors").exists()]
    if not cases:
        raise FileNotFoundError(f"no TRM golden case (*.io.safetensors of {', '.join(TRM_CASES)}) in {golden}")
    with torch.inference_mode():
        return [check_case(golden, case) for case in cases]


def random_weights(config, seed):
    """Draw weights for timing: normal values with std 1/sqrt(fan_in) for matrices and std 1 for vectors."""
    generator = torch.Generator().manual_seed(seed)
    hidden = config["hidden_size"]
    inner = swiglu_inner_width(hidden, config["expansion"])
    shapes = {
        "embed_tokens.embedding_weight": (config["vocab_size"], hidden),
        "puzzle_emb.weights": (config["num_puzzle_identifiers"], config["puzzle_emb_ndim"]),
        "lm_head.weight": (config["vocab_size"], hidden),
        "q_head.weight": (2, hidden),
        "q_head.bias": (2,),
        "H_init": (hidden,),
        "L_init": (hidden,),
    }
    for layer in range(config["L_layers"]):
        prefix = f"L_level.layers.{layer}"
        shapes[f"{prefix}.self_attn.qkv_proj.weight"] = (3 * hidden, hidden)
        shapes[f"{prefix}.self_attn.o_proj.weight"] = (hidden, hidden)
        shapes[f"{prefix}.mlp.gate_up_proj.weight"] = (2 * inner, hidden)
        shapes[f"{prefix}.mlp.down_proj.weight"] = (hidden, inner)

    weights = {}
    for name, shape in shapes.items():
        std = 1.0 / math.sqrt(shape[-1]) if len(shape) == 2 else 1.0
        weights[name] = torch.randn(shape, generator=generator) * std
    return weights


def time_step(model, config, batch, warmup, repeats, seed):
    """Time one ACT step (with the argmax of the logits) repeatedly and return the times in milliseconds."""
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randint(0, config["vocab_size"], (batch, config["seq_len"]), generator=generator, dtype=torch.int32)
    puzzle_identifiers = torch.zeros(batch, dtype=torch.int32)

    times_ms = []
    with torch.inference_mode():
        carry = model.initial_carry(batch)
        for run in range(warmup + repeats):
            start = time.perf_counter()
            carry, logits, q_halt = model.act_step(carry, inputs, puzzle_identifiers)
            logits.argmax(-1)
            elapsed = time.perf_counter() - start
            if run >= warmup:
                times_ms.append(elapsed * 1000.0)
    return times_ms


def stablemax_cross_entropy(logits, labels):
    """Per-token stablemax cross-entropy, as the official loss computes it (here in float32). [batch, seq]"""
    s = torch.where(logits < 0, 1 / (1 - logits), logits + 1)
    logprobs = torch.log(s / s.sum(-1, keepdim=True))
    return -torch.gather(logprobs, -1, labels.long().unsqueeze(-1)).squeeze(-1)


def time_train_step(model, config, batch, warmup, repeats, seed):
    """Time one training step (ACT step, loss, backward, AdamW) repeatedly and return the times in milliseconds."""
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randint(0, config["vocab_size"], (batch, config["seq_len"]), generator=generator, dtype=torch.int32)
    # Colour tokens (2 and up) as labels, so every position counts in the loss.
    labels = torch.randint(2, config["vocab_size"], (batch, config["seq_len"]), generator=generator)
    puzzle_identifiers = torch.zeros(batch, dtype=torch.int32)
    # H_init and L_init are buffers in the official model, not trained.
    parameters = [weight.requires_grad_() for name, weight in model.weights.items() if name not in ("H_init", "L_init")]
    optimizer = torch.optim.AdamW(parameters, lr=1e-4, betas=(0.9, 0.95), weight_decay=0.1)

    times_ms = []
    carry = model.initial_carry(batch)
    for run in range(warmup + repeats):
        start = time.perf_counter()
        carry, logits, q_halt = model.train_act_step(carry, inputs, puzzle_identifiers)
        lm_loss = stablemax_cross_entropy(logits, labels).mean(-1).sum()
        is_correct = (logits.detach().argmax(-1) == labels).all(-1).float()
        loss = lm_loss + 0.5 * F.binary_cross_entropy_with_logits(q_halt, is_correct, reduction="sum")
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        elapsed = time.perf_counter() - start
        if run >= warmup:
            times_ms.append(elapsed * 1000.0)
    return times_ms


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def parse_batches(text):
    try:
        batches = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid batch list {text!r}: expected sizes like 1,8")
    if not batches or min(batches) < 1:
        raise argparse.ArgumentTypeError(f"invalid batch list {text!r}: expected sizes of at least 1, like 1,8")
    return batches


def run_check(args):
    results = check_golden(args.golden)
    for result in results:
        status = "ok" if result["passed"] else "FAILED"
        print(
            f"{result['case']}: {status}, {result['steps']} steps, "
            f"max |logits diff| {result['max_logits_diff']:.2e} (tolerance {LOGITS_TOLERANCE:.0e}), "
            f"max |q_halt diff| {result['max_q_halt_diff']:.2e}, "
            f"{result['preds_mismatched']} predictions differ"
        )
    return 0 if all(result["passed"] for result in results) else 1


def run_bench(args):
    torch.set_num_threads(args.threads)
    report = {
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "warmup": args.warmup,
        "repeats": args.repeats,
        "check": None,
        "results": [],
    }

    if args.golden is not None:
        report["check"] = check_golden(args.golden)
        if not all(result["passed"] for result in report["check"]):
            print(json.dumps(report))
            return 1

    config = arc_agi_1_config()
    model = TrmReference(config, random_weights(config, args.seed))
    timer = time_train_step if args.train else time_step
    for batch in args.batch:
        times_ms = timer(model, config, batch, args.warmup, args.repeats, args.seed)
        report["results"].append(
            {"batch": batch, "median_ms": median(times_ms), "min_ms": min(times_ms), "times_ms": times_ms}
        )

    print(json.dumps(report))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="compare the reference against golden files")
    check.add_argument("--golden", required=True, type=Path, help="folder with CASE.config.json, CASE.safetensors and CASE.io.safetensors")

    bench = commands.add_parser("bench", help="time one ACT step in the ARC-AGI-1 shape and print the times as JSON")
    bench.add_argument("--threads", type=int, default=torch.get_num_threads(), help="PyTorch intra-op threads (torch.set_num_threads)")
    bench.add_argument("--batch", type=parse_batches, default=[1, 8], help="comma-separated batch sizes")
    bench.add_argument("--warmup", type=int, default=1, help="untimed ACT steps before the timed ones")
    bench.add_argument("--repeats", type=int, default=5, help="timed ACT steps per batch size")
    bench.add_argument("--seed", type=int, default=0, help="seed of the random weights and inputs")
    bench.add_argument("--golden", type=Path, help="check against the golden files in this folder before timing")
    bench.add_argument("--train", action="store_true", help="time a training step (loss, backward, AdamW) instead of an evaluation step")

    args = parser.parse_args()
    if args.command == "check":
        return run_check(args)
    if args.threads < 1 or args.repeats < 1 or args.warmup < 0:
        parser.error("--threads and --repeats must be at least 1, --warmup at least 0")
    return run_bench(args)


if __name__ == "__main__":
    sys.exit(main())
