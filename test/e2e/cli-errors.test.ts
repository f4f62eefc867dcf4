/**
 * @fileoverview Malformed and unsupported models through the real CLI: each must fail with one
 * line "edgec: error: ..." naming the problem, no stack trace, and no output folder left behind.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { cleanup, edgec, tempDir } from "../helpers/cli.ts";
import { ModelSpec, buildModel, nestedSubgraphModel } from "../helpers/onnx-builder.ts";
import { SHARED } from "../shared.ts";

/** Relu over a [2,3] float input: the base most cases modify. */
const base = (over: Partial<ModelSpec> = {}): ModelSpec => ({
  inputs: [{ name: "x", dtype: "f32", shape: [2, 3] }],
  outputs: [{ name: "y", dtype: "f32", shape: [2, 3] }],
  nodes: [{ op: "Relu", name: "relu1", inputs: ["x"], outputs: ["y"] }],
  ...over,
});

/** An Add with an initializer stored as external data at `location`. */
const external = (location: string): ModelSpec => base({
  initializers: [{ name: "w", dtype: "f32", dims: [2, 3], external: { location } }],
  nodes: [{ op: "Add", name: "add1", inputs: ["x", "w"], outputs: ["y"] }],
});

function realModelBytes(): Uint8Array {
  const shared = path.join(SHARED, "models", "digits_cnn", "model.onnx");
  if (fs.existsSync(shared)) return fs.readFileSync(shared);
  // Without the shared data, a built model with a sizeable initializer serves as well.
  return buildModel(base({
    initializers: [{ name: "w", dtype: "f32", dims: [2, 3], data: [1, 2, 3, 4, 5, 6] },
      { name: "pad", dtype: "f32", dims: [4096], data: new Float32Array(4096).fill(0.5) }],
    nodes: [{ op: "Add", name: "add1", inputs: ["x", "w"], outputs: ["y"] }],
  }));
}

