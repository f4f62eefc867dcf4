/**
 * @fileoverview Golden files of generated C (test/golden/*.c): a few kernels as users read them,
 * portable and with intrinsics, so a change to lowering, simplify, vectorize or the printers
 * shows up as a reviewed diff. EDGEC_UPDATE_GOLDEN=1 rewrites the files (then review the diff).
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { emitC } from "../../backends/c/artifact.ts";
import { compileGraph } from "../../compiler/api.ts";
import { CTarget, emitterFor } from "../../compiler/c-targets.ts";
import { importModel } from "../../compiler/onnx/import.ts";
import { ModelSpec, TensorSpec, buildModel } from "../helpers/onnx-builder.ts";

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "golden");

const w = (name: string, dims: number[]): TensorSpec => ({
  name, dtype: "f32", dims, data: Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => ((i * 7) % 11) / 10 - 0.5),
});

const CASES: { name: string; targets: CTarget[]; spec: ModelSpec }[] = [
  {
    // Padding borders: the loop partitioner and simplify leave the interior without conditions.
    name: "dwconv3x3s2-relu", targets: ["c"],
    spec: {
      opset: 13, inputs: [{ name: "x", dtype: "f32", shape: [1, 8, 10, 5] }], outputs: [{ name: "y", dtype: "f32" }],
      nodes: [
        { op: "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attrs: { group: 8, kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] } },
        { op: "Relu", inputs: ["c"], outputs: ["y"] },
      ],
      initializers: [w("w", [8, 1, 3, 3]), w("b", [8])],
    },
  },
  {
    // Clip's bounds are one-element initializers: they print as constants of one clamp, not loads.
    name: "conv1x1-clip6", targets: ["c", "aarch64", "riscv64"],
    spec: {
      opset: 13, inputs: [{ name: "x", dtype: "f32", shape: [1, 8, 4, 4] }], outputs: [{ name: "y", dtype: "f32" }],
      nodes: [
        { op: "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attrs: { kernel_shape: [1, 1] } },
        { op: "Clip", inputs: ["c", "lo", "hi"], outputs: ["y"] },
      ],
      initializers: [w("w", [16, 8, 1, 1]), w("b", [16]),
        { name: "lo", dtype: "f32", dims: [], data: [0] }, { name: "hi", dtype: "f32", dims: [], data: [6] }],
    },
  },
  {
    name: "matmul-bias", targets: ["c", "aarch64", "riscv64"],
    spec: {
      opset: 13, inputs: [{ name: "x", dtype: "f32", shape: [8, 32] }], outputs: [{ name: "y", dtype: "f32" }],
      nodes: [
        { op: "MatMul", inputs: ["x", "w"], outputs: ["m"] },
        { op: "Add", inputs: ["m", "b"], outputs: ["y"] },
      ],
      initializers: [w("w", [32, 48]), w("b", [48])],
    },
  },
  {
    name: "gemm-bias-relu", targets: ["c"],
    spec: {
      opset: 13, inputs: [{ name: "x", dtype: "f32", shape: [4, 32] }], outputs: [{ name: "y", dtype: "f32" }],
      nodes: [
        { op: "Gemm", inputs: ["x", "w", "b"], outputs: ["g"], attrs: { transB: 1 } },
        { op: "Relu", inputs: ["g"], outputs: ["y"] },
      ],
      initializers: [w("w", [24, 32]), w("b", [24])],
    },
  },
  {
    // Row reductions (max, sum) become vector accumulators with a horizontal step after the loop.
    name: "softmax", targets: ["x86-64-v4"],
    spec: {
      opset: 13, inputs: [{ name: "x", dtype: "f32", shape: [3, 40] }], outputs: [{ name: "y", dtype: "f32" }],
      nodes: [{ op: "Softmax", inputs: ["x"], outputs: ["y"], attrs: { axis: -1 } }],
    },
  },
  {
    name: "hardswish-residual", targets: ["x86-64-v3"],
    spec: {
      opset: 14, inputs: [{ name: "x", dtype: "f32", shape: [2, 20] }], outputs: [{ name: "y", dtype: "f32" }],
      nodes: [
        { op: "HardSwish", inputs: ["x"], outputs: ["h"] },
        { op: "Add", inputs: ["h", "x"], outputs: ["y"] },
      ],
    },
  },
];

/** The kernels of the generated model.c: from the first kernel to the entry point. */
function kernels(spec: ModelSpec, target: CTarget): string {
  const c = compileGraph(importModel(buildModel(spec), undefined), { cTarget: target });
  const text = emitC(c.program, { name: "model", embedLimit: 1 << 30 }, emitterFor(target)).files.get("model.c") as string;
  const start = text.indexOf("\n", text.indexOf('#include "model.h"')) + 1;
  return text.slice(start, text.indexOf("int model_run(")).trim() + "\n";
}

describe("golden C: kernels as printed", () => {
  for (const cs of CASES)
    for (const t of cs.targets) {
      it(`${cs.name} on ${t}`, () => {
        const file = path.join(DIR, `${cs.name}-${t}.c`);
        const got = kernels(cs.spec, t);
        if (process.env.EDGEC_UPDATE_GOLDEN === "1") {
          fs.writeFileSync(file, got);
          console.log(`  wrote ${path.relative(process.cwd(), file)}`);
          return;
        }
        expect(fs.existsSync(file), `${file} is missing; run with EDGEC_UPDATE_GOLDEN=1 and review it`).to.equal(true);
        expect(got).to.equal(fs.readFileSync(file, "utf8"));
      });
    }
});
