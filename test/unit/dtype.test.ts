/**
 * @fileoverview f16 and bf16 bit conversions: exact round trips, rounding to nearest even,
 * subnormals, infinities and NaN.
 */
import { expect } from "chai";
import { arrayFromBytes, bf16ToF32, byteSize, bytesOf, f16ToF32, f32ToBf16, f32ToF16, fromOnnxCode, onnxCode, ALL_DTYPES } from "../../ir/dtype.ts";

const isNaN16 = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
const isNaNbf = (h: number) => (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0;

describe("dtype: f16", () => {
  it("every non-NaN f16 pattern round-trips through f32 exactly", () => {
    for (let h = 0; h < 0x10000; h++) {
      if (isNaN16(h)) continue;
      expect(f32ToF16(f16ToF32(h)), `0x${h.toString(16)}`).to.equal(h);
    }
  });

  it("decodes known values", () => {
    expect(f16ToF32(0x3c00)).to.equal(1);
    expect(f16ToF32(0xc000)).to.equal(-2);
    expect(f16ToF32(0x7bff)).to.equal(65504);
    expect(f16ToF32(0x0001)).to.equal(2 ** -24); // smallest subnormal
    expect(f16ToF32(0x03ff)).to.equal(1023 * 2 ** -24); // largest subnormal
    expect(f16ToF32(0x0400)).to.equal(2 ** -14); // smallest normal
    expect(f16ToF32(0x7c00)).to.equal(Infinity);
    expect(f16ToF32(0xfc00)).to.equal(-Infinity);
    expect(Object.is(f16ToF32(0x8000), -0)).to.equal(true);
    expect(f16ToF32(0x7e00)).to.be.NaN;
  });

  it("rounds to nearest, ties to even", () => {
    expect(f32ToF16(1 + 2 ** -11)).to.equal(0x3c00); // tie, even stays
    expect(f32ToF16(1 + 3 * 2 ** -11)).to.equal(0x3c02); // tie, odd rounds up
    expect(f32ToF16(1 + 2 ** -11 + 2 ** -20)).to.equal(0x3c01); // above the tie
    expect(f32ToF16(65519)).to.equal(0x7bff);
    expect(f32ToF16(65520)).to.equal(0x7c00); // rounds to infinity
    expect(f32ToF16(1e10)).to.equal(0x7c00);
    expect(f32ToF16(-1e10)).to.equal(0xfc00);
  });

  it("handles subnormals, underflow and signed zero", () => {
    expect(f32ToF16(2 ** -24)).to.equal(0x0001);
    expect(f32ToF16(2 ** -25)).to.equal(0x0000); // tie to even: 0
    expect(f32ToF16(3 * 2 ** -26)).to.equal(0x0001); // 0.75 ulp rounds up
    expect(f32ToF16(3 * 2 ** -25)).to.equal(0x0002); // 1.5 ulp: tie to even
    expect(f32ToF16(2 ** -30)).to.equal(0x0000);
    expect(f32ToF16(-(2 ** -30))).to.equal(0x8000);
    expect(f32ToF16(-0)).to.equal(0x8000);
    expect(f32ToF16(1023.5 * 2 ** -24)).to.equal(0x0400); // rounds up into the normals
  });

  it("keeps NaN a NaN and infinities infinite", () => {
    expect(isNaN16(f32ToF16(NaN))).to.equal(true);
    expect(f32ToF16(Infinity)).to.equal(0x7c00);
    expect(f32ToF16(-Infinity)).to.equal(0xfc00);
  });
});

describe("dtype: bf16", () => {
  it("every non-NaN bf16 pattern round-trips through f32 exactly", () => {
    for (let h = 0; h < 0x10000; h++) {
      if (isNaNbf(h)) continue;
      expect(f32ToBf16(bf16ToF32(h)), `0x${h.toString(16)}`).to.equal(h);
    }
  });

  it("rounds to nearest even and overflows to infinity", () => {
    expect(bf16ToF32(0x3f80)).to.equal(1);
    expect(f32ToBf16(1 + 2 ** -8)).to.equal(0x3f80);
    expect(f32ToBf16(1 + 3 * 2 ** -8)).to.equal(0x3f82);
    expect(f32ToBf16(1 + 2 ** -8 + 2 ** -20)).to.equal(0x3f81);
    expect(f32ToBf16(3.4028234663852886e38)).to.equal(0x7f80);
    expect(f32ToBf16(-Infinity)).to.equal(0xff80);
    expect(f32ToBf16(2 ** -133)).to.equal(0x0001); // bf16 subnormal
    expect(bf16ToF32(0x0001)).to.equal(2 ** -133);
  });

  it("keeps NaN a NaN", () => {
    expect(isNaNbf(f32ToBf16(NaN))).to.equal(true);
    expect(bf16ToF32(0x7fc0)).to.be.NaN;
  });
});

describe("dtype: codes and storage", () => {
  it("ONNX codes map both ways and unsupported codes are named", () => {
    for (const t of ALL_DTYPES) expect(fromOnnxCode(onnxCode(t))).to.equal(t);
    expect(fromOnnxCode(8)).to.deep.equal({ unsupported: "string" });
    expect(fromOnnxCode(14)).to.deep.equal({ unsupported: "complex64" });
    expect(fromOnnxCode(999)).to.deep.equal({ unsupported: "element type code 999" });
  });

  it("arrayFromBytes reads little-endian bytes at any alignment", () => {
    const src = new Uint8Array(1 + 8);
    new DataView(src.buffer).setFloat64(1, -1.5, true);
    const a = arrayFromBytes("f64", src.subarray(1));
    expect(a[0]).to.equal(-1.5);
    for (const t of ALL_DTYPES) expect(bytesOf(arrayFromBytes(t, new Uint8Array(byteSize(t) * 3))).length).to.equal(byteSize(t) * 3);
  });
});