function randomBytes(n: number): Uint8Array {
  let s = 0x2545f491;
  // Starts with a byte whose wire type (7) is invalid, so the file can never decode.
  return Uint8Array.from({ length: n }, (_, i) => (i === 0 ? 0x0f : (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24));
}

interface Case {
  title: string;
  /** Model bytes, or null for a file that does not exist. */
  model: () => Uint8Array | null;
  /** Extra files to create beside the model. */
  setup?: (dir: string, scratch: string) => void;
  /** Every pattern must occur in the error line. */
  expect: RegExp[];
}

const CASES: Case[] = [
  { title: "a truncated model (first half of a real model)", model: () => { const b = realModelBytes(); return b.subarray(0, b.length >> 1); },
    expect: [/not a valid ONNX model/, /truncated/] },
  { title: "random bytes", model: () => randomBytes(4096), expect: [/not a valid ONNX model/] },
  { title: "an empty file", model: () => new Uint8Array(), expect: [/not a valid ONNX model/, /no graph/] },
  { title: "a missing file", model: () => null, expect: [/cannot read/, /ENOENT/] },
  { title: "a graph with a cycle", model: () => buildModel(base({ nodes: [
      { op: "Relu", name: "a", inputs: ["t2"], outputs: ["t1"] },
      { op: "Relu", name: "b", inputs: ["t1"], outputs: ["t2"] },
      { op: "Relu", name: "c", inputs: ["t2"], outputs: ["y"] }] })),
    expect: [/cycle/, /\(Relu\)/, /node "[ab]"/] },
  { title: "a negative dim in an input shape", model: () => buildModel(base({ inputs: [{ name: "x", dtype: "f32", shape: [2, -3] }] })),
    expect: [/input "x"/, /negative/] },
  { title: "an unknown op", model: () => buildModel(base({ nodes: [{ op: "Frobnicate", name: "frob1", inputs: ["x"], outputs: ["y"] }] })),
    expect: [/node "frob1" \(Frobnicate\)/, /not supported/] },
  { title: "an unsupported attribute", model: () => buildModel(base({ nodes: [{ op: "Relu", name: "relu1", inputs: ["x"], outputs: ["y"], attrs: { wibble: 3 } }] })),
    expect: [/node "relu1" \(Relu\)/, /attribute 'wibble'/, /not supported/] },
  { title: "an attribute of the wrong type", model: () => buildModel(base({ nodes: [{ op: "LeakyRelu", name: "lr", inputs: ["x"], outputs: ["y"], attrs: { alpha: "high" } }] })),
    expect: [/node "lr" \(LeakyRelu\)/, /alpha/] },
  { title: "a string input", model: () => buildModel(base({ inputs: [{ name: "x", dtype: 8, shape: [2, 3] }] })),
    expect: [/input "x"/, /string/, /not supported/] },
  { title: "a complex64 input", model: () => buildModel(base({ inputs: [{ name: "x", dtype: 14, shape: [2, 3] }] })),
    expect: [/input "x"/, /complex64/, /not supported/] },
  { title: "a symbolic dim without --input-shape", model: () => buildModel(base({
      inputs: [{ name: "x", dtype: "f32", shape: ["batch", 3] }], outputs: [{ name: "y", dtype: "f32", shape: ["batch", 3] }] })),
    expect: [/input "x": dim 0 \("batch"\) is symbolic/, /--input-shape "x=<batch>x3", a size for each <\.\.\.>/] },
  { title: "symbolic and unknown dims: the suggestion keeps the known ones and names the rest", model: () => buildModel(base({
      inputs: [{ name: "x", dtype: "f32", shape: ["batch", 3, "H", null] }], outputs: [{ name: "y", dtype: "f32" }] })),
    expect: [/input "x": dims 0 \("batch"\), 2 \("H"\) and 3 are symbolic or unknown/, /--input-shape "x=<batch>x3x<H>x<d3>"/] },
  { title: "an input with no shape", model: () => buildModel(base({ inputs: [{ name: "x", dtype: "f32" }] })),
    expect: [/input "x"/, /no shape/, /--input-shape/] },
  { title: "a tensor above 2^31-1 elements", model: () => buildModel(base({ inputs: [{ name: "x", dtype: "f32", shape: [65536, 65536] }] })),
    expect: [/input "x"/, /2\^31-1 elements/] },
  { title: "external data with '..'", model: () => buildModel(external("../secret.bin")),
    setup: (_d, scratch) => fs.writeFileSync(path.join(scratch, "secret.bin"), new Uint8Array(24)),
    expect: [/initializer "w"/, /"\.\.\/secret\.bin"/, /inside the model's folder/] },
  { title: "external data at an absolute location", model: () => buildModel(external("/etc/passwd")),
    expect: [/initializer "w"/, /"\/etc\/passwd"/, /inside the model's folder/] },
  { title: "external data through a symlink leading out of the model folder", model: () => buildModel(external("link.bin")),
    setup: (dir, scratch) => {
      fs.writeFileSync(path.join(scratch, "secret.bin"), new Uint8Array(24));
      fs.symlinkSync(path.join(scratch, "secret.bin"), path.join(dir, "link.bin"));
    },
    expect: [/initializer "w"/, /"link\.bin"/, /outside the model's folder/] },
  { title: "external data at a folder", model: () => buildModel(external("sub")),
    setup: (dir) => fs.mkdirSync(path.join(dir, "sub")),
    expect: [/initializer "w"/, /"sub" is not a regular file/] },
  { title: "external data at a FIFO (reading it would block)", model: () => buildModel(external("fifo")),
    setup: (dir) => { if (spawnSync("mkfifo", [path.join(dir, "fifo")]).status !== 0) fs.mkdirSync(path.join(dir, "fifo")); },
    expect: [/initializer "w"/, /"fifo" is not a regular file/] },
  { title: "external data whose offset runs past the end of its file", model: () => buildModel(base({
      initializers: [{ name: "w", dtype: "f32", dims: [2, 3], external: { location: "w.bin", offset: 20 } }],
      nodes: [{ op: "Add", name: "add1", inputs: ["x", "w"], outputs: ["y"] }] })),
    setup: (dir) => fs.writeFileSync(path.join(dir, "w.bin"), new Uint8Array(30)),
    expect: [/initializer "w"/, /too short/] },
  { title: "a Reshape whose shape input is not constant", model: () => buildModel({
      inputs: [{ name: "x", dtype: "f32", shape: [2, 3] }, { name: "s", dtype: "i64", shape: [2] }],
      outputs: [{ name: "y", dtype: "f32", shape: [3, 2] }],
      nodes: [{ op: "Reshape", name: "reshape1", inputs: ["x", "s"], outputs: ["y"] }] }),
    expect: [/node "reshape1" \(Reshape\)/, /compile time/] },
  { title: "a node input nothing defines", model: () => buildModel(base({ nodes: [{ op: "Relu", name: "relu1", inputs: ["nowhere"], outputs: ["y"] }] })),
    expect: [/node "relu1" \(Relu\)/, /"nowhere"/, /not defined/] },
  { title: "a value produced twice", model: () => buildModel(base({ nodes: [
      { op: "Relu", name: "a", inputs: ["x"], outputs: ["y"] }, { op: "Relu", name: "b", inputs: ["x"], outputs: ["y"] }] })),
    expect: [/node "b" \(Relu\)/, /produced twice/] },
  { title: "an op from a custom domain", model: () => buildModel(base({ nodes: [{ op: "Relu", name: "relu1", domain: "com.example", inputs: ["x"], outputs: ["y"] }] })),
    expect: [/node "relu1" \(Relu\)/, /"com\.example"/] },
  { title: "an opset older than supported", model: () => buildModel(base({ opset: 0 })), expect: [/opset 0/, /version_converter/] },
  { title: "a Gemm with mismatched shapes", model: () => buildModel(base({
      initializers: [{ name: "w", dtype: "f32", dims: [5, 4] }],
      nodes: [{ op: "Gemm", name: "fc", inputs: ["x", "w"], outputs: ["y"] }] })),
    expect: [/node "fc" \(Gemm\)/] },
  { title: "an initializer whose dims claim 2^31-1 elements but that holds none", model: () => buildModel(base({
      initializers: [{ name: "w", dtype: "f32", dims: [2147483647], noData: true }],
      nodes: [{ op: "Add", name: "add1", inputs: ["x", "w"], outputs: ["y"] }] })),
    expect: [/initializer "w"/, /holds 0 elements/] },
  { title: "subgraphs nested 1500 deep", model: () => nestedSubgraphModel(1500), expect: [/node "If_0" \(If\)/, /nested more than 64 deep/] },
  { title: "an op type holding terminal escapes and a newline", model: () => buildModel(base({ nodes: [{ op: "Frob\x1b[2J\nrm", name: "n1", inputs: ["x"], outputs: ["y"] }] })),
    expect: [/node "n1" has op type "Frob\\u001b\[2J\\nrm"/, /malformed/] },
  { title: "an attribute name holding terminal escapes", model: () => buildModel(base({ nodes: [{ op: "Relu", name: "relu1", inputs: ["x"], outputs: ["y"], attrs: { "al\x1bpha": 1 } }] })),
    expect: [/node "relu1" \(Relu\)/, /attribute name "al\\u001bpha"/] },
  { title: "a string attribute holding terminal escapes", model: () => buildModel(base({
      inputs: [{ name: "x", dtype: "f32", shape: [1, 1, 4, 4] }],
      nodes: [{ op: "MaxPool", name: "pool1", inputs: ["x"], outputs: ["y"], attrs: { kernel_shape: [2, 2], auto_pad: "SAME\x1b[31m\tX" } }] })),
    expect: [/node "pool1" \(MaxPool\)/, /auto_pad/, /\\u001b/] },
  { title: "a symbolic dim on an input whose name holds control characters", model: () => buildModel(base({
      inputs: [{ name: "in\x1b[0m\nput", dtype: "f32", shape: ["N", 3] }],
      nodes: [{ op: "Relu", name: "relu1", inputs: ["in\x1b[0m\nput"], outputs: ["y"] }] })),
    expect: [/input "in\\u001b\[0m\\nput"/, /--input-shape "in\\u001b\[0m\\nput=<N>x3"/] },
];

/** Asserts the failure contract: one error line, no stack trace, no output folder. */
function expectCleanFailure(r: { status: number | null; stderr: string; stdout: string }, out: string, patterns: RegExp[]): void {
  expect(r.status, `stderr: ${r.stderr}`).to.be.a("number").and.not.equal(0);
  const lines = r.stderr.split("\n").filter((l) => l.length > 0);
  expect(lines, r.stderr).to.have.length(1);
  const line = lines[0]!;
  expect(line).to.match(/^edgec: error: /);
  expect(line).not.to.match(/internal error/);
  expect(r.stderr).not.to.match(/\n\s+at |Error: |node:internal|\.ts:\d+/);
  expect(r.stderr, "no raw control characters").not.to.match(/[\x00-\x09\x0b-\x1f\x7f]/);
  for (const p of patterns) expect(line).to.match(p);
  expect(fs.existsSync(out), `${out} must not exist`).to.equal(false);
  const leftovers = fs.readdirSync(path.dirname(out)).filter((f) => f.startsWith(".edgec-tmp-"));
  expect(leftovers, "temporary folders left behind").to.deep.equal([]);
}

describe("edgec compile: malformed and unsupported models", function () {
  this.timeout(120_000);
  let scratch: string;
  before(() => { scratch = tempDir("cli-errors"); });
  after(() => cleanup(scratch));

  CASES.forEach((tc, i) => {
    it(`rejects ${tc.title}`, async () => {
      const dir = path.join(scratch, `case${i}`, "model");
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, "model.onnx");
      const bytes = tc.model();
      if (bytes) fs.writeFileSync(file, bytes);
      tc.setup?.(dir, path.dirname(dir));
      const out = path.join(scratch, `case${i}`, "out");
      expectCleanFailure(await edgec("compile", file, "-o", out), out, tc.expect);
    });
  });

  it("leaves an existing output folder untouched when compilation fails", async () => {
    const dir = path.join(scratch, "keep");
    const out = path.join(dir, "out");
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, "report.json"), "{}");
    fs.writeFileSync(path.join(out, "model.c"), "/* earlier artifact */");
    fs.writeFileSync(path.join(dir, "bad.onnx"), randomBytes(256));
    const r = await edgec("compile", path.join(dir, "bad.onnx"), "-o", out);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/^edgec: error: not a valid ONNX model/);
    expect(fs.readFileSync(path.join(out, "model.c"), "utf8")).to.equal("/* earlier artifact */");
  });

  it("never replaces a file, a folder of other files, or the folder holding the model", async () => {
    const dir = path.join(scratch, "outdir");
    fs.mkdirSync(path.join(dir, "mine"), { recursive: true });
    const model = path.join(dir, "model.onnx");
    fs.writeFileSync(model, buildModel(base()));
    fs.writeFileSync(path.join(dir, "notes.txt"), "keep me");
    fs.writeFileSync(path.join(dir, "mine", "main.c"), "int main(void) { return 0; }");
    const attempts: [string, RegExp][] = [
      [model, /exists and is not a folder/],
      [path.join(dir, "notes.txt"), /exists and is not a folder/],
      [dir, /holds the model itself/],
      [path.join(dir, "mine"), /not empty and holds no earlier edgec artifact/],
    ];
    for (const [out, msg] of attempts) {
      const r = await edgec("compile", model, "-o", out);
      expect(r.status, out).to.equal(1);
      expect(r.stderr.trim().split("\n")).to.have.length(1);
      expect(r.stderr).to.match(msg);
    }
    expect(fs.readFileSync(path.join(dir, "notes.txt"), "utf8")).to.equal("keep me");
    expect(fs.existsSync(path.join(dir, "mine", "main.c"))).to.equal(true);
    expect(fs.statSync(model).isFile()).to.equal(true);
    // An empty folder and an earlier artifact are fine.
    fs.mkdirSync(path.join(dir, "empty"));
    for (let i = 0; i < 2; i++) {
      const r = await edgec("compile", model, "-o", path.join(dir, "empty"));
      expect(r.status, r.stderr).to.equal(0);
    }
  });

  it("compiles the symbolic-dim model once --input-shape fixes it", async () => {
    const dir = path.join(scratch, "symbolic");
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "model.onnx");
    fs.writeFileSync(file, buildModel(base({
      inputs: [{ name: "x", dtype: "f32", shape: ["batch", 3] }], outputs: [{ name: "y", dtype: "f32", shape: ["batch", 3] }] })));
    const out = path.join(dir, "out");
    const r = await edgec("compile", file, "--input-shape", "x=4x3", "-o", out);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.equal("");
    const report = JSON.parse(fs.readFileSync(path.join(out, "report.json"), "utf8"));
    expect(report.inputs).to.deep.equal([{ name: "x", dtype: "f32", shape: [4, 3] }]);
    expect(fs.readFileSync(path.join(out, "model.h"), "utf8")).to.include("f32 [4, 3]");
  });

  it("reads external data that stays inside the model's folder", async () => {
    const dir = path.join(scratch, "external-ok");
    fs.mkdirSync(path.join(dir, "data"), { recursive: true });
    const w = new Float32Array([1, 2, 3, 4, 5, 6]);
    // 8 bytes of padding first, to check the offset is honoured.
    fs.writeFileSync(path.join(dir, "data", "w.bin"), Buffer.concat([Buffer.alloc(8, 0xff), Buffer.from(w.buffer)]));
    fs.writeFileSync(path.join(dir, "model.onnx"), buildModel(base({
      initializers: [{ name: "w", dtype: "f32", dims: [2, 3], external: { location: "data/w.bin", offset: 8, length: 24 } }],
      nodes: [{ op: "Add", name: "add1", inputs: ["x", "w"], outputs: ["y"] }] })));
    const out = path.join(dir, "out");
    const r = await edgec("compile", path.join(dir, "model.onnx"), "-o", out);
    expect(r.status, r.stderr).to.equal(0);
    const weights = fs.readFileSync(path.join(out, "model_weights.c"), "utf8");
    // 1.0f is 0,0,128,63 little-endian; 6.0f is 0,0,192,64.
    expect(weights).to.include("0,0,128,63");
    expect(weights).to.include("0,0,192,64");
  });

  it("rejects a malformed --input-shape and an unknown flag with usage errors", async () => {
    const file = path.join(scratch, "flags.onnx");
    fs.writeFileSync(file, buildModel(base()));
    const out = path.join(scratch, "flags-out");
    expectCleanFailure(await edgec("compile", file, "--input-shape", "x=2xbanana", "-o", out), out, [/--input-shape x=2xbanana/]);
    expectCleanFailure(await edgec("compile", file, "--input-shape", "nosuch=2x3", "-o", out), out, [/--input-shape "nosuch"/, /no input of that name/, /"x"/]);
    expectCleanFailure(await edgec("compile", file, "--input-shape", "x=2x3x4", "-o", out), out, [/--input-shape "x"/, /rank 3/, /rank 2/]);
    expectCleanFailure(await edgec("compile", file, "--input-shape", "x=5x3", "-o", out), out, [/--input-shape "x"/, /dim 0 is 5/, /fixes it to 2/]);
    expectCleanFailure(await edgec("compile", file, "--frobnicate", "-o", out), out, [/--frobnicate/, /--help/]);
    expectCleanFailure(await edgec("compile", file), out, [/missing -o/]);
    expectCleanFailure(await edgec("compile", file, "--name", "edgec", "-o", out), out, [/--name edgec/, /reserved/]);
    expectCleanFailure(await edgec("compile", file, "--name", "_model", "-o", out), out, [/--name _model/, /C identifier/]);
    expectCleanFailure(await edgec("compile", file, "--name", "my-net", "-o", out), out, [/--name my-net/, /C identifier/]);
  });

  it("--name sets the prefix of the generated files and symbols", async () => {
    const file = path.join(scratch, "named.onnx");
    fs.writeFileSync(file, buildModel(base()));
    const out = path.join(scratch, "named-out");
    const r = await edgec("compile", file, "--name", "net", "-o", out);
    expect(r.status, r.stderr).to.equal(0);
    expect(fs.readdirSync(out).sort()).to.deep.equal(["Makefile", "edgec_platform.h", "edgec_runtime.c", "edgec_runtime.h", "net.c", "net.h", "net_weights.c", "report.json"]);
    const h = fs.readFileSync(path.join(out, "net.h"), "utf8");
    expect(h).to.match(/#define NET_WORKSPACE_BYTES \d+u/);
    expect(h).to.match(/int net_run\(const void \*weights, void \*workspace, const float \*in0_x, float \*out0_y\);/);
  });
});
