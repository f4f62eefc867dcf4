/**
 * @fileoverview The tuner's parts that need no machine: the search space and its moves, the
 * seeded generator, rank correlation, the cost model on a known function, and which log record
 * a workload takes.
 */
import { expect } from "chai";
import { CostModel, spearman } from "../../compiler/tune/cost-model.ts";
import { TuneRecord, bestRecords } from "../../compiler/tune/log.ts";
import { fromKey } from "../../compiler/tune/search.ts";
import { Candidate, candidateKey, crossover, defaultCandidate, knobsOf, mutate, randomCandidate, rng, spaceOf } from "../../compiler/tune/space.ts";
import { Workload } from "../../compiler/tune/workloads.ts";

const W: Workload = {
  key: "k", op: "Conv", nodes: ["a", "b"], config: { accs: 384, width: 32, vectors: 16, padInPlace: true, stridedLoads: true },
  tile: { rows: 12, width: 32, lanes: 16, epilogueInTile: true }, outElems: 4096, inElems: 8192,
};

describe("edgec tune: space, generator, cost model, log", () => {
  it("candidates round-trip through their keys and stay in the space under every move", () => {
    const s = spaceOf(W), r = rng(7), d = defaultCandidate(W);
    expect(d).to.deep.equal({ rows: 12, width: 32, rblock: 0, epilogueInTile: false, padInPlace: true, stridedLoads: true });
    expect(knobsOf(d)).to.deep.equal({ accs: 384, width: 32, epilogueInTile: false, padInPlace: true, stridedLoads: true });
    let c: Candidate = d;
    for (let i = 0; i < 500; i++) {
      c = i % 3 === 0 ? mutate(r, s, c) : i % 3 === 1 ? crossover(r, c, randomCandidate(r, s, d)) : randomCandidate(r, s, d);
      expect(fromKey(candidateKey(c))).to.deep.equal(c);
      expect(s.rows).to.include(c.rows);
      expect(s.width).to.include(c.width);
      expect(s.rblock).to.include(c.rblock);
      expect(c.width % 16).to.equal(0);
    }
  });

  it("the generator repeats from its seed and differs between seeds", () => {
    const a = rng(3), b = rng(3), c = rng(4);
    const xs = Array.from({ length: 8 }, () => a());
    expect(Array.from({ length: 8 }, () => b())).to.deep.equal(xs);
    expect(Array.from({ length: 8 }, () => c())).to.not.deep.equal(xs);
    for (const x of xs) expect(x).to.be.within(0, 1);
  });

  it("Spearman's rho: 1 for a monotone map, -1 reversed, ties averaged", () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 300, 4000])).to.be.closeTo(1, 1e-12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).to.be.closeTo(-1, 1e-12);
    expect(spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])).to.be.closeTo(0.8, 1e-12);
    expect(spearman([1, 1, 2], [1, 2, 3])).to.be.closeTo(0.8660254, 1e-6);
    expect(Number.isNaN(spearman([1, 2], [1, 2]))).to.equal(true);
  });

  it("the cost model ranks unseen candidates of a known cost function", () => {
    // Cost falls with rows up to 12, then rises (register spills); width 32 beats 16.
    const cost = (c: Candidate) => Math.abs(c.rows - 12) + (c.width === 32 ? 0 : 5) + c.rblock / 256;
    const r = rng(11), s = spaceOf(W), d = defaultCandidate(W);
    const all = Array.from({ length: 300 }, () => randomCandidate(r, s, d));
    const train = all.slice(0, 200), test = all.slice(200);
    const m = new CostModel(1);
    const { features } = { features: (c: Candidate) => [c.rows, c.width, c.rblock, +c.epilogueInTile] };
    m.train(train.map((c) => ({ x: features(c), y: cost(c) })));
    expect(m.trained).to.equal(true);
    expect(spearman(m.predict(test.map(features)), test.map(cost))).to.be.greaterThan(0.8);
  });

  it("a workload takes the candidate measured at least twice below 0.98 of the default, the earlier on ties", () => {
    const rec = (workload: string, candidate: string, rel: number | null, error?: string): TuneRecord => ({
      workload, target: "t", op: "Conv", node: "n", candidate, config: knobsOf(fromKey(candidate)), cost_us: rel, rel, round: 0, edgec: "", cc: "", ...(error ? { error } : {}),
    });
    const best = bestRecords([
      rec("w1", "12x32/r0/011", 1),
      rec("w1", "8x32/r0/011", 0.9), rec("w1", "8x32/r0/011", 0.95),
      rec("w1", "6x32/r0/011", 0.5),
      rec("w1", "4x32/r0/011", 0.9), rec("w1", "4x32/r0/011", 0.95),
      rec("w2", "8x32/r0/011", 0.9), rec("w2", "8x32/r0/011", 0.99),
      rec("w3", "8x32/r0/011", 0.5), rec("w3", "8x32/r0/011", null, "output differs"),
      { ...rec("w4", "8x32/r0/011", 0.5), target: "other" }, { ...rec("w4", "8x32/r0/011", 0.5), target: "other" },
    ], "t");
    expect([...best.keys()]).to.deep.equal(["w1"]);
    expect(best.get("w1")!.candidate).to.equal("8x32/r0/011");
  });
});
