/**
 * @fileoverview Properties of the generated C beyond correctness: compiling twice gives identical
 * bytes, the sources build under -pedantic, and small models run clean under ASan and UBSan.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { compileFile, writeCArtifact } from "../../compiler/api.ts";
import { buildHarness, testDir } from "../../compiler/testrun.ts";
import { cleanup, edgec, haveCc, runProcess, tempDir } from "../helpers/cli.ts";
import { rng, uniform, writeModelDir } from "../helpers/onnx-builder.ts";
import { sharedDir } from "../shared.ts";

const PEDANTIC = ["-std=c99", "-O1", "-Wall", "-Wextra", "-Werror", "-pedantic"];
const SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-g"];

/** A small conv + gemm model built in memory, so these tests also run without the shared data. */
function smallModel(dir: string): string {
  const r = rng(7);
  return writeModelDir(dir, {
    inputs: [{ name: "x", dtype: "f32", shape: [1, 2, 6, 6] }],
    outputs: [{ name: "y", dtype: "f32", shape: [1, 5] }],
    initializers: [
      { name: "cw", dtype: "f32", dims: [4, 2, 3, 3], data: uniform(r, 72) },
      { name: "cb", dtype: "f32", dims: [4], data: uniform(r, 4) },
      { name: "fw", dtype: "f32", dims: [5, 16], data: uniform(r, 80) },
      { name: "fb", dtype: "f32", dims: [5], data: uniform(r, 5) },
    ],
    nodes: [
      { op: "Conv", inputs: ["x", "cw", "cb"], outputs: ["c"], attrs: { pads: [1, 1, 1, 1] } },
      { op: "Relu", inputs: ["c"], outputs: ["r"] },
      { op: "MaxPool", inputs: ["r"], outputs: ["p"], attrs: { kernel_shape: [3, 3], strides: [3, 3] } },
      { op: "Flatten", inputs: ["p"], outputs: ["f"] },
      { op: "Gemm", inputs: ["f", "fw", "fb"], outputs: ["g"], attrs: { transB: 1 } },
      { op: "Softmax", inputs: ["g"], outputs: ["y"], attrs: { axis: 1 } },
    ],
  });
}

function readTree(dir: string): Map<string, Buffer> {
  return new Map(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f))]));
}

