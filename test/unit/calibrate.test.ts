/**
 * @fileoverview Calibration methods on synthetic tensors with a known distribution, and the
 * scale/zero-point/weight arithmetic of the quantize pass.
 */
import { expect } from "chai";
import { TensorStats } from "../../passes/calibrate.ts";
import { activationParams, quantizeWeights, roundEven } from "../../passes/quantize.ts";
import { rng } from "../helpers/onnx-builder.ts";

function gaussian(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));
}

function stats(batches: Float32Array[]): TensorStats {
  const s = new TensorStats();
  for (const b of batches) s.observeRange(b);
  for (const b of batches) s.observeHistogram(b);
  return s;
}

describe("calibration methods", () => {
  it("N(0,1) with one outlier at 50: minmax keeps it, percentile clips near 3.9 sigma, entropy clips it too", () => {
    const x = gaussian(200_000, 7);
    x[123] = 50;
    const s = stats([x.subarray(0, 100_000), x.subarray(100_000)]);
    const mm = s.range("minmax"), pc = s.range("percentile", 99.99), en = s.range("entropy");
    expect(mm.max).to.equal(50);
    // P(|x| > 3.89) = 1e-4 for a standard normal; bins are 50/2048 wide.
    expect(pc.max).to.be.within(3.89 - 0.1, 3.89 + 0.1);
    expect(pc.min).to.be.within(-3.99, -3.79);
    // KL with 128 levels per side settles a few sigma out: well below the outlier, near the tail.
    expect(en.max).to.be.within(2.5, 6);
    expect(en.min).to.equal(-en.max);
  });

  it("a one-sided uniform [0, 1) tensor: percentile 99 cuts 1%, entropy keeps (almost) everything", () => {
    const r = rng(3);
    const u = Float32Array.from({ length: 100_000 }, () => r());
    const s = stats([u]);
    expect(s.range("minmax").min).to.equal(0);
    expect(s.range("percentile", 99).max).to.be.within(0.985, 0.995);
    expect(s.range("entropy").max).to.be.above(0.9);
  });

  it("exact zeros (ReLU's) do not pull the entropy threshold down", () => {
    const r = rng(5);
    const relu = Float32Array.from({ length: 100_000 }, (_, i) => (i % 2 ? 0 : r()));
    expect(stats([relu]).range("entropy").max).to.be.above(0.9);
  });
});

describe("quantization parameters", () => {
  it("a ReLU range [0, 2.55] is scale 0.01 with zero point -128 (s8) or 0 (u8)", () => {
    const s8 = activationParams({ min: 0, max: 2.55 }, "s8"), u8 = activationParams({ min: 0, max: 2.55 }, "u8");
    expect(s8.scale).to.be.closeTo(0.01, 1e-9);
    expect(s8.zp).to.equal(-128);
    expect(u8.zp).to.equal(0);
    // A two-sided range keeps 0 exact: zero point = round(-128 - min/scale).
    const two = activationParams({ min: -1, max: 3 }, "s8");
    expect(two.zp).to.equal(Math.round(-128 + 1 / two.scale));
  });

  it("weights are symmetric per output channel in [-127, 127], or per tensor", () => {
    const w = { dtype: "f32" as const, shape: [2, 3], data: Float32Array.of(1, -0.5, 0.25, -8, 4, 2) };
    const pc = quantizeWeights(w, 0, false);
    expect(Array.from(pc.scales)).to.deep.equal([Math.fround(1 / 127), Math.fround(8 / 127)]);
    expect(Array.from(pc.q)).to.deep.equal([127, -64, 32, -127, 64, 32]);
    const pcCols = quantizeWeights(w, 1, false);
    expect(pcCols.scales.length).to.equal(3);
    expect(Array.from(pcCols.q.slice(3))).to.deep.equal([-127, 127, 127]);
    const pt = quantizeWeights(w, 0, true);
    expect(pt.scales.length).to.equal(1);
    expect(Array.from(pt.q)).to.deep.equal([16, -8, 4, -127, 64, 32]);
  });

  it("rounds half to even, as QuantizeLinear does", () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4].map(roundEven)).to.deep.equal([0, 2, 2, -0, -2, 2]);
  });
});
