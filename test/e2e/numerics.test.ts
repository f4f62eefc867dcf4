/**
 * @fileoverview Numerics the ONNX node tests do not reach: NaN through Max/Min/Relu/Clip and
 * ReduceMax (against ONNX Runtime, on C and wasm with and without SIMD), and 64-bit integer
 * arithmetic folded at compile time against the same ops computed by the generated C at run
 * time, both checked against exact BigInt results.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { cleanup, edgec, haveCc, tempDir } from "../helpers/cli.ts";
import { ModelSpec, NodeSpec, TensorSpec, writeModelDir } from "../helpers/onnx-builder.ts";
import { writeCase } from "../helpers/ort-reference.ts";

const MIN = -(2n ** 63n), MAX = 2n ** 63n - 1n;
const wrap = (x: bigint) => BigInt.asIntN(64, x);

describe("numerics beyond the node tests", function () {
  this.timeout(300_000);
  let dir: string | undefined;
  let cc = false;
  before(async () => { cc = await haveCc(); dir = tempDir("numerics"); });
  after(() => cleanup(dir));

  it("NaN propagates through Max, Min, Relu, Clip and LeakyRelu as in ONNX Runtime (C, wasm, wasm without SIMD)", async function () {
    if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
    const shape = [4, 9];
    const spec: ModelSpec = {
      opset: 13,
      inputs: [{ name: "a", dtype: "f32", shape }, { name: "b", dtype: "f32", shape }],
      outputs: ["mx", "mn", "r", "cl", "lr", "fused"].map((name) => ({ name, dtype: "f32" as const })),
      initializers: [{ name: "lo", dtype: "f32", dims: [], data: [-1] }, { name: "hi", dtype: "f32", dims: [], data: [1] }],
      nodes: [
        { op: "Max", inputs: ["a", "b"], outputs: ["mx"] },
        { op: "Min", inputs: ["a", "b"], outputs: ["mn"] },
        { op: "Relu", inputs: ["a"], outputs: ["r"] },
        { op: "Clip", inputs: ["b", "lo", "hi"], outputs: ["cl"] },
        { op: "LeakyRelu", inputs: ["a"], outputs: ["lr"] },
        // A chain fused into one kernel at -O2: NaN must survive the epilogue too.
        { op: "Add", inputs: ["a", "b"], outputs: ["s"] },
        { op: "Relu", inputs: ["s"], outputs: ["s1"] },
        { op: "Clip", inputs: ["s1", "lo", "hi"], outputs: ["fused"] },
      ],
    };
    // NaN in either operand, in both, and in neither.
    const a = Array.from({ length: 36 }, (_, i) => (i % 5 === 0 && i < 27 ? NaN : Math.sin(i) * 3));
    const b = Array.from({ length: 36 }, (_, i) => (i % 7 === 3 ? NaN : Math.cos(i) * 2));
    const d = path.join(dir!, "nan");
    await writeCase(d, spec, [{ a: { dtype: "f32", dims: shape, data: a }, b: { dtype: "f32", dims: shape, data: b } }]);
    for (const args of [["--target", "c", "--sanitize"], ["--target", "wasm"], ["--target", "wasm", "--no-simd"]])
      for (const opt of ["-O0", "-O2"]) {
        const res = await edgec("test", d, ...args, opt);
        expect(res.status, `${args.join(" ")} ${opt}: ${res.stdout}${res.stderr}`).to.equal(0);
      }
  });

  it("a NaN in a ReduceMax row or a MaxPool window gives NaN, as numpy's max (ONNX Runtime's depends on the position)", async function () {
    if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
    const x = Array.from({ length: 32 }, (_, i) => ([1, 10, 15, 22].includes(i) ? NaN : Math.sin(i) * 3));
    const spec: ModelSpec = {
      opset: 13, inputs: [{ name: "x", dtype: "f32", shape: [1, 2, 4, 4] }],
      outputs: [{ name: "rm", dtype: "f32" }, { name: "mp", dtype: "f32" }],
      nodes: [
        { op: "ReduceMax", inputs: ["x"], outputs: ["rm"], attrs: { axes: [3], keepdims: 0 } },
        { op: "MaxPool", inputs: ["x"], outputs: ["mp"], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
      ],
    };
    const rows = Array.from({ length: 8 }, (_, r) => x.slice(r * 4, r * 4 + 4));
    const npMax = (v: number[]) => (v.some(Number.isNaN) ? NaN : Math.max(...v.map(Math.fround)));
    const pool = [0, 1].flatMap((ch) => [0, 2].flatMap((i) => [0, 2].map((j) =>
      npMax([0, 1].flatMap((di) => [0, 1].map((dj) => x[ch * 16 + (i + di) * 4 + j + dj]!))))));
    const d = writeModelDir(path.join(dir!, "nanmax"), spec, [{ name: "x", dtype: "f32", dims: [1, 2, 4, 4], data: x }],
      [{ name: "rm", dtype: "f32", dims: [1, 2, 4], data: rows.map(npMax) }, { name: "mp", dtype: "f32", dims: [1, 2, 2, 2], data: pool }]);
    for (const args of [["--target", "c", "--sanitize"], ["--target", "wasm"], ["--target", "wasm", "--no-simd"]])
      for (const opt of ["-O0", "-O2"]) {
        const res = await edgec("test", d, ...args, opt);
        expect(res.status, `${args.join(" ")} ${opt}: ${res.stdout}${res.stderr}`).to.equal(0);
      }
  });

  it("64-bit integer ops folded at compile time equal the generated C and the exact results", async function () {
    if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
    const av = [MIN, MAX, 2n ** 53n + 1n, -(2n ** 53n) - 3n, 2n ** 62n + 2n ** 38n + 1n, -7n, 7n, MIN + 1n];
    const bv = [-1n, 1n, 3n, -2n, 0n, 2n, -3n, MIN];
    const fv = [Infinity, -Infinity, NaN, 2 ** 63, -(2 ** 63), 1e19, 123.75, -123.75];
    const i64 = (name: string, data: bigint[]): TensorSpec => ({ name, dtype: "i64", dims: [8], data: BigInt64Array.from(data) });
    const f32 = (name: string, data: number[]): TensorSpec => ({ name, dtype: "f32", dims: [8], data });
    // Each op twice: on initializers (folded) and on inputs (computed by the C at run time).
    const ops: [string, string[], Record<string, number>?][] = [
      ["Add", ["a", "b"]], ["Sub", ["a", "b"]], ["Mul", ["a", "b"]], ["Div", ["a", "b"]], ["Mod", ["a", "b"]],
      ["Neg", ["a"]], ["Abs", ["a"]], ["Cast", ["f"], { to: 7 }], ["Cast", ["a"], { to: 1 }],
    ];
    const nodes: NodeSpec[] = [];
    const outputs: ModelSpec["outputs"] = [];
    ops.forEach(([op, ins, attrs], k) => {
      for (const side of ["k", "x"]) {
        nodes.push({ op, inputs: ins.map((i) => `${side}${i}`), outputs: [`${side}${k}`], attrs });
        outputs.push({ name: `${side}${k}`, dtype: op === "Cast" && attrs!.to === 1 ? "f32" : "i64" });
      }
    });
    const spec: ModelSpec = {
      opset: 13, nodes, outputs,
      inputs: [{ name: "xa", dtype: "i64", shape: [8] }, { name: "xb", dtype: "i64", shape: [8] }, { name: "xf", dtype: "f32", shape: [8] }],
      initializers: [i64("ka", av), i64("kb", bv), f32("kf", fv)],
    };
    // C semantics, exactly: wrapping arithmetic, x / 0 = 0, MIN / -1 wraps, saturating casts.
    const div = (a: bigint, b: bigint) => (b === 0n ? 0n : wrap(a / b));
    const mod = (a: bigint, b: bigint) => { if (b === 0n || b === -1n) return 0n; const r = a % b; return r !== 0n && (r < 0n) !== (b < 0n) ? r + b : r; };
    const sat = (x: number) => (Number.isNaN(x) ? 0n : x >= 2 ** 63 ? MAX : x <= -(2 ** 63) ? MIN : BigInt(Math.trunc(x)));
    const expected: bigint[][] = [
      av.map((a, i) => wrap(a + bv[i]!)), av.map((a, i) => wrap(a - bv[i]!)), av.map((a, i) => wrap(a * bv[i]!)),
      av.map((a, i) => div(a, bv[i]!)), av.map((a, i) => mod(a, bv[i]!)), av.map((a) => wrap(-a)), av.map((a) => wrap(a < 0n ? -a : a)),
      fv.map(sat),
    ];
    // Exact rounding to f32: 2^53 + 1 -> 2^53, 2^62 + 2^38 + 1 -> 2^62 + 2^39.
    const asF32 = [-(2 ** 63), 2 ** 63, 2 ** 53, -(2 ** 53), 2 ** 62 + 2 ** 39, -7, 7, -(2 ** 63)];
    const outs: TensorSpec[] = [];
    expected.forEach((e, k) => { for (const side of ["k", "x"]) outs.push(i64(`${side}${k}`, e)); });
    for (const side of ["k", "x"]) outs.push(f32(`${side}8`, asF32));
    const d = writeModelDir(path.join(dir!, "int64"), spec, [i64("xa", av), i64("xb", bv), f32("xf", fv)], outs);
    for (const opt of ["-O0", "-O2"]) {
      const res = await edgec("test", d, "--sanitize", opt);
      expect(res.status, `${opt}: ${res.stdout}${res.stderr}`).to.equal(0);
    }
    // The k side really folded: its nine results are weights copied to the outputs, and only
    // the x side's nine ops are computed (counted at the call sites: identical kernels print once).
    const out = path.join(dir!, "int64-c");
    expect((await edgec("compile", path.join(d, "model.onnx"), "-o", out)).status).to.equal(0);
    const kernels = [...fs.readFileSync(path.join(out, "model.c"), "utf8").matchAll(/^ {2}model_k\d+_(\w+)\(/gm)].map((m) => m[1]);
    expect(kernels.filter((k) => k === "copy")).to.have.length(ops.length);
    expect(kernels.filter((k) => k !== "copy")).to.have.length(ops.length);
  });
});
