/**
 * @fileoverview The ONNX Attention, RotaryEmbedding, SwiGLU and LinearAttention ops in forms the
 * ONNX node tests leave out (grouped-query heads with a KV cache and causal masking, softcap with
 * a padded additive mask, 3D layouts with boolean masks, partial interleaved rotation): each small
 * model runs in ONNX Runtime and through the generated C built with sanitizers, and the outputs
 * must agree; LinearAttention, which ONNX Runtime lacks, is checked against its recurrence written
 * out here, and FlexAttention against Attention with the mask its score_mod adds. Malformed nodes
 * fail with one clear line.
 */
import { expect } from "chai";
import * as path from "node:path";
import ort from "onnxruntime-node";
import { compileGraph } from "../../compiler/api.ts";
import { EdgecError } from "../../ir/diagnostics.ts";
import { importModel } from "../../compiler/onnx/import.ts";
import { testDir } from "../../compiler/testrun.ts";
import { cleanup, haveCc, tempDir } from "../helpers/cli.ts";
import { F, ModelSpec, TensorSpec, buildModel, rng, writeModelDir } from "../helpers/onnx-builder.ts";
import { Case, SANITIZE, SANITIZED_CFLAGS, itMatchesOrt, one, tensor, x } from "../helpers/ort-cases.ts";

const f = (name: string, shape: number[], lo = -1, hi = 1) => ({ ...x(shape, "f32", name), lo, hi });
/** A boolean mask [rows, cols] whose row r keeps keys j with (j + r) % 3 != 0 (never a whole row masked). */
const boolMask = (name: string, rows: number, cols: number) =>
  x([rows, cols], "bool", name, Array.from({ length: rows * cols }, (_, k) => (((k % cols) + Math.floor(k / cols)) % 3 !== 0 ? 1 : 0)));

const data = (n: number, seed: number) => { const r = rng(seed); return Array.from({ length: n }, () => Math.fround(r() * 2 - 1)); };

const cases: Case[] = [
  {
    name: "Attention 4D GQA with KV cache, causal, present outputs",
    opset: 23,
    nodes: one("Attention", ["q", "k", "v", "", "pk", "pv"], { is_causal: 1 }, ["y", "yk", "yv"]),
    ins: [f("q", [2, 4, 3, 8]), f("k", [2, 2, 3, 8]), f("v", [2, 2, 3, 6]), f("pk", [2, 2, 5, 8]), f("pv", [2, 2, 5, 6])],
    outs: [["y", "f32"], ["yk", "f32"], ["yv", "f32"]],
  },
  {
    name: "Attention 4D softcap, scale and additive mask, qk output after the mask",
    opset: 23,
    nodes: one("Attention", ["q", "k", "v", "m"], { softcap: F(1.5), scale: F(0.3), qk_matmul_output_mode: 2 }, ["y", "", "", "qk"]),
    ins: [f("q", [1, 2, 4, 8], -2, 2), f("k", [1, 2, 6, 8], -2, 2), f("v", [1, 2, 6, 8]), f("m", [1, 2, 4, 6], -3, 0)],
    outs: [["y", "f32"], ["qk", "f32"]],
  },
  {
    name: "Attention 3D GQA with a boolean mask, softmax probabilities output",
    opset: 23,
    nodes: one("Attention", ["q", "k", "v", "m"], { q_num_heads: 6, kv_num_heads: 2, qk_matmul_output_mode: 3 }, ["y", "", "", "qk"]),
    ins: [f("q", [2, 3, 24]), f("k", [2, 5, 8]), f("v", [2, 5, 10]), boolMask("m", 3, 5)],
    outs: [["y", "f32"], ["qk", "f32"]],
  },
  {
    name: "Attention folded at compile time (causal, softcap), added to a run-time input",
    opset: 23,
    nodes: [...one("Attention", ["q", "k", "v"], { is_causal: 1, softcap: F(0.8) }, ["y0"]), ...one("Add", ["y0", "a"])],
    ins: [f("a", [1, 2, 3, 4])],
    inits: [tensor("q", "f32", [1, 2, 3, 4], data(24, 1)), tensor("k", "f32", [1, 2, 5, 4], data(40, 2)), tensor("v", "f32", [1, 2, 5, 4], data(40, 3))],
    outs: [["y", "f32"]],
  },
  {
    name: "RotaryEmbedding 3D interleaved, partial rotary_embedding_dim, position_ids",
    opset: 23,
    nodes: one("RotaryEmbedding", ["x", "c", "s", "p"], { num_heads: 2, interleaved: 1, rotary_embedding_dim: 4 }),
    ins: [f("x", [2, 3, 12]), f("c", [8, 2]), f("s", [8, 2]), { ...x([2, 3], "i64", "p"), lo: 0, hi: 8 }],
    outs: [["y", "f32"]],
  },
];

/**
 * LinearAttention by its recurrence, for gated_delta with per-key-dim decay and per-head beta
 * (ONNX Runtime does not implement opset 27): returns the output and the final state.
 */
