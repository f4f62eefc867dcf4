/**
 * @fileoverview Register tiles built as vector Tensor IR (passes/vector-tile.ts) on the x86-64
 * levels and, for lane broadcasts, on aarch64: rows longer than a vector end with an overlapping full vector, rows shorter than one
 * run masked, and the tile must compute what the scalar tile of the portable C target computes
 * (in the evaluator; the built C is covered by the shared-model and conformance suites).
 */
import { expect } from "chai";
import { TypedArray } from "../../ir/dtype.ts";
import { printFunc } from "../../ir/text/index.ts";
import { compileGraph } from "../../compiler/api.ts";
import { CTarget } from "../../compiler/c-targets.ts";
import { importModel } from "../../compiler/onnx/import.ts";
import { interpret } from "../../passes/interpret.ts";
import { ModelSpec, buildModel, rng, uniform } from "../helpers/onnx-builder.ts";

function conv(c: number, m: number, h: number, w: number, stride = 1, pad = 1): ModelSpec {
  const r = rng(c * 100 + h);
  return {
    opset: 17,
    nodes: [
      { op: "Conv", inputs: ["x", "w", "b"], outputs: ["y"], attrs: { pads: [pad, pad, pad, pad], kernel_shape: [3, 3], strides: [stride, stride] } },
      { op: "Relu", inputs: ["y"], outputs: ["z"] },
    ],
    inputs: [{ name: "x", dtype: "f32", shape: [1, c, h, w] }],
    outputs: [{ name: "z", dtype: "f32" }],
    initializers: [
      { name: "w", dtype: "f32", dims: [m, c, 3, 3], data: Array.from(uniform(r, m * c * 9)) },
      { name: "b", dtype: "f32", dims: [m], data: Array.from(uniform(r, m)) },
    ],
  };
}

/** A depthwise 3x3 Conv (stride 1): its padding is read in place, through masked loads. */
function depthwise(c: number, h: number, w: number): ModelSpec {
  const r = rng(c + h + w);
  return {
    opset: 17,
    nodes: [{ op: "Conv", inputs: ["x", "w"], outputs: ["y"], attrs: { pads: [1, 1, 1, 1], kernel_shape: [3, 3], group: c } }],
    inputs: [{ name: "x", dtype: "f32", shape: [1, c, h, w] }],
    outputs: [{ name: "y", dtype: "f32" }],
    initializers: [{ name: "w", dtype: "f32", dims: [c, 1, 3, 3], data: Array.from(uniform(r, c * 9)) }],
  };
}

function matmul(n: number, k: number, m: number): ModelSpec {
  const r = rng(n + k + m);
  return {
    opset: 17,
    nodes: [{ op: "MatMul", inputs: ["a", "b"], outputs: ["y"] }],
    inputs: [{ name: "a", dtype: "f32", shape: [n, k] }],
    outputs: [{ name: "y", dtype: "f32" }],
    initializers: [{ name: "b", dtype: "f32", dims: [k, m], data: Array.from(uniform(r, k * m)) }],
  };
}

/** LRN sums squares over neighbouring channels under a padding guard. */
const lrn: ModelSpec = {
  opset: 17,
  nodes: [{ op: "LRN", inputs: ["x"], outputs: ["y"], attrs: { size: 3 } }],
  inputs: [{ name: "x", dtype: "f32", shape: [2, 5, 5, 5] }],
  outputs: [{ name: "y", dtype: "f32" }],
};

function compile(spec: ModelSpec, cTarget?: CTarget) {
  return compileGraph(importModel(buildModel(spec), undefined), cTarget ? { cTarget } : {});
}

function kernelText(c: ReturnType<typeof compile>): string {
  return c.program.steps.map((s) => (s.kind === "kernel" ? printFunc(s.kernel) : "")).join("\n");
}

function expectSame(spec: ModelSpec, inputs: TypedArray[], cTarget: CTarget): void {
  const want = interpret(compile(spec).program, inputs)[0]!;
  const got = interpret(compile(spec, cTarget).program, inputs)[0]!;
  expect(got.length).to.equal(want.length);
  for (let i = 0; i < want.length; i++) expect(got[i]).to.be.closeTo(want[i] as number, 1e-4, `element ${i}`);
}

