/**
 * @fileoverview Shape and data-movement ops across opset variants and dtypes the ONNX node tests
 * leave out: each small model runs in ONNX Runtime and through the generated C (built with
 * sanitizers), and the outputs must agree. Shape-determining inputs are initializers here, as the
 * compiler requires; a runtime one must fail with one clear line.
 */
import { expect } from "chai";
import { compileGraph } from "../../compiler/api.ts";
import { EdgecError } from "../../ir/diagnostics.ts";
import { importModel } from "../../compiler/onnx/import.ts";
import { testDir } from "../../compiler/testrun.ts";
import { cleanup, haveCc, tempDir } from "../helpers/cli.ts";
import { F, FS, ModelSpec, buildModel, writeModelDir } from "../helpers/onnx-builder.ts";
import { Case, SANITIZE, SANITIZED_CFLAGS, floats, ints, itMatchesOrt, one, x } from "../helpers/ort-cases.ts";

const cases: Case[] = [
  { name: "Pad-11 edge int8", opset: 11, nodes: one("Pad", ["x", "p"], { mode: "edge" }), ins: [x([3, 4], "i8")], inits: [ints("p", [2, 0, 1, 3])], outs: [["y", "i8"]] },
  { name: "Pad-11 constant_value input, cropping", opset: 11, nodes: one("Pad", ["x", "p", "v"]), ins: [x([3, 4]), x([], "f32", "v")], inits: [ints("p", [1, 1, 1, -2])], outs: [["y", "f32"]] },
  { name: "Pad-18 reflect on negative axes", opset: 18, nodes: one("Pad", ["x", "p", "", "a"], { mode: "reflect" }), ins: [x([2, 3, 4])], inits: [ints("p", [2, 1, 3, 2]), ints("a", [-1, 1])], outs: [["y", "f32"]] },
  { name: "Pad-19 wrap longer than the axis", opset: 19, nodes: one("Pad", ["x", "p"], { mode: "wrap" }), ins: [x([3, 4])], inits: [ints("p", [1, 2, 2, 3])], outs: [["y", "f32"]] },
  { name: "Pad-19 wrap and edge after cropping", opset: 19, nodes: [...one("Pad", ["x", "p"], { mode: "wrap" }), ...one("Pad", ["x", "p"], { mode: "edge" }, ["z"])], ins: [x([4, 5])], inits: [ints("p", [1, -2, -1, 3])], outs: [["y", "f32"], ["z", "f32"]] },
  { name: "Split-11 split attribute", opset: 11, nodes: one("Split", ["x"], { axis: -1, split: [1, 3, 2] }, ["a", "b", "c"]), ins: [x([2, 6])], outs: [["a", "f32"], ["b", "f32"], ["c", "f32"]] },
  { name: "Split-18 uneven num_outputs", opset: 18, nodes: one("Split", ["x"], { axis: 1, num_outputs: 3 }, ["a", "b", "c"]), ins: [x([2, 7], "i64")], outs: [["a", "i64"], ["b", "i64"], ["c", "i64"]] },
  { name: "Squeeze-11 and Unsqueeze-11 axes attributes", opset: 11, nodes: [...one("Squeeze", ["x"], { axes: [-2, 0] }, ["s"]), ...one("Unsqueeze", ["s"], { axes: [-1, 0] })], ins: [x([1, 3, 1, 2])], outs: [["y", "f32"]] },
  { name: "Slice-9 attributes", opset: 9, nodes: one("Slice", ["x"], { starts: [1, -3], ends: [1000, -1], axes: [0, 2] }), ins: [x([4, 3, 5])], outs: [["y", "f32"]] },
  { name: "Slice-13 negative steps from huge starts", opset: 13, nodes: one("Slice", ["x", "s", "e", "a", "t"]), ins: [x([4, 6])], inits: [ints("s", [2 ** 53 - 1, -2]), ints("e", [-(2 ** 53) + 1, 0]), ints("a", [0, 1]), ints("t", [-2, -3])], outs: [["y", "f32"]] },
  { name: "Reshape 0 and -1 dims", opset: 14, nodes: one("Reshape", ["x", "s"]), ins: [x([2, 3, 4])], inits: [ints("s", [0, -1, 2])], outs: [["y", "f32"]] },
  { name: "Transpose int16", opset: 13, nodes: one("Transpose", ["x"], { perm: [2, 0, 3, 1] }), ins: [x([2, 3, 4, 5], "i16")], outs: [["y", "i16"]] },
  { name: "Concat int8 with an empty input", opset: 13, nodes: one("Concat", ["a", "b", "c"], { axis: -2 }), ins: [x([2, 0, 3], "i8", "a"), x([2, 2, 3], "i8", "b"), x([2, 1, 3], "i8", "c")], outs: [["y", "i8"]] },
  { name: "Tile int64", opset: 13, nodes: one("Tile", ["x", "r"]), ins: [x([2, 1, 3], "i64")], inits: [ints("r", [1, 3, 2])], outs: [["y", "i64"]] },
  { name: "Expand bool", opset: 13, nodes: one("Expand", ["x", "s"]), ins: [x([3, 1], "bool")], inits: [ints("s", [2, 1, 4])], outs: [["y", "bool"]] },
  { name: "Gather float16 with int32 indices", opset: 13, nodes: one("Gather", ["x", "i"], { axis: -1 }), ins: [x([2, 5], "f16"), x([2, 2], "i32", "i", [0, -1, 3, -5])], outs: [["y", "f16"]] },
  { name: "GatherElements negative axis", opset: 13, nodes: one("GatherElements", ["x", "i"], { axis: -2 }), ins: [x([3, 4], "i64"), x([2, 3], "i32", "i", [0, 2, -1, 1, -3, 2])], outs: [["y", "i64"]] },
  { name: "GatherND batch_dims 2", opset: 13, nodes: one("GatherND", ["x", "i"], { batch_dims: 2 }), ins: [x([2, 3, 4, 5]), x([2, 3, 2, 1], "i64", "i", [0, 3, -1, 2, 1, 1, 0, 0, 2, 3, 1, -4])], outs: [["y", "f32"]] },
  { name: "Scatter-9", opset: 9, nodes: one("Scatter", ["x", "i", "u"], { axis: 1 }), ins: [x([3, 4]), x([3, 2], "i32", "i", [0, 3, 1, 2, 3, 0]), x([3, 2], "f32", "u")], outs: [["y", "f32"]] },
  { name: "ScatterElements add with duplicates", opset: 16, nodes: one("ScatterElements", ["x", "i", "u"], { reduction: "add", axis: -1 }), ins: [x([2, 4], "i32"), x([2, 3], "i64", "i", [0, 0, -1, 2, 2, 2]), x([2, 3], "i32", "u")], outs: [["y", "i32"]] },
  { name: "ScatterND mul with duplicates", opset: 16, nodes: one("ScatterND", ["x", "i", "u"], { reduction: "mul" }), ins: [x([4, 3]), x([3, 1], "i64", "i", [1, -1, 1]), x([3, 3], "f32", "u")], outs: [["y", "f32"]] },
  { name: "DepthToSpace CRD blocksize 3", opset: 13, nodes: one("DepthToSpace", ["x"], { blocksize: 3, mode: "CRD" }), ins: [x([2, 18, 2, 3])], outs: [["y", "f32"]] },
  { name: "SpaceToDepth uint8 blocksize 3", opset: 13, nodes: one("SpaceToDepth", ["x"], { blocksize: 3 }), ins: [x([1, 2, 6, 9], "u8")], outs: [["y", "u8"]] },
  { name: "OneHot axis 0", opset: 11, nodes: one("OneHot", ["i", "d", "v"], { axis: 0 }), ins: [x([2, 3], "i64", "i", [0, 4, -1, 7, -6, 2]), x([2], "f32", "v", [3, 9])], inits: [ints("d", [5])], outs: [["y", "f32"]] },
  { name: "Trilu float16 with constant k", opset: 14, nodes: one("Trilu", ["x", "k"], { upper: 0 }), ins: [x([2, 4, 3], "f16")], inits: [{ name: "k", dtype: "i64", dims: [], data: [-1] }], outs: [["y", "f16"]] },
  { name: "ReverseSequence batch axis 0", opset: 10, nodes: one("ReverseSequence", ["x", "l"], { batch_axis: 0, time_axis: 1 }), ins: [x([3, 5, 2]), x([3], "i64", "l", [1, 5, 3])], outs: [["y", "f32"]] },
  { name: "Compress without axis", opset: 11, nodes: one("Compress", ["x", "c"]), ins: [x([2, 3])], inits: [{ name: "c", dtype: "bool", dims: [5], data: [0, 1, 1, 0, 1] }], outs: [["y", "f32"]] },
  { name: "Where int64 broadcasting", opset: 16, nodes: one("Where", ["c", "a", "b"]), ins: [x([3, 1], "bool", "c"), x([4], "i64", "a"), x([1, 1, 4], "i64", "b")], outs: [["y", "i64"]] },
  { name: "Range float", opset: 11, nodes: [...one("Range", ["s", "l", "d"], undefined, ["r"]), ...one("Add", ["r", "x"])], ins: [x([5])], inits: [{ name: "s", dtype: "f32", dims: [], data: [0.5] }, { name: "l", dtype: "f32", dims: [], data: [2] }, { name: "d", dtype: "f32", dims: [], data: [0.3] }], outs: [["y", "f32"]] },
  { name: "EyeLike k -1 to int64", opset: 9, nodes: one("EyeLike", ["x"], { k: -1, dtype: 7 }), ins: [x([4, 3])], outs: [["y", "i64"]] },
  { name: "ConstantOfShape int64", opset: 20, nodes: [...one("ConstantOfShape", ["s"], { value: { tensor: { name: "v", dtype: "i64", dims: [1], data: [7] } } }, ["c"]), ...one("Add", ["c", "x"])], ins: [x([2, 3], "i64")], inits: [ints("s", [2, 3])], outs: [["y", "i64"]] },
  { name: "Cast float to int8, float16 to int32, int64 to float16", opset: 13, nodes: [...one("Cast", ["a"], { to: 3 }, ["p"]), ...one("Cast", ["b"], { to: 6 }, ["q"]), ...one("Cast", ["c"], { to: 10 }, ["r"])], ins: [{ ...x([10], "f32", "a"), lo: -100, hi: 100 }, { ...x([10], "f16", "b"), lo: -100, hi: 100 }, { ...x([10], "i64", "c"), lo: -3000, hi: 3000 }], outs: [["p", "i8"], ["q", "i32"], ["r", "f16"]] },
  { name: "Cast to bool and CastLike to double", opset: 15, nodes: [...one("Cast", ["a"], { to: 9 }, ["p"]), ...one("CastLike", ["b", "l"], undefined, ["q"])], ins: [x([6], "f32", "a", [0, -0, 0.5, -2, 1e-30, 7]), x([5], "i32", "b"), x([1], "f64", "l")], outs: [["p", "bool"], ["q", "f64"]] },
  { name: "Resize-10 nearest up and down", opset: 10, nodes: one("Resize", ["x", "s"]), ins: [x([1, 2, 6, 3])], inits: [floats("s", [1, 1, 0.5, 1.5])], outs: [["y", "f32"]] },
  { name: "Resize-11 linear from sizes", opset: 11, nodes: one("Resize", ["x", "r", "s", "z"], { mode: "linear" }), ins: [x([1, 2, 5, 4])], inits: [floats("r", []), floats("s", []), ints("z", [1, 2, 7, 3])], outs: [["y", "f32"]] },
  { name: "Resize-13 uint8 linear", opset: 13, nodes: one("Resize", ["x", "", "s"], { mode: "linear" }), ins: [{ ...x([1, 1, 4, 4], "u8"), lo: 0, hi: 255 }], inits: [floats("s", [1, 1, 1.7, 2.3])], outs: [["y", "u8"]] },
  { name: "Resize-13 cubic exclude_outside", opset: 13, nodes: one("Resize", ["x", "", "s"], { mode: "cubic", exclude_outside: 1, cubic_coeff_a: F(-0.5) }), ins: [x([1, 2, 5, 4])], inits: [floats("s", [1, 1, 1.6, 2.5])], outs: [["y", "f32"]] },
  { name: "Resize-13 nearest ceil downsampling", opset: 13, nodes: one("Resize", ["x", "", "s"], { mode: "nearest", nearest_mode: "ceil" }), ins: [x([1, 1, 7, 9])], inits: [floats("s", [1, 1, 0.43, 0.7])], outs: [["y", "f32"]] },
  { name: "Resize-13 nearest tf_crop_and_resize", opset: 13, nodes: one("Resize", ["x", "r", "", "z"], { mode: "nearest", coordinate_transformation_mode: "tf_crop_and_resize", extrapolation_value: F(-1) }), ins: [x([1, 1, 4, 5])], inits: [floats("r", [0, 0, -0.2, 0.1, 1, 1, 0.9, 1.3]), ints("z", [1, 1, 3, 6])], outs: [["y", "f32"]] },
  { name: "Resize-18 linear axes not_smaller", opset: 18, nodes: one("Resize", ["x", "", "", "z"], { mode: "linear", axes: [3, 2], keep_aspect_ratio_policy: "not_smaller" }), ins: [x([1, 2, 4, 6])], inits: [ints("z", [9, 5])], outs: [["y", "f32"]] },
  { name: "Upsample-7 nearest", opset: 7, nodes: one("Upsample", ["x"], { scales: FS([1, 1, 2, 3]) }), ins: [x([1, 1, 2, 3])], outs: [["y", "f32"]] },
  { name: "Upsample-9 linear", opset: 9, nodes: one("Upsample", ["x", "s"], { mode: "linear" }), ins: [x([1, 1, 3, 3])], inits: [floats("s", [1, 1, 2, 2.5])], outs: [["y", "f32"]] },
];

