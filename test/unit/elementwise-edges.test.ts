/**
 * @fileoverview Elementwise ops at the edges of their types (INT_MIN, division by 0 or -1,
 * shifts by the bit width, 64-bit bit patterns, negative integer powers): the generated C, built
 * with sanitizers, and constant folding through the evaluator must both give these exact values.
 */
import { expect } from "chai";
import * as path from "node:path";
import { DType } from "../../ir/dtype.ts";
import { testDir } from "../../compiler/testrun.ts";
import { cleanup, haveCc, tempDir } from "../helpers/cli.ts";
import { AttrValue, F, ModelSpec, TensorSpec, writeModelDir } from "../helpers/onnx-builder.ts";

const SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-g"];
const INT32_MIN = -2147483648;

interface Case {
  op: string;
  attrs?: Record<string, AttrValue>;
  ins: { dtype: DType; data: number[] }[];
  out: { dtype: DType; data: number[] };
  opset?: number;
}

const cases: Case[] = [
  { op: "Div", ins: [{ dtype: "i32", data: [INT32_MIN, 7, -7, 7, 5] }, { dtype: "i32", data: [-1, 0, 2, -2, 3] }],
    out: { dtype: "i32", data: [INT32_MIN, 0, -3, -3, 1] } },
  { op: "Div", ins: [{ dtype: "u8", data: [200, 7] }, { dtype: "u8", data: [0, 2] }], out: { dtype: "u8", data: [0, 3] } },
  { op: "Mod", ins: [{ dtype: "i32", data: [INT32_MIN, 7, -7, 7, -7, 6] }, { dtype: "i32", data: [-1, 0, 3, -3, -3, 3] }],
    out: { dtype: "i32", data: [0, 0, 2, -2, -1, 0] } },
  { op: "Mod", attrs: { fmod: 1 }, ins: [{ dtype: "i64", data: [-7, 7, 5] }, { dtype: "i64", data: [3, -3, 0] }],
    out: { dtype: "i64", data: [-1, 1, 0] } },
  { op: "Mod", attrs: { fmod: 1 }, ins: [{ dtype: "f32", data: [-7.5, 7.5] }, { dtype: "f32", data: [2, -2] }],
    out: { dtype: "f32", data: [-1.5, 1.5] } },
  { op: "Neg", ins: [{ dtype: "i32", data: [INT32_MIN, 5] }], out: { dtype: "i32", data: [INT32_MIN, -5] } },
  { op: "Abs", ins: [{ dtype: "i32", data: [INT32_MIN, -5] }], out: { dtype: "i32", data: [INT32_MIN, 5] } },
  { op: "Mul", ins: [{ dtype: "u16", data: [65535, 300] }, { dtype: "u16", data: [65535, 300] }],
    out: { dtype: "u16", data: [1, 24464] } },
  { op: "BitShift", attrs: { direction: "LEFT" }, ins: [{ dtype: "u8", data: [1, 255, 3, 255] }, { dtype: "u8", data: [7, 8, 200, 1] }],
    out: { dtype: "u8", data: [128, 0, 0, 254] } },
  { op: "BitShift", attrs: { direction: "RIGHT" }, ins: [{ dtype: "u64", data: [2 ** 63, 2 ** 63, 2 ** 40] }, { dtype: "u64", data: [63, 64, 1] }],
    out: { dtype: "u64", data: [1, 0, 2 ** 39] } },
  { op: "BitwiseAnd", ins: [{ dtype: "i64", data: [2 ** 40 + 3, -1] }, { dtype: "i64", data: [2 ** 40 + 1, 2 ** 45] }],
    out: { dtype: "i64", data: [2 ** 40 + 1, 2 ** 45] } },
  { op: "BitwiseNot", ins: [{ dtype: "i64", data: [0, -1, 2 ** 40] }], out: { dtype: "i64", data: [-1, 0, -(2 ** 40) - 1] } },
  { op: "Pow", ins: [{ dtype: "i64", data: [2, -3, 3, -1, 2, 1, -1, 0] }, { dtype: "i64", data: [10, 3, 30, -3, -1, -5, -4, 0] }],
    out: { dtype: "i64", data: [1024, -27, 205891132094649, -1, 0, 1, 1, 1] } },
  { op: "Pow", ins: [{ dtype: "i32", data: [2, -2] }, { dtype: "i32", data: [31, 32] }], out: { dtype: "i32", data: [INT32_MIN, 0] } },
  { op: "Pow", ins: [{ dtype: "i32", data: [4, 2, 3] }, { dtype: "f32", data: [0.5, -1, 2] }], out: { dtype: "i32", data: [2, 0, 9] } },
  { op: "Pow", ins: [{ dtype: "f32", data: [2, 9] }, { dtype: "i64", data: [-2, 3] }], out: { dtype: "f32", data: [0.25, 729] } },
  { op: "IsInf", attrs: { detect_negative: 0 }, ins: [{ dtype: "f32", data: [Infinity, -Infinity, 1, NaN] }],
    out: { dtype: "bool", data: [1, 0, 0, 0] } },
  { op: "IsNaN", ins: [{ dtype: "f64", data: [NaN, 1, Infinity] }], out: { dtype: "bool", data: [1, 0, 0] } },
  { op: "Sign", ins: [{ dtype: "u8", data: [0, 200] }], out: { dtype: "u8", data: [0, 1] } },
  { op: "Sign", ins: [{ dtype: "i64", data: [-7, 0, 9] }], out: { dtype: "i64", data: [-1, 0, 1] } },
  { op: "Shrink", attrs: { lambd: F(1.5), bias: F(1) }, ins: [{ dtype: "i32", data: [-3, -1, 0, 2, 5] }],
    out: { dtype: "i32", data: [-2, 0, 0, 1, 4] } },
  { op: "Xor", ins: [{ dtype: "bool", data: [0, 1, 1, 0] }, { dtype: "bool", data: [0, 1, 0, 1] }], out: { dtype: "bool", data: [0, 0, 1, 1] } },
  { op: "Less", ins: [{ dtype: "u64", data: [2 ** 63, 1] }, { dtype: "u64", data: [1, 2 ** 63] }], out: { dtype: "bool", data: [0, 1] } },
  { op: "PRelu", ins: [{ dtype: "i32", data: [-4, 5] }, { dtype: "i32", data: [3] }], out: { dtype: "i32", data: [-12, 5] } },
];