function linearAttentionRef(q: number[], k: number[], v: number[], past: number[], decay: number[], beta: number[],
  d: { B: number; T: number; Hq: number; Hkv: number; dk: number; dv: number }): [number[], number[]] {
  const { B, T, Hq, Hkv, dk, dv } = d, grp = Hq / Hkv, scale = 1 / Math.sqrt(dk);
  const out = new Array<number>(B * T * Hq * dv).fill(0), state = [...past];
  const S = (b: number, g: number, i: number, m: number) => ((b * Hkv + g) * dk + i) * dv + m;
  for (let b = 0; b < B; b++) for (let g = 0; g < Hkv; g++) for (let t = 0; t < T; t++) {
    const kt = (i: number) => k[(b * T + t) * Hkv * dk + g * dk + i]!;
    for (let i = 0; i < dk; i++) for (let m = 0; m < dv; m++) state[S(b, g, i, m)]! *= Math.exp(decay[(b * T + t) * Hkv * dk + g * dk + i]!);
    const delta = Array.from({ length: dv }, (_, m) => {
      let r = 0;
      for (let i = 0; i < dk; i++) r += state[S(b, g, i, m)]! * kt(i);
      return beta[(b * T + t) * Hkv + g]! * (v[(b * T + t) * Hkv * dv + g * dv + m]! - r);
    });
    for (let i = 0; i < dk; i++) for (let m = 0; m < dv; m++) state[S(b, g, i, m)]! += kt(i) * delta[m]!;
    for (let j = 0; j < grp; j++) for (let m = 0; m < dv; m++) {
      const h = g * grp + j;
      let o = 0;
      for (let i = 0; i < dk; i++) o += q[(b * T + t) * Hq * dk + h * dk + i]! * state[S(b, g, i, m)]!;
      out[(b * T + t) * Hq * dv + h * dv + m] = o * scale;
    }
  }
  return [out, state];
}

describe("LinearAttention against its recurrence", function () {
  const d = { B: 2, T: 3, Hq: 4, Hkv: 2, dk: 3, dv: 2 };
  const shapes: Record<string, number[]> = {
    q: [d.B, d.T, d.Hq * d.dk], k: [d.B, d.T, d.Hkv * d.dk], v: [d.B, d.T, d.Hkv * d.dv], s: [d.B, d.Hkv, d.dk, d.dv],
    g: [d.B, d.T, d.Hkv * d.dk], beta: [d.B, d.T, d.Hkv],
  };
  const n = (name: string) => shapes[name]!.reduce((a, b) => a * b, 1);
  const vals: Record<string, number[]> = {
    q: data(n("q"), 11), k: data(n("k"), 12), v: data(n("v"), 13), s: data(n("s"), 14),
    g: data(n("g"), 15).map((x) => Math.fround(-Math.abs(x))), beta: data(n("beta"), 16).map((x) => Math.fround(Math.abs(x))),
  };
  const [out, state] = linearAttentionRef(vals.q!, vals.k!, vals.v!, vals.s!, vals.g!, vals.beta!, d);
  const names = ["q", "k", "v", "s", "g", "beta"];
  let dir: string | undefined;
  let cc = false;
  before(async () => { cc = await haveCc(); dir = tempDir("edgec-linear-attention-"); });
  after(() => cleanup(dir));
  for (const folded of [false, true]) {
    it(`gated_delta with GQA, past state and per-key-dim decay${folded ? ", folded at compile time" : ""}`, async function () {
      if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
      const t = (name: string): TensorSpec => ({ name, dtype: "f32", dims: shapes[name]!, data: vals[name]! });
      const zeros = (name: string, dims: number[]): TensorSpec => ({ name, dtype: "f32", dims, data: new Array(dims.reduce((a, b) => a * b, 1)).fill(0) });
      const la = { op: "LinearAttention", inputs: names, outputs: folded ? ["o0", "s0"] : ["o", "so"], attrs: { q_num_heads: d.Hq, kv_num_heads: d.Hkv } };
      const spec: ModelSpec = folded
        ? {
          opset: 27, initializers: names.map(t),
          nodes: [la, ...one("Add", ["o0", "za"], {}, ["o"]), ...one("Add", ["s0", "zb"], {}, ["so"])],
          inputs: [{ name: "za", dtype: "f32", shape: [d.B, d.T, d.Hq * d.dv] }, { name: "zb", dtype: "f32", shape: shapes.s! }],
          outputs: [{ name: "o", dtype: "f32" }, { name: "so", dtype: "f32" }],
        }
        : {
          opset: 27, nodes: [la], inputs: names.map((x) => ({ name: x, dtype: "f32", shape: shapes[x]! })),
          outputs: [{ name: "o", dtype: "f32" }, { name: "so", dtype: "f32" }],
        };
      const ins = folded ? [zeros("za", [d.B, d.T, d.Hq * d.dv]), zeros("zb", shapes.s!)] : names.map(t);
      const mdir = path.join(dir!, folded ? "folded" : "runtime");
      writeModelDir(mdir, spec, ins, [
        { name: "o", dtype: "f32", dims: [d.B, d.T, d.Hq * d.dv], data: out.map(Math.fround) },
        { name: "so", dtype: "f32", dims: shapes.s!, data: state.map(Math.fround) },
      ]);
      const got = await testDir(mdir, { rtol: 1e-4, atol: 1e-6, cflags: SANITIZED_CFLAGS, extraFlags: SANITIZE });
      for (const o of got.results) expect(o.pass, `${o.name}: max abs ${o.maxAbs}, ${o.mismatches} mismatches`).to.equal(true);
    });
  }
});

