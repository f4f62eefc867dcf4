/**
 * @fileoverview Hostile value and node names: the model still compiles, builds warning-free and
 * runs correctly, and the generated sources hold no raw copy of any hostile text.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { testDir } from "../../compiler/testrun.ts";
import { cleanup, edgec, haveCc, tempDir } from "../helpers/cli.ts";
import { ModelSpec, writeModelDir } from "../helpers/onnx-builder.ts";

const LONG = "n".repeat(150) + "\u00e9" + "m".repeat(149);
const HOSTILE = {
  in0: 'x*/ system("rm -rf /"); /*',
  in1: 'q"uo\'te\\back\\slash" \\',
  init: "line1\nline2\r\n#include <stdlib.h>\n",
  mid: "tri??/\ngraph??=??(??)",
  out0: "\u8f93\u51fa\u{1F600}\u202e\u0000nul",
  out1: LONG,
  digit: "9lives",
  clashA: "a-b",
  clashB: "a+b",
};

/** y0 = relu(in0 * w) + in1 ; y1 = (in0 * w) - in1 ; y2 = relu(digit) ; y3 = clashA, y4 = -clashB. */
function hostileModel(): { spec: ModelSpec; inputs: number[][]; outputs: number[][] } {
  const H = HOSTILE;
  const w = [0.5, -1, 2, 3, -0.25, 1.5];
  const spec: ModelSpec = {
    inputs: [H.in0, H.in1, H.digit, H.clashA, H.clashB].map((name) => ({ name, dtype: "f32" as const, shape: [2, 3] })),
    outputs: [H.out0, H.out1, "y2" + H.mid, H.clashB + "_out", H.clashA + "_out"].map((name) => ({ name, dtype: "f32" as const, shape: [2, 3] })),
    initializers: [{ name: H.init, dtype: "f32", dims: [2, 3], data: w }],
    nodes: [
      { op: "Mul", name: H.in0 + "node", inputs: [H.in0, H.init], outputs: [H.mid] },
      { op: "Relu", name: H.init, inputs: [H.mid], outputs: [H.mid + "relu"] },
      { op: "Add", name: H.out1, inputs: [H.mid + "relu", H.in1], outputs: [H.out0] },
      { op: "Sub", name: H.clashA, inputs: [H.mid, H.in1], outputs: [H.out1] },
      { op: "Relu", name: H.clashB, inputs: [H.digit], outputs: ["y2" + H.mid] },
      { op: "Identity", name: H.digit, inputs: [H.clashA], outputs: [H.clashB + "_out"] },
      { op: "Neg", name: H.mid, inputs: [H.clashB], outputs: [H.clashA + "_out"] },
    ],
  };
  const x = [1, -2, 3, -4, 5, -6], b = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
  const d = [-1, 1, -2, 2, 0, 3], ca = [7, 8, 9, 10, 11, 12], cb = [-7, -8, -9, -10, -11, -12];
  const m = x.map((v, i) => Math.fround(v * w[i]!));
  const outputs = [
    m.map((v, i) => Math.fround(Math.max(v, 0) + b[i]!)),
    m.map((v, i) => Math.fround(v - b[i]!)),
    d.map((v) => Math.max(v, 0)),
    ca,
    cb.map((v) => -v),
  ];
  return { spec, inputs: [x, b, d, ca, cb], outputs };
}

/** The source with its string literals removed (they hold names, escaped in octal). */
const outsideStrings = (src: string) => src.replace(/"(?:[^"\\\n]|\\.)*"/g, '""');

describe("hostile names (C target)", function () {
  this.timeout(300_000);
  let scratch: string;
  let cc = false;
  before(async () => {
    scratch = tempDir("security");
    cc = await haveCc();
  });
  after(() => cleanup(scratch));

  function writeHostile(): string {
    const { spec, inputs, outputs } = hostileModel();
    const toSpec = (names: { name: string }[], vals: number[][]) => vals.map((data, i) => ({ name: names[i]!.name, dtype: "f32" as const, dims: [2, 3], data }));
    return writeModelDir(path.join(scratch, "model"), spec, toSpec(spec.inputs, inputs), toSpec(spec.outputs, outputs));
  }

  it("compile, build with -Werror and sanitizers, run and match the expected outputs", async function () {
    if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
    const dir = writeHostile();
    const res = await testDir(dir, { rtol: 1e-6, atol: 1e-7, extraFlags: ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"] });
    expect(res.results).to.have.length(5);
    for (const r of res.results) expect(r.pass, `${JSON.stringify(r.name)}: max abs ${r.maxAbs}, ${r.mismatches} mismatches`).to.equal(true);
  });

  it("keep every hostile name out of the generated sources except as escaped string literals", async () => {
    const dir = writeHostile();
    const out = path.join(scratch, "out");
    const r = await edgec("compile", path.join(dir, "model.onnx"), "-o", out);
    expect(r.status, r.stderr).to.equal(0);
    const sources = fs.readdirSync(out).filter((f) => /\.[ch]$/.test(f) && f.startsWith("model"));
    expect(sources).to.include.members(["model.c", "model.h", "model_weights.c"]);
    const fragments = ["system(", "rm -rf", "*/ ", "/*\"", "??/", "??=", "??(", "#include <stdlib", "line1\n", "\\back",
      "'te", "\u8f93", "\u202e", "\u00e9", "a-b", "a+b", "n".repeat(60)];
    for (const f of sources) {
      const src = fs.readFileSync(path.join(out, f), "utf8");
      expect(/^[\x09\x0a\x20-\x7e]*$/.test(src), `${f} holds only printable ASCII`).to.equal(true);
      const code = outsideStrings(src);
      for (const frag of fragments) expect(code.includes(frag), `${f} contains ${JSON.stringify(frag)}`).to.equal(false);
      // Outside string literals nothing may be a trigraph, and no line may end in a backslash.
      expect(code).not.to.match(/\?\?[=/'()!<>-]/);
      expect(code).not.to.match(/\\\n/);
      // Identifiers stay short enough for any C99 compiler (63 significant characters).
      for (const id of code.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []) expect(id.length, id).to.be.at.most(63);
    }
    // The descriptors keep the exact names, so hosts can look tensors up by their ONNX name.
    const c = fs.readFileSync(path.join(out, "model.c"), "utf8");
    const literals = c.match(/"(?:[^"\\\n]|\\.)*"/g) ?? [];
    const decoded = literals.map((l) => Buffer.from(l.slice(1, -1).replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8))), "latin1").toString("utf8"));
    for (const name of [HOSTILE.in0, HOSTILE.in1, HOSTILE.out0, HOSTILE.out1, HOSTILE.digit, HOSTILE.clashA, HOSTILE.clashB])
      expect(decoded, JSON.stringify(name)).to.include(name);
  });

  it("two input names that sanitize alike get distinct C parameters", async () => {
    const out = path.join(scratch, "out");
    if (!fs.existsSync(out)) {
      const r = await edgec("compile", path.join(writeHostile(), "model.onnx"), "-o", out);
      expect(r.status, r.stderr).to.equal(0);
    }
    const h = fs.readFileSync(path.join(out, "model.h"), "utf8");
    const sig = /int model_run\(([^)]*)\)/.exec(h)![1]!;
    const params = sig.split(",").map((p) => /([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(p.trim())![1]!);
    expect(new Set(params).size).to.equal(params.length);
    expect(params).to.have.length(2 + 5 + 5);
  });
});