describe("data-movement ops against ONNX Runtime", function () {
  itMatchesOrt(cases, { seed: 11, atol: 1e-6, prefix: "edgec-data-movement-" });

  it("rejects a shape input known only at run time with one clear line", () => {
    const bytes = buildModel({ opset: 13, nodes: one("Reshape", ["x", "s"]), inputs: [{ name: "x", dtype: "f32", shape: [2, 3] }, { name: "s", dtype: "i64", shape: [2] }], outputs: [{ name: "y", dtype: "f32" }] });
    expect(() => compileGraph(importModel(bytes, undefined))).to.throw(EdgecError, /Reshape\): the target shape \(input 1\) must be known at compile time/);
  });

  it("rejects casts to string and complex64 by name", () => {
    for (const [to, name] of [[8, "string"], [14, "complex64"]] as const) {
      const bytes = buildModel({ opset: 21, nodes: one("Cast", ["x"], { to }), inputs: [{ name: "x", dtype: "f32", shape: [2] }], outputs: [{ name: "y", dtype: to }] });
      expect(() => compileGraph(importModel(bytes, undefined))).to.throw(EdgecError, new RegExp(`cast to ${name} is not supported`));
    }
  });

  it("keeps gathered indices in bounds when they are out of range", async function () {
    if (!(await haveCc())) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
    const d = tempDir("edgec-gather-oob-");
    const s: ModelSpec = { opset: 13, nodes: one("Gather", ["x", "i"]), inputs: [{ name: "x", dtype: "f32", shape: [3] }, { name: "i", dtype: "i64", shape: [4] }], outputs: [{ name: "y", dtype: "f32" }] };
    writeModelDir(d, s, [{ name: "x", dtype: "f32", dims: [3], data: [10, 20, 30] }, { name: "i", dtype: "i64", dims: [4], data: [5, -9, -1, 1] }],
      [{ name: "y", dtype: "f32", dims: [4], data: [30, 10, 30, 20] }]);
    try {
      const got = await testDir(d, { rtol: 0, atol: 0, cflags: SANITIZED_CFLAGS, extraFlags: SANITIZE });
      expect(got.pass).to.equal(true);
    } finally {
      cleanup(d);
    }
  });
});
