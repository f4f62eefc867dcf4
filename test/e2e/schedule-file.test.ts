/**
 * @fileoverview Schedules as data: report.json lists each tiled kernel's knobs and tiles, and
 * `--schedule FILE` gives edited knobs back per node: the tiles change, the outputs do not.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { cleanup, edgec, haveCc, tempDir } from "../helpers/cli.ts";
import { ModelSpec, TensorSpec } from "../helpers/onnx-builder.ts";
import { writeCase } from "../helpers/ort-reference.ts";

const w = (name: string, dims: number[]): TensorSpec => ({
  name, dtype: "f32", dims, data: Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => ((i * 7) % 11) / 10 - 0.5),
});

const SPEC: ModelSpec = {
  opset: 13, inputs: [{ name: "x", dtype: "f32", shape: [1, 8, 12, 12] }], outputs: [{ name: "y", dtype: "f32" }],
  nodes: [
    { op: "Conv", name: "conv", inputs: ["x", "w", "b"], outputs: ["c"], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
    { op: "Relu", name: "relu", inputs: ["c"], outputs: ["y"] },
  ],
  initializers: [w("w", [24, 8, 3, 3]), w("b", [24])],
};

interface Sched { kernel: string; node: string; op: string; config: Record<string, unknown>; tiles: { rows: number; width: number; epilogueInTile: boolean }[] }
const schedulesOf = (dir: string): Sched[] => JSON.parse(fs.readFileSync(path.join(dir, "report.json"), "utf8")).schedules;

describe("schedules as data (report.json schedules, --schedule FILE)", function () {
  this.timeout(300_000);
  let dir: string | undefined;
  let cc = false;
  before(async () => {
    cc = await haveCc();
    dir = tempDir("schedule");
    const x = Array.from({ length: 8 * 144 }, (_, i) => Math.sin(i));
    await writeCase(path.join(dir, "case"), SPEC, [{ x: { dtype: "f32", dims: [1, 8, 12, 12], data: x } }]);
  });
  after(() => cleanup(dir));

  it("lists the tiled kernel with its node, knobs and tile; edited knobs change the tile and C, not the outputs", async function () {
    const model = path.join(dir!, "case", "model.onnx");
    const a = path.join(dir!, "a"), b = path.join(dir!, "b");
    expect((await edgec("compile", model, "-o", a)).status).to.equal(0);
    const [s] = schedulesOf(a);
    expect(s).to.include({ kernel: "k0", node: "conv+fused" });
    expect(s!.config).to.deep.equal({ accs: 128, width: 16 });
    expect(s!.tiles).to.deep.equal([{ rows: 8, width: 12, epilogueInTile: false }]);
    // The zero-padded copy of x (8 x 14 x 14 floats) is the schedule's scratch, not a graph tensor.
    const rep = JSON.parse(fs.readFileSync(path.join(a, "report.json"), "utf8"));
    expect([rep.tensors_lower_bound_bytes, rep.scratch_bytes, rep.arena_lower_bound_bytes]).to.deep.equal([0, 8 * 14 * 14 * 4, 8 * 14 * 14 * 4]);

    const file = path.join(dir!, "schedule.json");
    fs.writeFileSync(file, JSON.stringify({ schedules: [{ ...s, config: { accs: 12, width: 4, epilogueInTile: true } }] }));
    expect((await edgec("compile", model, "-o", b, "--schedule", file)).status).to.equal(0);
    const [t] = schedulesOf(b);
    expect(t!.config).to.deep.equal({ accs: 12, width: 4, epilogueInTile: true });
    expect(t!.tiles).to.deep.equal([{ rows: 3, width: 4, epilogueInTile: true }]);
    expect(fs.readFileSync(path.join(b, "model.c"), "utf8")).to.not.equal(fs.readFileSync(path.join(a, "model.c"), "utf8"));
    if (!cc) { console.log("  run skipped: no C compiler 'cc' on PATH"); return; }
    for (const extra of [[], ["--schedule", file]]) {
      const res = await edgec("test", path.join(dir!, "case"), "--sanitize", ...extra);
      expect(res.status, `${extra.join(" ")}: ${res.stdout}${res.stderr}`).to.equal(0);
    }
  });

  it("how padding is read is a knob: in place on x86-64-v4 by default, from a padded copy when the schedule says so", async function () {
    const model = path.join(dir!, "case", "model.onnx");
    const a = path.join(dir!, "pad-a"), b = path.join(dir!, "pad-b");
    expect((await edgec("compile", model, "--target", "x86-64-v4", "-o", a)).status).to.equal(0);
    const [s] = schedulesOf(a);
    expect(s!.config).to.include({ padInPlace: true, stridedLoads: true, vectors: 16 });
    const scratch = (d: string) => JSON.parse(fs.readFileSync(path.join(d, "report.json"), "utf8")).scratch_bytes;
    expect(scratch(a)).to.equal(0);
    const file = path.join(dir!, "pad.json");
    fs.writeFileSync(file, JSON.stringify([{ node: s!.node, config: { padInPlace: false } }]));
    expect((await edgec("compile", model, "--target", "x86-64-v4", "-o", b, "--schedule", file)).status).to.equal(0);
    expect(schedulesOf(b)[0]!.config).to.include({ padInPlace: false });
    expect(scratch(b)).to.equal(8 * 14 * 14 * 4);
    if (!cc) { console.log("  run skipped: no C compiler 'cc' on PATH"); return; }
    const res = await edgec("test", path.join(dir!, "case"), "--target", "x86-64-v4", "--schedule", file);
    expect(res.status, `${res.stdout}${res.stderr}`).to.equal(0);
  });

  it("a schedule naming an unknown node or knob is a one-line error and writes nothing", async function () {
    const model = path.join(dir!, "case", "model.onnx");
    const cases: [unknown, RegExp][] = [
      [{ schedules: [{ node: "nope", config: { width: 4 } }] }, /the schedule names node "nope", which no kernel/],
      [[{ node: "conv+fused", config: { unroll: 4 } }], /node "conv\+fused": unknown knob "unroll"/],
      [[{ node: "conv+fused", config: { width: 0 } }], /width must be an integer from 1 to 4096, not 0/],
      [[{ node: "conv+fused", config: { padInPlace: 1 } }], /padInPlace must be true or false/],
      [{ kernels: 1 }, /expected a list of schedules/],
    ];
    for (const [doc, re] of cases) {
      const file = path.join(dir!, "bad.json"), out = path.join(dir!, "bad-out");
      fs.writeFileSync(file, JSON.stringify(doc));
      const res = await edgec("compile", model, "-o", out, "--schedule", file);
      expect(res.status).to.equal(1);
      expect(res.stderr.trim().split("\n")).to.have.length(1);
      expect(res.stderr).to.match(re);
      expect(fs.existsSync(out)).to.equal(false);
    }
  });
});
