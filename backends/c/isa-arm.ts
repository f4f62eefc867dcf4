/**
 * @fileoverview Intrinsic table of AArch64 Advanced SIMD (NEON, ACLE names from arm_neon.h).
 * Like the x86 tables every lane sits in a 32-bit container: f32 lanes in float32x4_t, every
 * integer in int32x4_t (narrower ones sign- or zero-extended), bools as all-ones uint32x4_t lane
 * masks. Masked loads and stores, and the stride-2 load, read or write only the elements they
 * name, so a load at a buffer's edge never touches memory past it.
 */
import { VecIsa } from "./vector-isa.ts";

const SIGNED = ["i32", "i16", "i8", "u16", "u8"] as const;
const INTS = [...SIGNED, "u32"] as const;
const CMP: Record<string, string> = { eq: "vceqq", lt: "vcltq", le: "vcleq", gt: "vcgtq", ge: "vcgeq" };
const ROUND: Record<string, string> = { floor: "vrndmq_f32", ceil: "vrndpq_f32", trunc: "vrndq_f32", round: "vrndnq_f32" };
/** Integer conversions into a narrower type: keep the low bits, sign- or zero-extended in the container. */
const NARROW: Record<string, string> = {
  i8: "vshrq_n_s32(vshlq_n_s32($0, 24), 24)", i16: "vshrq_n_s32(vshlq_n_s32($0, 16), 16)",
  u8: "vandq_s32($0, vdupq_n_s32(0xFF))", u16: "vandq_s32($0, vdupq_n_s32(0xFFFF))", i32: "$0", u32: "$0",
};
/** Saturating float to integer (NaN to 0), as edgec_f2i8..edgec_f2u32: FCVTZS/FCVTZU then a clamp. */
const F2I: Record<string, string> = {
  i32: "vcvtq_s32_f32($0)", u32: "vreinterpretq_s32_u32(vcvtq_u32_f32($0))",
  i8: "vmaxq_s32(vminq_s32(vcvtq_s32_f32($0), vdupq_n_s32(127)), vdupq_n_s32(-128))",
  i16: "vmaxq_s32(vminq_s32(vcvtq_s32_f32($0), vdupq_n_s32(32767)), vdupq_n_s32(-32768))",
  u8: "vmaxq_s32(vminq_s32(vcvtq_s32_f32($0), vdupq_n_s32(0xFF)), vdupq_n_s32(0))",
  u16: "vmaxq_s32(vminq_s32(vcvtq_s32_f32($0), vdupq_n_s32(0xFFFF)), vdupq_n_s32(0))",
};
const U = (x: string) => `vreinterpretq_u32_s32(${x})`;

/** A helper that loads lanes where mask m is set and 0 elsewhere, reading nothing else. */
function maskedLoad(name: string, vt: string, et: string, ld: string, zero: string, stride = 1, all = `${ld}(p)`): string[] {
  return [
    `static inline ${vt} ${name}(const ${et} *p, uint32x4_t m) {`,
    `  ${et} r[4]; uint32_t k[4]; int l;`,
    `  if (vminvq_u32(m)) return ${all};`,
    "  vst1q_u32(k, m);",
    `  for (l = 0; l < 4; ++l) r[l] = k[l] ? p[${stride === 1 ? "l" : `${stride} * l`}] : ${zero};`,
    `  return ${ld}(r);`,
    "}",
  ];
}

function maskedStore(name: string, vt: string, et: string, st: string): string[] {
  return [
    `static inline void ${name}(${et} *p, ${vt} v, uint32x4_t m) {`,
    `  ${et} x[4]; uint32_t k[4]; int l;`,
    `  if (vminvq_u32(m)) { ${st}(p, v); return; }`,
    `  ${st}(x, v); vst1q_u32(k, m);`,
    "  for (l = 0; l < 4; ++l) if (k[l]) p[l] = x[l];",
    "}",
  ];
}

/** Four bytes widened to 32-bit lanes (S: s or u), reading p[0..3] only. */
function loadBytes(name: string, s: "s" | "u"): string[] {
  const et = s === "s" ? "int8_t" : "uint8_t", b = `${s}8`;
  const wide = s === "s" ? "vmovl_s16(vget_low_s16(vmovl_s8(v)))" : "vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(vmovl_u8(v))))";
  return [
    `static inline int32x4_t ${name}(const ${et} *p) {`,
    `  ${b === "s8" ? "int8x8_t" : "uint8x8_t"} v = vld1_lane_${b}(p + 3, vld1_lane_${b}(p + 2, vld1_lane_${b}(p + 1, vld1_dup_${b}(p), 1), 2), 3);`,
    `  return ${wide};`,
    "}",
  ];
}

