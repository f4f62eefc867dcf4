/**
 * @fileoverview `edgec tune` and `--tuning-log`: a tune logs every measurement, resumes without
 * measuring again what its log holds, and a log applies only candidates measured faster twice,
 * giving the same bytes every time and outputs that still match.
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

/** Two identical convs (one workload) and a third of another shape. */
const SPEC: ModelSpec = {
  opset: 13, inputs: [{ name: "x", dtype: "f32", shape: [1, 16, 14, 14] }], outputs: [{ name: "y", dtype: "f32" }],
  nodes: [
    { op: "Conv", name: "c1", inputs: ["x", "w1", "b1"], outputs: ["a"], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
    { op: "Relu", name: "r1", inputs: ["a"], outputs: ["ar"] },
    { op: "Conv", name: "c2", inputs: ["ar", "w2", "b2"], outputs: ["b"], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
    { op: "Relu", name: "r2", inputs: ["b"], outputs: ["br"] },
    { op: "Conv", name: "c3", inputs: ["br", "w3", "b3"], outputs: ["y"], attrs: { kernel_shape: [1, 1] } },
  ],
  initializers: [w("w1", [16, 16, 3, 3]), w("b1", [16]), w("w2", [16, 16, 3, 3]), w("b2", [16]), w("w3", [32, 16, 1, 1]), w("b3", [32])],
};

interface Rec { workload: string; node: string; candidate: string; config: Record<string, unknown>; cost_us: number | null; rel: number | null; error?: string; round: number }
const readLog = (f: string): Rec[] => fs.readFileSync(f, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Rec);
const report = (d: string) => JSON.parse(fs.readFileSync(path.join(d, "report.json"), "utf8")) as { tuned?: string[]; schedules: { node: string; config: Record<string, unknown> }[] };

describe("edgec tune, --tuning-log", function () {
  this.timeout(600_000);
  let dir: string | undefined;
  let cc = false;
  before(async () => {
    cc = await haveCc();
    dir = tempDir("tune");
    const x = Array.from({ length: 16 * 196 }, (_, i) => Math.sin(i));
    await writeCase(path.join(dir, "case"), SPEC, [{ x: { dtype: "f32", dims: [1, 16, 14, 14], data: x } }]);
  });
  after(() => cleanup(dir));

  it("logs each workload's default and candidates, and a resumed tune measures nothing again", async function () {
    if (!cc) return this.skip();
    const log = path.join(dir!, "tune.jsonl");
    const first = await edgec("tune", path.join(dir!, "case"), "--target", "native", "-o", log, "--trials", "3", "--time-budget", "5m");
    expect(first.stderr + first.stdout).to.match(/tuned 2 workloads/);
    expect(first.status).to.equal(0);
    const a = readLog(log);
    const keys = [...new Set(a.map((r) => r.workload))];
    expect(keys).to.have.length(2);
    for (const k of keys) {
      const rs = a.filter((r) => r.workload === k && !r.error);
      // The default against itself is the first record: its relative cost is noise around 1.
      expect(rs[0]!.rel).to.be.within(0.5, 2);
      expect(new Set(rs.map((r) => r.candidate)).size).to.be.at.least(3);
      for (const r of rs) expect(r.cost_us).to.be.greaterThan(0);
    }
    expect(a.filter((r) => r.workload === keys[0]).map((r) => r.node)).to.satisfy((ns: string[]) => ns.every((n) => n === ns[0]));

    const second = await edgec("tune", path.join(dir!, "case"), "--target", "native", "-o", log, "--trials", "5", "--time-budget", "5m");
    expect(second.status).to.equal(0);
    const b = readLog(log).slice(a.length);
    expect(b.length).to.be.greaterThan(0);
    expect(Math.min(...b.map((r) => r.round))).to.be.greaterThan(Math.max(...a.map((r) => r.round)));
    // Nothing measured twice except a candidate's one confirming repeat; the default never again.
    const count = new Map<string, number>();
    for (const r of [...a, ...b]) count.set(`${r.workload} ${r.candidate}`, (count.get(`${r.workload} ${r.candidate}`) ?? 0) + 1);
    for (const [k, n] of count) expect(n, k).to.be.at.most(2);
    for (const k of keys) expect(b.filter((r) => r.workload === k && r.candidate === a.find((x) => x.workload === k)!.candidate)).to.have.length(0);
  });

  it("applies a candidate measured faster twice, not one measured once; same bytes every time; outputs match", async function () {
    if (!cc) return this.skip();
    const base = readLog(path.join(dir!, "tune.jsonl"));
    const conv3 = base.find((r) => r.node === "c3")!, conv12 = base.find((r) => r.node.startsWith("c1"))!;
    const rec = (r: Rec, candidate: string, config: Record<string, unknown>, rel: number, round: number) =>
      JSON.stringify({ ...r, candidate, config, cost_us: 1, rel, round });
    const log = path.join(dir!, "hand.jsonl");
    fs.writeFileSync(log, [
      rec(conv3, "2x8/r0/100", { accs: 16, width: 8, epilogueInTile: true, padInPlace: false, stridedLoads: false }, 0.5, 1),
      rec(conv3, "2x8/r0/100", { accs: 16, width: 8, epilogueInTile: true, padInPlace: false, stridedLoads: false }, 0.6, 2),
      rec(conv12, "1x8/r0/000", { accs: 8, width: 8, epilogueInTile: false, padInPlace: false, stridedLoads: false }, 0.5, 1),
      '{"workload": "torn',
    ].join("\n"));
    const out1 = path.join(dir!, "o1"), out2 = path.join(dir!, "o2");
    for (const o of [out1, out2]) {
      const r = await edgec("compile", path.join(dir!, "case", "model.onnx"), "--target", "native", "--tuning-log", log, "-o", o);
      expect(r.status, r.stderr).to.equal(0);
    }
    const rep = report(out1);
    expect(rep.tuned).to.deep.equal(["c3"]);
    expect(rep.schedules.find((s) => s.node === "c3")!.config).to.include({ accs: 16, width: 8 });
    for (const f of fs.readdirSync(out1)) expect(fs.readFileSync(path.join(out1, f)).equals(fs.readFileSync(path.join(out2, f))), f).to.equal(true);
    const t = await edgec("test", path.join(dir!, "case"), "--target", "native", "--tuning-log", log);
    expect(t.status, t.stdout + t.stderr).to.equal(0);
    expect(t.stdout).to.match(/^PASS$/m);
  });

  it("bad logs and targets are one-line errors", async () => {
    const bad = path.join(dir!, "bad.jsonl");
    fs.writeFileSync(bad, "not json\n{}\n");
    const r1 = await edgec("compile", path.join(dir!, "case", "model.onnx"), "--target", "native", "--tuning-log", bad, "-o", path.join(dir!, "ob"));
    expect(r1.status).to.equal(1);
    expect(r1.stderr.trim().split("\n")).to.have.length(1);
    expect(r1.stderr).to.match(/tuning log .*line 1 is not JSON/);
    expect(fs.existsSync(path.join(dir!, "ob"))).to.equal(false);
    const r2 = await edgec("compile", path.join(dir!, "case", "model.onnx"), "--target", "native", "--tuning-log", path.join(dir!, "none.jsonl"), "-o", path.join(dir!, "ob"));
    expect(r2.stderr).to.match(/--tuning-log .*no such file/);
    const r3 = await edgec("tune", path.join(dir!, "case"), "--target", "aarch64", "-o", path.join(dir!, "x.jsonl"));
    expect(r3.status).to.equal(1);
    expect(r3.stderr).to.match(/--target aarch64: tune measures on this machine/);
  });
});