describe("vector register tiles", () => {
  const cases: { name: string; spec: ModelSpec; n: number; lanes16: RegExp; lanes8: RegExp; packed?: boolean; unguarded?: boolean }[] = [
    // 5 columns without padding (the input's rows are 7 wide): one masked vector per row on both levels.
    { name: "Conv with 5-wide rows", spec: conv(8, 12, 7, 7, 1, 0), n: 8 * 49, lanes16: / if %mask/, lanes8: / if %mask/ },
    // 5 columns with padding read in place: the rows fold into one run of 25 positions, tested
    // per lane (the row as a position range, the column as position mod 5), a tap at a time.
    { name: "Conv with 5-wide rows folded", spec: conv(8, 12, 5, 5), n: 8 * 25, lanes16: /let %col[0-9]+ : i32x16 = ramp<16>\(0, 1\)/, lanes8: /let %col[0-9]+ : i32x8 = ramp<8>\(0, 1\)/ },
    // 5 columns, 32 filters: weights packed, vectors of output channels, stored strided.
    { name: "Conv with 5-wide rows and 32 filters", spec: conv(8, 32, 5, 5), n: 8 * 25, lanes16: /, 25\)\] = /, lanes8: /, 25\)\] = /, packed: true },
    // 20 columns: whole vectors, then one overlapping the one before; the padding read in place,
    // the kernel rows at the top and bottom edge as loop bounds.
    { name: "Conv with 30-wide rows", spec: conv(4, 12, 30, 30), n: 4 * 900, lanes16: /serial from max\(0, /, lanes8: /serial from max\(0, / },
    // Stride 2 in place: every second column, masked at the edges.
    { name: "Conv with stride 2", spec: conv(4, 12, 20, 20, 2), n: 4 * 400, lanes16: /, 2\) if /, lanes8: /, 2\) if / },
    { name: "MatMul 37x24 by 24x40", spec: matmul(37, 24, 40), n: 37 * 24, lanes16: /fma/, lanes8: /fma/ },
    // Padding in place: the row's edges masked per tap, no padded copy.
    { name: "depthwise Conv with 29-wide rows", spec: depthwise(6, 7, 29), n: 6 * 7 * 29, lanes16: / if \(bcast<16>\(/, lanes8: / if \(bcast<8>\(/ },
    // Rows of 19 fill 19 of 32 lanes: folded, 133 positions in whole vectors.
    { name: "depthwise Conv with 19-wide rows folded", spec: depthwise(6, 7, 19), n: 6 * 7 * 19, lanes16: /let %col[0-9]+ : i32x16/, lanes8: /let %col[0-9]+ : i32x8/ },
    // The guard on the channel (lane-invariant, zero outside) becomes the reduction loop's bounds.
    { name: "LRN over 5x5 planes", spec: lrn, n: 250, lanes16: /serial from max\(0, /, lanes8: /serial from max\(0, /, unguarded: true },
  ];
  for (const cs of cases) {
    for (const [target, lanes] of [["x86-64-v4", 16], ["x86-64-v3", 8]] as const) {
      it(`${cs.name} on ${target}: vector rows of ${lanes} lanes, the scalar tile's result`, () => {
        const compiled = compile(cs.spec, target);
        const tiles = compiled.report.schedules.flatMap((s) => s.tiles);
        expect(tiles.length, "tiles").to.be.greaterThan(0);
        for (const t of tiles) expect(t.lanes, JSON.stringify(t)).to.equal(lanes);
        expect(compiled.report.fusions["conv-layout"] ?? 0, "packed Convs").to.equal(cs.packed ? 1 : 0);
        const text = kernelText(compiled);
        expect(text).to.match(new RegExp(`f32x${lanes}`));
        expect(text).to.match(target === "x86-64-v4" ? cs.lanes16 : cs.lanes8);
        expect(compiled.program.scratchBytes, "scratch").to.equal(0);
        if (cs.unguarded) expect(text).not.to.match(/select/);
        expectSame(cs.spec, [uniform(rng(7), cs.n, -2, 2)], target);
      });
    }
  }

  it("MatMul 37x24 by 24x40 on aarch64: each row's next four scalars loaded as one vector and broadcast lane by lane, the scalar tile's result", () => {
    const spec = matmul(37, 24, 40);
    const compiled = compile(spec, "aarch64");
    const text = kernelText(compiled);
    expect(text).to.match(/let %lanes[0-9]+ : f32x4 = %[a-z0-9_]+\[ramp<4>\(/);
    expect(text).to.match(/fma\(shuffle<3,3,3,3>\(%lanes[0-9]+\), %[a-z0-9_]+\[ramp<4>/);
    expectSame(spec, [uniform(rng(7), 37 * 24, -2, 2)], "aarch64");
  });

  it("leaves the portable C target's tiles scalar", () => {
    const compiled = compile(conv(8, 32, 5, 5));
    const tiles = compiled.report.schedules.flatMap((s) => s.tiles);
    expect(tiles.length).to.be.greaterThan(0);
    for (const t of tiles) expect(t.lanes).to.equal(undefined);
    expect(kernelText(compiled)).not.to.match(/f32x/);
  });
});