/** The low byte of each lane stored to p[0..3]; `half` narrows v to 16-bit lanes in h. */
function storeBytes(name: string, vt: string, half: string): string[] {
  return [
    `static inline void ${name}(uint8_t *p, ${vt} v) {`,
    `  uint16x4_t h = ${half};`,
    "  uint8x8_t n = vmovn_u16(vcombine_u16(h, h));",
    "  vst1_lane_u8(p, n, 0); vst1_lane_u8(p + 1, n, 1); vst1_lane_u8(p + 2, n, 2); vst1_lane_u8(p + 3, n, 3);",
    "}",
  ];
}

function neon(): VecIsa {
  const t: Record<string, string> = {
    "load.f32": "vld1q_f32($p)", "load.i32": "vld1q_s32($p)", "load.u32": "vreinterpretq_s32_u32(vld1q_u32($p))",
    "load.i16": "vmovl_s16(vld1_s16($p))", "load.u16": "vreinterpretq_s32_u32(vmovl_u16(vld1_u16($p)))",
    "load.i8": "edgec_neon_load_s8($p)", "load.u8": "edgec_neon_load_u8($p)", "load.bool": "edgec_neon_load_b8($p)",
    "store.f32": "vst1q_f32($p, $0)", "store.i32": "vst1q_s32($p, $0)", "store.u32": "vst1q_u32($p, vreinterpretq_u32_s32($0))",
    "store.i16": "vst1_s16($p, vmovn_s32($0))", "store.u16": "vst1_u16($p, vmovn_u32(vreinterpretq_u32_s32($0)))",
    "store.i8": "edgec_neon_store_8((uint8_t *)($p), $0)", "store.u8": "edgec_neon_store_8($p, $0)", "store.bool": "edgec_neon_store_b8($p, $0)",
    "mload.f32": "edgec_neon_mload_f32($p, $0)", "mload.i32": "edgec_neon_mload_s32($p, $0)",
    "mload.u32": "edgec_neon_mload_s32((const int32_t *)($p), $0)",
    "mstore.f32": "edgec_neon_mstore_f32($p, $0, $1)", "mstore.i32": "edgec_neon_mstore_s32($p, $0, $1)",
    "mstore.u32": "edgec_neon_mstore_s32((int32_t *)($p), $0, $1)",
    "load2.f32": "edgec_neon_load2_f32($p)", "mload2.f32": "edgec_neon_mload2_f32($p, $0)",
    "bcast.f32": "vdupq_n_f32($0)", "bcast.int": "vdupq_n_s32((int32_t)($0))", "bcast.bool": "vdupq_n_u32(($0) ? 0xFFFFFFFFu : 0u)",
    ramp: "vaddq_s32(vdupq_n_s32($0), vld1q_s32((const int32_t[4]){ $s }))",
    "add.f32": "vaddq_f32($0, $1)", "sub.f32": "vsubq_f32($0, $1)", "mul.f32": "vmulq_f32($0, $1)", "div.f32": "vdivq_f32($0, $1)",
    "max.f32": "edgec_neon_max_f32($0, $1)", "min.f32": "edgec_neon_min_f32($0, $1)",
    // x against an ordered constant k: FMAX/FMIN give NaN for a NaN x, as edgec_maxkf/edgec_minkf.
    "maxk.f32": "vmaxq_f32($0, $1)", "mink.f32": "vminq_f32($0, $1)",
    "fma.f32": "vfmaq_f32($2, $0, $1)",
    // $0 times lane $3 of $1, plus $2 (FMLA by element); and one lane broadcast.
    "fma.f32.lane": "vfmaq_laneq_f32($2, $0, $1, $3)", "splat.f32": "vdupq_laneq_f32($0, $1)", "splat.int": "vdupq_laneq_s32($0, $1)",
    "neg.f32": "vnegq_f32($0)", "abs.f32": "vabsq_f32($0)", "sqrt.f32": "vsqrtq_f32($0)",
    "ne.f32": "vmvnq_u32(vceqq_f32($0, $1))",
    "select.f32": "vbslq_f32($0, $1, $2)", "select.int": "vbslq_s32($0, $1, $2)", "select.bool": "vbslq_u32($0, $1, $2)",
    "cast.i32.f32": "vcvtq_f32_s32($0)", "bitcast.i32.f32": "vreinterpretq_f32_s32($0)", "bitcast.f32.i32": "vreinterpretq_s32_f32($0)", "cast.u32.f32": "vcvtq_f32_u32(vreinterpretq_u32_s32($0))",
    "cast.f32.bool": "vmvnq_u32(vceqq_f32($0, vdupq_n_f32(0.0f)))",
    "cast.i32.bool": "vmvnq_u32(vceqq_s32($0, vdupq_n_s32(0)))", "cast.u32.bool": "vmvnq_u32(vceqq_s32($0, vdupq_n_s32(0)))",
    "cast.bool.f32": "vreinterpretq_f32_u32(vandq_u32($0, vreinterpretq_u32_f32(vdupq_n_f32(1.0f))))",
    "cast.bool.int": "vreinterpretq_s32_u32(vandq_u32($0, vdupq_n_u32(1)))",
    "land.bool": "vandq_u32($0, $1)", "lor.bool": "vorrq_u32($0, $1)", "lnot.bool": "vmvnq_u32($0)",
    "eq.bool": "vceqq_u32($0, $1)", "ne.bool": "veorq_u32($0, $1)",
    "and.bool": "vandq_u32($0, $1)", "or.bool": "vorrq_u32($0, $1)", "xor.bool": "veorq_u32($0, $1)",
    "hreduce.add.f32": "vaddvq_f32($0)", "hreduce.max.f32": "vmaxvq_f32($0)", "hreduce.min.f32": "vminvq_f32($0)",
    "dot4ss.i32": "vdotq_s32(vdupq_n_s32(0), vreinterpretq_s8_s32($0), vreinterpretq_s8_s32($1))",
    "dot4ss.acc.i32": "vdotq_s32($0, vreinterpretq_s8_s32($1), vreinterpretq_s8_s32($2))",
    "hreduce.add.i32": "vaddvq_s32($0)", "hreduce.max.i32": "vmaxvq_s32($0)", "hreduce.min.i32": "vminvq_s32($0)",
  };
  for (const [op, f] of Object.entries(CMP)) t[`${op}.f32`] = `${f}_f32($0, $1)`;
  for (const [op, f] of Object.entries(ROUND)) t[`${op}.f32`] = `${f}($0)`;
  for (const [to, f] of Object.entries(F2I)) t[`cast.f32.${to}`] = f;
  for (const [to, f] of Object.entries(NARROW)) {
    if (to !== "i32") t[`cast.i32.${to}`] = f;
    if (to !== "u32") t[`cast.u32.${to}`] = f;
  }
  for (const d of SIGNED) {
    for (const [op, f] of Object.entries(CMP)) t[`${op}.${d}`] = `${f}_s32($0, $1)`;
    t[`ne.${d}`] = "vmvnq_u32(vceqq_s32($0, $1))";
    t[`min.${d}`] = "vminq_s32($0, $1)";
    t[`max.${d}`] = "vmaxq_s32($0, $1)";
  }
  for (const [op, f] of Object.entries(CMP)) t[`${op}.u32`] = `${f}_u32(${U("$0")}, ${U("$1")})`;
  t["ne.u32"] = "vmvnq_u32(vceqq_s32($0, $1))";
  t["min.u32"] = `vreinterpretq_s32_u32(vminq_u32(${U("$0")}, ${U("$1")}))`;
  t["max.u32"] = `vreinterpretq_s32_u32(vmaxq_u32(${U("$0")}, ${U("$1")}))`;
  for (const d of INTS) {
    t[`and.${d}`] = "vandq_s32($0, $1)";
    t[`or.${d}`] = "vorrq_s32($0, $1)";
    t[`xor.${d}`] = "veorq_s32($0, $1)";
  }
  for (const d of ["i32", "u32"]) {
    t[`add.${d}`] = "vaddq_s32($0, $1)";
    t[`sub.${d}`] = "vsubq_s32($0, $1)";
    t[`mul.${d}`] = "vmulq_s32($0, $1)";
    t[`mla.${d}`] = "vmlaq_s32($0, $1, $2)";
    t[`shl.${d}`] = "vshlq_s32($0, $1)";
  }
  // 32-bit lanes only (a narrower type's shift must wrap to its width); right shifts shift left by -n.
  t["shr.i32"] = "vshlq_s32($0, vnegq_s32($1))";
  t["shr.u32"] = `vreinterpretq_s32_u32(vshlq_u32(${U("$0")}, vnegq_s32($1)))`;
  return {
    name: "aarch64", include: "#include <arm_neon.h>", lanes: 4, bits: 128,
    types: { f32: "float32x4_t", int: "int32x4_t", bool: "uint32x4_t" },
    spill: {
      f32: "vst1q_f32($p, $0)", int: "vst1q_s32($p, $0)",
      bool: "vst1q_s32($p, vreinterpretq_s32_u32(vandq_u32($0, vdupq_n_u32(1))))",
    },
    fill: { f32: "vld1q_f32($p)", int: "vld1q_s32($p)", bool: "vreinterpretq_u32_s32(vnegq_s32(vld1q_s32($p)))" },
    t,
    prelude: [
      "/* max/min that propagate NaN from either operand and order equal zeros as edgec_maxf/edgec_minf. */",
      "static inline float32x4_t edgec_neon_max_f32(float32x4_t a, float32x4_t b) { return vbslq_f32(vorrq_u32(vcgtq_f32(a, b), vmvnq_u32(vceqq_f32(a, a))), a, b); }",
      "static inline float32x4_t edgec_neon_min_f32(float32x4_t a, float32x4_t b) { return vbslq_f32(vorrq_u32(vcltq_f32(a, b), vmvnq_u32(vceqq_f32(a, a))), a, b); }",
    ],
    onDemand: {
      edgec_neon_load_s8: loadBytes("edgec_neon_load_s8", "s"),
      edgec_neon_load_u8: loadBytes("edgec_neon_load_u8", "u"),
      edgec_neon_load_b8: [
        "/* Four 0/1 bytes as lane masks. */",
        "static inline uint32x4_t edgec_neon_load_b8(const uint8_t *p) {",
        "  uint8x8_t v = vld1_lane_u8(p + 3, vld1_lane_u8(p + 2, vld1_lane_u8(p + 1, vld1_dup_u8(p), 1), 2), 3);",
        "  uint32x4_t w = vmovl_u16(vget_low_u16(vmovl_u8(v)));",
        "  return vtstq_u32(w, w);",
        "}",
      ],
      edgec_neon_store_8: storeBytes("edgec_neon_store_8", "int32x4_t", "vmovn_u32(vreinterpretq_u32_s32(v))"),
      edgec_neon_store_b8: storeBytes("edgec_neon_store_b8", "uint32x4_t", "vmovn_u32(vandq_u32(v, vdupq_n_u32(1)))"),
      edgec_neon_mload_f32: maskedLoad("edgec_neon_mload_f32", "float32x4_t", "float", "vld1q_f32", "0.0f"),
      edgec_neon_mload_s32: maskedLoad("edgec_neon_mload_s32", "int32x4_t", "int32_t", "vld1q_s32", "0"),
      edgec_neon_mstore_f32: maskedStore("edgec_neon_mstore_f32", "float32x4_t", "float", "vst1q_f32"),
      edgec_neon_mstore_s32: maskedStore("edgec_neon_mstore_s32", "int32x4_t", "int32_t", "vst1q_s32"),
      edgec_neon_load2_f32: [
        "/* p[0], p[2], p[4], p[6]: a de-interleaving load of p[0..3], then p[4] and p[6] (never p[7]). */",
        "static inline float32x4_t edgec_neon_load2_f32(const float *p) {",
        "  return vcombine_f32(vld2_f32(p).val[0], vld1_lane_f32(p + 6, vld1_dup_f32(p + 4), 1));",
        "}",
      ],
      edgec_neon_mload2_f32: maskedLoad("edgec_neon_mload2_f32", "float32x4_t", "float", "vld1q_f32", "0.0f", 2,
        "vcombine_f32(vld2_f32(p).val[0], vld1_lane_f32(p + 6, vld1_dup_f32(p + 4), 1))"),
    },
  };
}

export const NEON: VecIsa = neon();
