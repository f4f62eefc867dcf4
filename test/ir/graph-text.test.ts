/**
 * @fileoverview Graph IR text: every shared model, as imported, after type inference and after
 * the optimisation pipeline, prints, parses back to an equal graph (constant bytes included) and prints identically; a
 * handwritten graph covers every attribute kind, tensor dtype and awkward name.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { compileFile } from "../../compiler/api.ts";
import { EdgecError } from "../../ir/diagnostics.ts";
import { inferTypes, topoSort } from "../../ops/infer.ts";
import { loadModel } from "../../compiler/onnx/import.ts";
import { DType, allocArray } from "../../ir/dtype.ts";
import { Graph, Tensor } from "../../ir/graph.ts";
import { BlobStore, parseGraph, printGraph, readGraphFile, writeGraphFile } from "../../ir/text/index.ts";
import { foldNode } from "../../passes/fold-constants.ts";
import { cleanup, tempDir } from "../helpers/cli.ts";
import { sharedDir } from "../shared.ts";
import { irDiff } from "./ir-equal.ts";

/** Prints with a fresh store, parses with a copy of its bytes, and checks both equalities. */
function roundTrip(g: Graph, opts: { store?: boolean; inlineLimit?: number } = {}): string {
  const store = opts.store ? new BlobStore() : undefined;
  const text = printGraph(g, { blobs: store, inlineLimit: opts.inlineLimit });
  const back = parseGraph(text, { blobs: store && new BlobStore(store.name, store.bytes().slice()) });
  expect(irDiff(g, back)).to.equal(undefined);
  expect(printGraph(back, { blobs: store && new BlobStore(), inlineLimit: opts.inlineLimit })).to.equal(text);
  return text;
}

describe("ir/text: Graph IR round trip of the shared models", () => {
  const dir = sharedDir("models");
  const models = dir ? fs.readdirSync(dir).filter((m) => fs.existsSync(path.join(dir, m, "model.onnx"))).sort() : [];
  for (const m of models) {
    it(m, () => {
      const file = path.join(dir!, m, "model.onnx");
      // As imported: Constant nodes carry tensor attributes, most values are untyped.
      roundTrip(loadModel(file), { store: true });
      // After inference, folding what the compiler folds while inferring.
      const g = loadModel(file);
      topoSort(g);
      const outputs = new Set(g.outputs);
      inferTypes(g, (n) => foldNode(g, n, outputs));
      roundTrip(g, { store: true });
      // After the optimisation pipeline: fused groups hold their members as subgraphs.
      roundTrip(compileFile(file).graph, { store: true });
    });
  }

  it("writes and reads text files with large constants in a .bin beside them", () => {
    if (!dir) return;
    const g = loadModel(path.join(dir, "kws_dscnn", "model.onnx"));
    const tmp = tempDir("graph-text");
    try {
      const file = path.join(tmp, "kws.ir");
      expect(writeGraphFile(file, g)).to.deep.equal([file, `${file}.bin`]);
      expect(fs.readFileSync(file, "utf8")).to.contain("@kws.ir.bin:0>");
      expect(irDiff(g, readGraphFile(file))).to.equal(undefined);
      fs.rmSync(`${file}.bin`);
      expect(() => readGraphFile(file)).to.throw(EdgecError, /^.*kws\.ir:\d+:\d+: expected a blob store given to the parser, got @kws\.ir\.bin, which none provides$/);
    } finally {
      cleanup(tmp);
    }
  });

  it("keeps constant data inline as hex when no store is given", () => {
    if (!dir) return;
    const g = loadModel(path.join(dir, "digits_cnn", "model.onnx"));
    const text = roundTrip(g);
    expect(text).to.match(/dense<f32\[16,1,3,3\] 0x[0-9a-f]{1152}>/);
  });
});

const tensor = (dtype: DType, shape: number[], vals: (number | bigint)[]): Tensor => {
  const data = allocArray(dtype, vals.length);
  vals.forEach((v, i) => { (data as unknown as (number | bigint)[])[i] = v; });
  return { dtype, shape, data };
};