describe("generated C: determinism, pedantic builds, sanitizers", function () {
  this.timeout(600_000);
  let scratch: string;
  let cc = false;
  const models = sharedDir("models");
  before(async () => {
    scratch = tempDir("build");
    cc = await haveCc();
  });
  after(() => cleanup(scratch));

  const sharedModel = (name: string) => (models && fs.existsSync(path.join(models, name, "model.onnx")) ? path.join(models, name) : undefined);

  it("compiling the same model twice gives byte-identical files", async () => {
    const inputs = [path.join(smallModel(path.join(scratch, "small")), "model.onnx")];
    for (const name of ["digits_cnn", "kws_dscnn"]) { const d = sharedModel(name); if (d) inputs.push(path.join(d, "model.onnx")); }
    for (const [i, file] of inputs.entries()) {
      const a = path.join(scratch, `det${i}a`), b = path.join(scratch, `det${i}b`);
      for (const out of [a, b]) {
        const r = await edgec("compile", file, "-o", out);
        expect(r.status, r.stderr).to.equal(0);
      }
      const ta = readTree(a), tb = readTree(b);
      expect([...ta.keys()]).to.deep.equal([...tb.keys()]);
      for (const [f, bytes] of ta) expect(bytes.equals(tb.get(f)!), `${file}: ${f} differs between runs`).to.equal(true);
    }
  });

  it("in-process compiles are deterministic too (no state leaks between compiles)", () => {
    const file = path.join(smallModel(path.join(scratch, "small2")), "model.onnx");
    const a = path.join(scratch, "inproc-a"), b = path.join(scratch, "inproc-b");
    writeCArtifact(compileFile(file), a);
    const other = sharedModel("digits_cnn");
    if (other) compileFile(path.join(other, "model.onnx"));
    writeCArtifact(compileFile(file), b);
    const ta = readTree(a), tb = readTree(b);
    for (const [f, bytes] of ta) expect(bytes.equals(tb.get(f)!), `${f} differs`).to.equal(true);
  });

  for (const name of ["(built in memory)", "digits_cnn", "kws_dscnn", "ic_resnet8", "ad_autoencoder", "vww_mobilenetv1_025"]) {
    it(`${name}: the sources build with ${PEDANTIC.join(" ")}`, async function () {
      if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
      const dir = name.startsWith("(") ? smallModel(path.join(scratch, "ped-small")) : sharedModel(name);
      if (!dir) { console.log(`  skipped: shared model ${name} not found`); this.skip(); }
      const out = path.join(scratch, `ped-${name.replace(/\W/g, "")}`);
      writeCArtifact(compileFile(path.join(dir, "model.onnx")), out);
      await buildHarness(out, { cflags: PEDANTIC });
    });
  }

  it("weights written to model_weights.bin give the same results as compiled-in weights", async function () {
    if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
    const dir = smallModel(path.join(scratch, "bin-weights"));
    const inFile = path.join(scratch, "bin-in.raw");
    fs.writeFileSync(inFile, uniform(rng(5), 72, -2, 2));
    const outputs: Buffer[] = [];
    for (const embedLimit of [1 << 20, 0]) {
      const out = path.join(scratch, `bin-weights-${embedLimit}`);
      const compiled = compileFile(path.join(dir, "model.onnx"));
      writeCArtifact(compiled, out, { embedLimit });
      const bin = path.join(out, "model_weights.bin");
      expect(fs.existsSync(bin)).to.equal(embedLimit === 0);
      expect(fs.existsSync(path.join(out, "model_weights.c"))).to.equal(embedLimit !== 0);
      if (embedLimit === 0) expect(fs.statSync(bin).size).to.equal(compiled.report.weights_bytes);
      const exe = await buildHarness(out, {});
      const y = path.join(out, "y.raw");
      const r = await runProcess(exe, [embedLimit === 0 ? bin : "-", inFile, y]);
      expect(r.status, r.stderr).to.equal(0);
      outputs.push(fs.readFileSync(y));
    }
    expect(outputs[0]!.equals(outputs[1]!)).to.equal(true);
  });

  it("the built-in-memory model runs clean under ASan and UBSan", async function () {
    if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
    const dir = smallModel(path.join(scratch, "asan-small"));
    const out = path.join(scratch, "asan-small-c");
    writeCArtifact(compileFile(path.join(dir, "model.onnx")), out);
    const exe = await buildHarness(out, { extraFlags: SANITIZE });
    const inFile = path.join(scratch, "asan-in.raw"), outFile = path.join(scratch, "asan-out.raw");
    fs.writeFileSync(inFile, uniform(rng(3), 72, -2, 2));
    // Any sanitizer report aborts the run with a non-zero status.
    const r = await runProcess(exe, ["-", inFile, outFile]);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.equal("");
    const y = new Float32Array(new Uint8Array(fs.readFileSync(outFile)).buffer);
    expect(y).to.have.length(5);
    expect(y.every((v) => v > 0 && v < 1)).to.equal(true);
    expect(y.reduce((a, b) => a + b, 0)).to.be.closeTo(1, 1e-5);
  });

  it("integer edge cases (INT_MIN negated, divided by -1 or 0, overflowing products) run clean under UBSan", async function () {
    if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
    // ONNX leaves these results undefined; the generated C must still not be undefined behaviour.
    const ops = ["Neg", "Abs", "Div", "Mod", "Mul", "Add", "Sub"];
    const dir = writeModelDir(path.join(scratch, "int-edge"), {
      inputs: [{ name: "a", dtype: "i32", shape: [6] }, { name: "b", dtype: "i32", shape: [6] }],
      outputs: ops.map((op) => ({ name: op, dtype: "i32" as const, shape: [6] })),
      nodes: ops.map((op) => ({ op, inputs: op === "Neg" || op === "Abs" ? ["a"] : ["a", "b"], outputs: [op] })),
    });
    const out = path.join(scratch, "int-edge-c");
    writeCArtifact(compileFile(path.join(dir, "model.onnx")), out);
    const exe = await buildHarness(out, { extraFlags: SANITIZE });
    const a = path.join(scratch, "a.raw"), b = path.join(scratch, "b.raw");
    fs.writeFileSync(a, new Int32Array([-2147483648, -2147483648, 2147483647, 7, -7, 65536]));
    fs.writeFileSync(b, new Int32Array([-1, 0, 2147483647, 0, -1, 65536]));
    const r = await runProcess(exe, ["-", a, b, ...ops.map((op) => path.join(scratch, `${op}.raw`))]);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.equal("");
  });

  for (const name of ["digits_cnn", "kws_dscnn", "ic_resnet8"]) {
    it(`${name} passes built with ${SANITIZE.slice(0, 2).join(" ")}`, async function () {
      if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
      const dir = sharedModel(name);
      if (!dir) { console.log(`  skipped: shared model ${name} not found`); this.skip(); }
      const res = await testDir(dir, { rtol: 1e-3, atol: 1e-5, extraFlags: SANITIZE });
      for (const r of res.results) expect(r.pass, `${r.name}: max abs ${r.maxAbs}, ${r.mismatches} mismatches`).to.equal(true);
    });
  }
});