describe("FlexAttention against ONNX Runtime's Attention", function () {
  let dir: string | undefined;
  let cc = false;
  before(async () => { cc = await haveCc(); dir = tempDir("edgec-flex-attention-"); });
  after(() => cleanup(dir));

  it("a score_mod adding a bias equals Attention with that additive mask (GQA, Q computed in the graph)", async function () {
    if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
    const shapes: Record<string, number[]> = { q: [1, 4, 3, 8], k: [1, 2, 5, 8], v: [1, 2, 5, 6] };
    const vals = { q: data(96, 21), k: data(80, 22), v: data(60, 23) };
    const bias: TensorSpec = { name: "bias", dtype: "f32", dims: [3, 5], data: data(15, 24).map((z) => Math.fround(z - 1)) };
    const io = (names: string[]) => names.map((name) => ({ name, dtype: "f32" as const, shape: shapes[name]! }));
    const ref = buildModel({ opset: 23, nodes: one("Attention", ["q", "k", "v", "bias"]), initializers: [bias], inputs: io(["q", "k", "v"]), outputs: [{ name: "y", dtype: "f32" }] });
    const sess = await ort.InferenceSession.create(ref);
    const feeds = Object.fromEntries(Object.entries(vals).map(([n, d]) => [n, new ort.Tensor("float32", Float32Array.from(d), shapes[n]!)]));
    const y = (await sess.run(feeds)).y!;
    const scoreMod = {
      inputs: [{ name: "s", dtype: "f32" as const, shape: ["B", "H", "L", "S"] }], outputs: [{ name: "t", dtype: "f32" as const, shape: ["B", "H", "L", "S"] }],
      nodes: one("Add", ["s", "bias"], {}, ["t"]), initializers: [bias],
    };
    const spec: ModelSpec = {
      opset: 26, opsets: { "ai.onnx.preview": 1 }, inputs: io(["q", "k", "v"]), outputs: [{ name: "y", dtype: "f32" }],
      nodes: [...one("Neg", ["q"], {}, ["qn"]), ...one("Neg", ["qn"], {}, ["qi"]),
        { op: "FlexAttention", domain: "ai.onnx.preview", inputs: ["qi", "k", "v"], outputs: ["y"], attrs: { score_mod: { graph: scoreMod } } }],
    };
    const mdir = path.join(dir!, "flex");
    writeModelDir(mdir, spec, (["q", "k", "v"] as const).map((n) => ({ name: n, dtype: "f32", dims: shapes[n]!, data: vals[n] })),
      [{ name: "y", dtype: "f32", dims: [...y.dims], data: Array.from(y.data as Float32Array) }]);
    const got = await testDir(mdir, { rtol: 1e-3, atol: 1e-5, cflags: SANITIZED_CFLAGS, extraFlags: SANITIZE });
    for (const o of got.results) expect(o.pass, `${o.name}: max abs ${o.maxAbs}, ${o.mismatches} mismatches`).to.equal(true);
  });
});

describe("ONNX attention-family ops against ONNX Runtime", function () {
  itMatchesOrt(cases, { seed: 41, atol: 1e-5, prefix: "edgec-attention-onnx-" });

  it("rejects 3D Attention inputs without head counts with one clear line", () => {
    const bytes = buildModel({
      opset: 23, nodes: one("Attention", ["q", "k", "v"]),
      inputs: [{ name: "q", dtype: "f32", shape: [1, 2, 8] }, { name: "k", dtype: "f32", shape: [1, 2, 8] }, { name: "v", dtype: "f32", shape: [1, 2, 8] }],
      outputs: [{ name: "y", dtype: "f32" }],
    });
    expect(() => compileGraph(importModel(bytes, undefined))).to.throw(EdgecError, /Attention\): 3D inputs need positive q_num_heads and kv_num_heads/);
  });

  it("rejects a FlexAttention score_mod that is not one tensor in, one out", () => {
    const v4 = (name: string) => ({ name, dtype: "f32" as const, shape: [1, 1, 2, 4] });
    const mod = { inputs: [v4("s"), v4("extra")], outputs: [v4("t")], nodes: one("Add", ["s", "extra"], {}, ["t"]) };
    const bytes = buildModel({
      opset: 26, opsets: { "ai.onnx.preview": 1 }, inputs: [v4("q"), v4("k"), v4("v")], outputs: [{ name: "y", dtype: "f32" }],
      nodes: [{ op: "FlexAttention", domain: "ai.onnx.preview", inputs: ["q", "k", "v"], outputs: ["y"], attrs: { score_mod: { graph: mod } } }],
    });
    expect(() => importModel(bytes, undefined)).to.throw(EdgecError, /FlexAttention\): score_mod must take one tensor and return one, got 2 and 1/);
  });
});