function handwritten(): Graph {
  const body = new Graph();
  body.name = "loop body";
  body.opset = 17;
  body.inputs = ["iter"];
  body.outputs = ["x"];
  body.types.set("iter", { dtype: "i64", shape: [] });
  body.nodes.push({ name: "", op: "Identity", domain: "", inputs: ["outer value"], outputs: ["x"], attrs: {} });
  const nanPayload = new Float32Array(new Uint32Array([0x7fc00001, 0x3f800000]).buffer);
  const g = new Graph();
  g.name = "every \"kind\"\n";
  g.inputs = ["x", "onnx::Cast 1", ""];
  g.outputs = ["y", "x"];
  g.types.set("x", { dtype: "f32", shape: [1, 3] });
  g.types.set("onnx::Cast 1", { dtype: "bf16", shape: [] });
  g.types.set("y", { dtype: "f32", shape: [1, 3] });
  g.types.set("only typed", { dtype: "u64", shape: [0, 2] });
  const consts: [string, Tensor][] = [
    ["f16", tensor("f16", [4], [0x3c00, 0x8000, 0x7c00, 0x0001])],
    ["bf16", tensor("bf16", [2], [0x3f80, 0xff80])],
    ["f32", tensor("f32", [2, 3], [0.1, -0, Infinity, NaN, 1e-45, 3.4028234663852886e38])],
    ["f64", tensor("f64", [3], [0.1, 5e-324, -1.7976931348623157e308])],
    ["i64", tensor("i64", [2], [-(2n ** 63n), 2n ** 63n - 1n])],
    ["u64", tensor("u64", [1], [2n ** 64n - 1n])],
    ["i8", tensor("i8", [3], [-128, 0, 127])],
    ["u32", tensor("u32", [1], [4294967295])],
    ["bool", tensor("bool", [2], [1, 0])],
    ["bool2", tensor("bool", [1], [2])],
    ["payload", { dtype: "f32", shape: [2], data: nanPayload }],
    ["empty", tensor("i32", [0, 4], [])],
    ["big", tensor("f32", [20], Array.from({ length: 20 }, (_, i) => i / 3))],
  ];
  for (const [k, t] of consts) { g.constants.set(k, t); g.types.set(k, { dtype: t.dtype, shape: t.shape }); }
  g.types.set("i8", { dtype: "i8", shape: [1, 3] }); // a declared type that differs from the tensor's
  g.nodes.push({
    name: "n\u0000\u2028\ud800", op: "Custom Op", domain: "com.example",
    inputs: ["x", "", "f32"], outputs: ["y", "", "z"],
    attrs: {
      int: { type: "int", value: -9223372036854775808 },
      float: { type: "float", value: 1 },
      tiny: { type: "float", value: 1e-12 },
      negzero: { type: "float", value: -0 },
      inf: { type: "float", value: -Infinity },
      nan: { type: "float", value: NaN },
      string: { type: "string", value: "quote \" backslash \\ tab \t é 😀" },
      ints: { type: "ints", value: [1, -2, 3, 2 ** 70] },
      floats: { type: "floats", value: [0.5, 2, -Infinity] },
      strings: { type: "strings", value: ["a", "", "c d"] },
      noInts: { type: "ints", value: [] },
      noFloats: { type: "floats", value: [] },
      noStrings: { type: "strings", value: [] },
      noGraphs: { type: "graphs", value: [] },
      tensor: { type: "tensor", value: tensor("i32", [2], [7, -7]) },
      graph: { type: "graph", value: body },
      graphs: { type: "graphs", value: [body, body] },
      "value": { type: "int", value: 0 },
      "to": { type: "int", value: 1 },
      "weird name": { type: "string", value: "" },
    },
  });
  g.nodes.push({ name: "sink", op: "input", domain: "", inputs: ["y"], outputs: [], attrs: {} });
  g.nodes.push({ name: "", op: "Constant", domain: "", inputs: [], outputs: ["c"], attrs: { value: { type: "tensor", value: tensor("u8", [2], [1, 255]) } } });
  // Ops spelled like the keywords that end a node line.
  g.nodes.push({ name: "", op: "name", domain: "", inputs: ["c"], outputs: [], attrs: {} });
  g.nodes.push({ name: "", op: "domain", domain: "", inputs: [], outputs: [], attrs: { graph: { type: "int", value: 1 } } });
  return g;
}