/** All cases in one model; `folded` makes every input an initializer so the outputs fold. */
function model(folded: boolean): { spec: ModelSpec; inputs: TensorSpec[]; outputs: TensorSpec[] } {
  const inputs: TensorSpec[] = [];
  const outputs: TensorSpec[] = [];
  const spec: ModelSpec = { inputs: [], outputs: [], nodes: [], initializers: [], opset: 20 };
  cases.forEach((cs, i) => {
    const names = cs.ins.map((t, j) => {
      const name = `c${i}_in${j}`;
      const tensor: TensorSpec = { name, dtype: t.dtype, dims: [t.data.length], data: t.data };
      if (folded) spec.initializers!.push(tensor);
      else { spec.inputs.push({ name, dtype: t.dtype, shape: [t.data.length] }); inputs.push(tensor); }
      return name;
    });
    const out = `c${i}_${cs.op}`;
    spec.nodes.push({ op: cs.op, inputs: names, outputs: [out], attrs: cs.attrs });
    spec.outputs.push({ name: out, dtype: cs.out.dtype, shape: [cs.out.data.length] });
    outputs.push({ name: out, dtype: cs.out.dtype, dims: [cs.out.data.length], data: cs.out.data });
  });
  return { spec, inputs, outputs };
}

describe("elementwise ops at the edges of their types", function () {
  let scratch = "";
  before(() => { scratch = tempDir("edgec-ewise-"); });
  after(() => cleanup(scratch));

  for (const folded of [false, true]) {
    it(folded ? "constant folding (the evaluator) gives the exact results" : "the generated C gives the exact results under ASan and UBSan", async function () {
      if (!(await haveCc())) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
      const m = model(folded);
      const dir = writeModelDir(path.join(scratch, folded ? "folded" : "run"), m.spec, m.inputs, m.outputs);
      const res = await testDir(dir, { rtol: 0, atol: 0, extraFlags: SANITIZE });
      const bad = res.results.filter((r) => !r.pass).map((r) => `${r.name} (max abs err ${r.maxAbs})`);
      expect(bad, "outputs that differ").to.deep.equal([]);
    });
  }
});