describe("ir/text: handwritten Graph IR", () => {
  it("round-trips every attribute kind, dtype and name, inline and with a store", () => {
    const text = roundTrip(handwritten());
    roundTrip(handwritten(), { store: true, inlineLimit: 4 });
    roundTrip(handwritten(), { inlineLimit: 0 });
    expect(text).to.contain('graph @"every \\"kind\\"\\n" opset 13 {');
    expect(text).to.contain('input %"onnx::Cast 1" : bf16[]');
    expect(text).to.contain("const %f16 = dense<f16[4] [1, -0, inf, 6e-8]>");
    expect(text).to.contain("const %bf16 = dense<bf16[2] [1, -inf]>");
    expect(text).to.contain("const %f32 = dense<f32[2,3] [0.1, -0, inf, nan, 1e-45, 3.4028235e+38]>");
    expect(text).to.contain("const %i64 = dense<i64[2] [-9223372036854775808, 9223372036854775807]>");
    expect(text).to.contain("const %i8 : i8[1,3] = dense<i8[3] [-128, 0, 127]>");
    expect(text).to.contain("const %bool2 = dense<bool[1] [2]>");
    expect(text).to.contain("const %payload = dense<f32[2] 0x0100c07f0000803f>");
    expect(text).to.contain("const %empty = dense<i32[0,4] []>");
    expect(text).to.contain("value %\"only typed\" : u64[0,2]");
    expect(text).to.contain("%y : f32[1,3], _, %z = \"Custom Op\"(%x, _, %f32) {");
    expect(text).to.contain("float = 1.0, floats = [0.5, 2.0, -inf], graph = graph @\"loop body\" opset 17 {");
    expect(text).to.contain("\"inf\" = -inf, int = -9223372036854776000, ints = [1, -2, 3, 1180591620717411303424], \"nan\" = nan, negzero = -0.0");
    expect(text).to.contain("noFloats = [] : floats, noGraphs = [] : graphs, noInts = [] : ints, noStrings = [] : strings");
    expect(text).to.contain("to = 1, value = 0, \"weird name\" = \"\"}");
    expect(text).to.contain('name "n\\u0000\u2028\\ud800" domain "com.example"');
    expect(text).to.contain('\n  input(%y) name "sink"\n');
    expect(text).to.contain("%c = Constant() {value = dense<u8[2] [1, 255]>}\n  name(%c)\n  domain() {graph = 1}\n");
  });

  it("prints a readable text that parses back to the same print", () => {
    const src = [
      "graph @main opset 13 {",
      "  input %x : f32[1,3,8,8]",
      "  const %w = dense<f32[4,3,1,1] @weights:0>",
      "  %y : f32[1,4,8,8] = Conv(%x, %w, _) {pads = [0, 0, 0, 0], strides = [1, 1]} name \"conv1\"",
      "  %z : f32[1,4,8,8] = Relu(%y)",
      "  output %z",
      "}",
      "",
    ].join("\n");
    const store = new BlobStore("weights", new Uint8Array(48));
    const g = parseGraph(src, { blobs: store });
    expect(g.nodes.map((n) => n.op)).to.deep.equal(["Conv", "Relu"]);
    expect(g.constants.get("w")!.data).to.deep.equal(new Float32Array(12));
    expect(printGraph(g, { blobs: new BlobStore(), inlineLimit: 8 })).to.equal(src);
  });
});
