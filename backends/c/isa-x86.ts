/**
 * @fileoverview Intrinsic tables of the x86-64 psABI levels v3 (AVX2 + FMA) and v4 (AVX-512).
 * Every lane sits in a 32-bit container (narrower integers sign- or zero-extended), so a vector
 * of any element type fills one register. `$0`..`$2` are operands, `$p` a pointer, `$s` the
 * ramp's lane offsets. Anything without an entry is computed lane by lane (backends/c/vector.ts).
 */
import { VecIsa } from "./vector-isa.ts";

const CMP_PS: Record<string, string> = { eq: "_CMP_EQ_OQ", ne: "_CMP_NEQ_UQ", lt: "_CMP_LT_OQ", le: "_CMP_LE_OQ", gt: "_CMP_GT_OQ", ge: "_CMP_GE_OQ" };
const CMP_INT: Record<string, string> = { eq: "_MM_CMPINT_EQ", ne: "_MM_CMPINT_NE", lt: "_MM_CMPINT_LT", le: "_MM_CMPINT_LE", gt: "_MM_CMPINT_NLE", ge: "_MM_CMPINT_NLT" };
const SIGNED = ["i32", "i16", "i8", "u16", "u8"] as const;
const INTS = [...SIGNED, "u32"] as const;
const ROUND: Record<string, string> = {
  floor: "_MM_FROUND_TO_NEG_INF", ceil: "_MM_FROUND_TO_POS_INF", trunc: "_MM_FROUND_TO_ZERO", round: "_MM_FROUND_TO_NEAREST_INT",
};

/** Saturating float to integer (truncating, NaN to 0), as edgec_f2i8..edgec_f2u16: the range of each narrow type. */
const F2I: Record<string, [string, string]> = { i8: ["-128.0f", "127.0f"], u8: ["0.0f", "255.0f"], i16: ["-32768.0f", "32767.0f"], u16: ["0.0f", "65535.0f"] };

/** Integer min/max, bitwise ops and 32-bit add/sub/mul/shifts, named alike on both levels. */
function intOps(t: Record<string, string>, p: string, si: string): void {
  for (const d of SIGNED) {
    t[`min.${d}`] = `${p}_min_epi32($0, $1)`;
    t[`max.${d}`] = `${p}_max_epi32($0, $1)`;
  }
  t["min.u32"] = `${p}_min_epu32($0, $1)`;
  t["max.u32"] = `${p}_max_epu32($0, $1)`;
  for (const d of INTS) for (const op of ["and", "or", "xor"]) t[`${op}.${d}`] = `${p}_${op}_${si}($0, $1)`;
  for (const d of ["i32", "u32"]) {
    t[`add.${d}`] = `${p}_add_epi32($0, $1)`;
    t[`sub.${d}`] = `${p}_sub_epi32($0, $1)`;
    t[`mul.${d}`] = `${p}_mullo_epi32($0, $1)`;
    t[`shl.${d}`] = `${p}_sllv_epi32($0, $1)`;
  }
  // 32-bit lanes only: a narrower type's shift must wrap to its width, which these do not.
  t["shr.i32"] = `${p}_srav_epi32($0, $1)`;
  t["shr.u32"] = `${p}_srlv_epi32($0, $1)`;
}

function avx2(): VecIsa {
  const t: Record<string, string> = {
    "load.f32": "_mm256_loadu_ps($p)", "load.i32": "_mm256_loadu_si256((const __m256i *)($p))",
    "load.u32": "_mm256_loadu_si256((const __m256i *)($p))",
    "load.i8": "_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)($p)))",
    "load.u8": "_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)($p)))",
    "load.i16": "_mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)($p)))",
    "load.u16": "_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)($p)))",
    "store.f32": "_mm256_storeu_ps($p, $0)", "store.i32": "_mm256_storeu_si256((__m256i *)($p), $0)",
    "store.u32": "_mm256_storeu_si256((__m256i *)($p), $0)",
    "store.i8": "edgec_v3_store_8($p, $0)", "store.u8": "edgec_v3_store_8($p, $0)",
    "mload.f32": "_mm256_maskload_ps($p, $0)", "mload.i32": "_mm256_maskload_epi32((const int *)($p), $0)",
    "mload.u32": "_mm256_maskload_epi32((const int *)($p), $0)",
    "mstore.f32": "_mm256_maskstore_ps($p, $1, $0)", "mstore.i32": "_mm256_maskstore_epi32((int *)($p), $1, $0)",
    "mstore.u32": "_mm256_maskstore_epi32((int *)($p), $1, $0)",
    "load2.f32": "edgec_v3_load2_ps($p)", "mload2.f32": "edgec_v3_mload2_ps($p, $0)",
    "gather.f32": "_mm256_i32gather_ps($p, $0, 4)", "gather.i32": "_mm256_i32gather_epi32((const int *)($p), $0, 4)",
    "mgather.f32": "_mm256_mask_i32gather_ps(_mm256_setzero_ps(), $p, $0, _mm256_castsi256_ps($1), 4)",
    "bcast.f32": "_mm256_set1_ps($0)", "bcast.int": "_mm256_set1_epi32((int32_t)($0))",
    "bcast.bool": "_mm256_set1_epi32(-(int32_t)($0))",
    ramp: "_mm256_add_epi32(_mm256_set1_epi32($0), _mm256_setr_epi32($s))",
    "add.f32": "_mm256_add_ps($0, $1)", "sub.f32": "_mm256_sub_ps($0, $1)", "mul.f32": "_mm256_mul_ps($0, $1)",
    "div.f32": "_mm256_div_ps($0, $1)", "max.f32": "edgec_v3_max_ps($0, $1)", "min.f32": "edgec_v3_min_ps($0, $1)",
    "maxk.f32": "_mm256_max_ps($1, $0)", "mink.f32": "_mm256_min_ps($1, $0)",
    "fma.f32": "_mm256_fmadd_ps($0, $1, $2)",
    "neg.f32": "_mm256_xor_ps($0, _mm256_set1_ps(-0.0f))", "abs.f32": "_mm256_andnot_ps(_mm256_set1_ps(-0.0f), $0)",
    "sqrt.f32": "_mm256_sqrt_ps($0)",
    "select.f32": "_mm256_blendv_ps($2, $1, _mm256_castsi256_ps($0))", "select.int": "_mm256_blendv_epi8($2, $1, $0)",
    "select.bool": "_mm256_blendv_epi8($2, $1, $0)",
    "cast.i32.f32": "_mm256_cvtepi32_ps($0)", "bitcast.i32.f32": "_mm256_castsi256_ps($0)", "bitcast.f32.i32": "_mm256_castps_si256($0)", "cast.bool.f32": "_mm256_and_ps(_mm256_castsi256_ps($0), _mm256_set1_ps(1.0f))",
    "cast.bool.int": "_mm256_and_si256($0, _mm256_set1_epi32(1))",
    "land.bool": "_mm256_and_si256($0, $1)", "lor.bool": "_mm256_or_si256($0, $1)",
    "lnot.bool": "_mm256_xor_si256($0, _mm256_set1_epi32(-1))",
    "eq.bool": "_mm256_cmpeq_epi32($0, $1)", "ne.bool": "_mm256_xor_si256($0, $1)",
    "and.bool": "_mm256_and_si256($0, $1)", "or.bool": "_mm256_or_si256($0, $1)", "xor.bool": "_mm256_xor_si256($0, $1)",
  };
  for (const [op, p] of Object.entries(CMP_PS)) t[`${op}.f32`] = `_mm256_castps_si256(_mm256_cmp_ps($0, $1, ${p}))`;
  for (const [op, p] of Object.entries(ROUND)) t[`${op}.f32`] = `_mm256_round_ps($0, ${p} | _MM_FROUND_NO_EXC)`;
  for (const d of SIGNED) {
    t[`eq.${d}`] = "_mm256_cmpeq_epi32($0, $1)";
    t[`ne.${d}`] = "_mm256_xor_si256(_mm256_cmpeq_epi32($0, $1), _mm256_set1_epi32(-1))";
    t[`gt.${d}`] = "_mm256_cmpgt_epi32($0, $1)";
    t[`lt.${d}`] = "_mm256_cmpgt_epi32($1, $0)";
    t[`le.${d}`] = "_mm256_xor_si256(_mm256_cmpgt_epi32($0, $1), _mm256_set1_epi32(-1))";
    t[`ge.${d}`] = "_mm256_xor_si256(_mm256_cmpgt_epi32($1, $0), _mm256_set1_epi32(-1))";
  }
  intOps(t, "_mm256", "si256");
  for (const [d, [lo, hi]] of Object.entries(F2I)) t[`cast.f32.${d}`] = `edgec_v3_f2i($0, ${lo}, ${hi})`;
  return {
    name: "x86-64-v3", include: "#include <immintrin.h>", lanes: 8, bits: 256,
    types: { f32: "__m256", int: "__m256i", bool: "__m256i" },
    spill: {
      f32: "_mm256_storeu_ps($p, $0)", int: "_mm256_storeu_si256((__m256i *)($p), $0)",
      bool: "_mm256_storeu_si256((__m256i *)($p), _mm256_and_si256($0, _mm256_set1_epi32(1)))",
    },
    fill: {
      f32: "_mm256_loadu_ps($p)", int: "_mm256_loadu_si256((const __m256i *)($p))",
      bool: "_mm256_sub_epi32(_mm256_setzero_si256(), _mm256_loadu_si256((const __m256i *)($p)))",
    },
    t,
    prelude: [
      "/* max/min that propagate NaN from either operand, as edgec_maxf/edgec_minf. */",
      "static inline __m256 edgec_v3_max_ps(__m256 a, __m256 b) { return _mm256_blendv_ps(_mm256_max_ps(a, b), a, _mm256_cmp_ps(a, a, _CMP_UNORD_Q)); }",
      "static inline __m256 edgec_v3_min_ps(__m256 a, __m256 b) { return _mm256_blendv_ps(_mm256_min_ps(a, b), a, _mm256_cmp_ps(a, a, _CMP_UNORD_Q)); }",
    ],
    onDemand: {
      edgec_v3_f2i: [
        "/* Float to an integer range [lo, hi], truncating, NaN to 0: edgec_f2i8 and its kin lane by lane. */",
        "static inline __m256i edgec_v3_f2i(__m256 x, float lo, float hi) {",
        "  __m256 c = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(lo)), _mm256_set1_ps(hi));",
        "  return _mm256_and_si256(_mm256_cvttps_epi32(c), _mm256_castps_si256(_mm256_cmp_ps(x, x, _CMP_ORD_Q)));",
        "}",
      ],
      edgec_v3_store_8: [
        "/* The low byte of each lane to p[0..7]. */",
        "static inline void edgec_v3_store_8(void *p, __m256i v) {",
        "  __m256i b = _mm256_shuffle_epi8(v, _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1));",
        "  _mm_storel_epi64((__m128i *)p, _mm_unpacklo_epi32(_mm256_castsi256_si128(b), _mm256_extracti128_si256(b, 1)));",
        "}",
      ],
      edgec_v3_load2_ps: [
        "/* p[0], p[2], ..., p[14]: two loads (the second stops at p[14]) and a de-interleave. */",
        "static inline __m256 edgec_v3_load2_ps(const float *p) {",
        "  __m256 s = _mm256_shuffle_ps(_mm256_loadu_ps(p), _mm256_maskload_ps(p + 8, _mm256_setr_epi32(-1, -1, -1, -1, -1, -1, -1, 0)), _MM_SHUFFLE(2, 0, 2, 0));",
        "  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(s), _MM_SHUFFLE(3, 1, 2, 0)));",
        "}",
      ],
      edgec_v3_mload2_ps: [
        "/* p[0], p[2], ..., p[14] where lane mask m is set, else 0: reads only the selected elements. */",
        "static inline __m256 edgec_v3_mload2_ps(const float *p, __m256i m) {",
        "  __m256i even = _mm256_setr_epi32(-1, 0, -1, 0, -1, 0, -1, 0);",
        "  __m256i lo = _mm256_and_si256(_mm256_permutevar8x32_epi32(m, _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3)), even);",
        "  __m256i hi = _mm256_and_si256(_mm256_permutevar8x32_epi32(m, _mm256_setr_epi32(4, 4, 5, 5, 6, 6, 7, 7)), even);",
        "  __m256 s = _mm256_shuffle_ps(_mm256_maskload_ps(p, lo), _mm256_maskload_ps(p + 8, hi), _MM_SHUFFLE(2, 0, 2, 0));",
        "  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(s), _MM_SHUFFLE(3, 1, 2, 0)));",
        "}",
      ],
    },
  };
}

function avx512(): VecIsa {
  const t: Record<string, string> = {
    "load.f32": "_mm512_loadu_ps($p)", "load.i32": "_mm512_loadu_si512($p)", "load.u32": "_mm512_loadu_si512($p)",
    "load.i8": "_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)($p)))",
    "load.u8": "_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)($p)))",
    "load.i16": "_mm512_cvtepi16_epi32(_mm256_loadu_si256((const __m256i *)($p)))",
    "load.u16": "_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)($p)))",
    "store.f32": "_mm512_storeu_ps($p, $0)", "store.i32": "_mm512_storeu_si512($p, $0)", "store.u32": "_mm512_storeu_si512($p, $0)",
    "store.i8": "_mm_storeu_si128((__m128i *)($p), _mm512_cvtepi32_epi8($0))",
    "store.u8": "_mm_storeu_si128((__m128i *)($p), _mm512_cvtepi32_epi8($0))",
    "store.i16": "_mm256_storeu_si256((__m256i *)($p), _mm512_cvtepi32_epi16($0))",
    "store.u16": "_mm256_storeu_si256((__m256i *)($p), _mm512_cvtepi32_epi16($0))",
    "mload.f32": "_mm512_maskz_loadu_ps($0, $p)", "mload.i32": "_mm512_maskz_loadu_epi32($0, $p)",
    "mload.u32": "_mm512_maskz_loadu_epi32($0, $p)",
    "mstore.f32": "_mm512_mask_storeu_ps($p, $1, $0)", "mstore.i32": "_mm512_mask_storeu_epi32($p, $1, $0)",
    "mstore.u32": "_mm512_mask_storeu_epi32($p, $1, $0)",
    "mload.i8": "_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8($0, $p))", "mload.u8": "_mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8($0, $p))",
    "mload.i16": "_mm512_cvtepi16_epi32(_mm256_maskz_loadu_epi16($0, $p))", "mload.u16": "_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16($0, $p))",
    "mstore.i8": "_mm512_mask_cvtepi32_storeu_epi8($p, $1, $0)", "mstore.u8": "_mm512_mask_cvtepi32_storeu_epi8($p, $1, $0)",
    "mstore.i16": "_mm512_mask_cvtepi32_storeu_epi16($p, $1, $0)", "mstore.u16": "_mm512_mask_cvtepi32_storeu_epi16($p, $1, $0)",
    "load2.f32": "edgec_v4_load2_ps($p)", "mload2.f32": "edgec_v4_mload2_ps($p, $0)",
    "gather.f32": "_mm512_i32gather_ps($0, $p, 4)", "gather.i32": "_mm512_i32gather_epi32($0, $p, 4)",
    "mgather.f32": "_mm512_mask_i32gather_ps(_mm512_setzero_ps(), $1, $0, $p, 4)",
    "bcast.f32": "_mm512_set1_ps($0)", "bcast.int": "_mm512_set1_epi32((int32_t)($0))",
    "bcast.bool": "((__mmask16)(($0) ? 0xFFFF : 0))",
    ramp: "_mm512_add_epi32(_mm512_set1_epi32($0), _mm512_setr_epi32($s))",
    "add.f32": "_mm512_add_ps($0, $1)", "sub.f32": "_mm512_sub_ps($0, $1)", "mul.f32": "_mm512_mul_ps($0, $1)",
    "div.f32": "_mm512_div_ps($0, $1)", "max.f32": "edgec_v4_max_ps($0, $1)", "min.f32": "edgec_v4_min_ps($0, $1)",
    "maxk.f32": "_mm512_max_ps($1, $0)", "mink.f32": "_mm512_min_ps($1, $0)",
    "fma.f32": "_mm512_fmadd_ps($0, $1, $2)",
    "neg.f32": "_mm512_xor_ps($0, _mm512_set1_ps(-0.0f))", "abs.f32": "_mm512_abs_ps($0)", "sqrt.f32": "_mm512_sqrt_ps($0)",
    "select.f32": "_mm512_mask_blend_ps($0, $2, $1)", "select.int": "_mm512_mask_blend_epi32($0, $2, $1)",
    "select.bool": "((__mmask16)(((unsigned)$0 & (unsigned)$1) | (~(unsigned)$0 & (unsigned)$2)))",
    "cast.i32.f32": "_mm512_cvtepi32_ps($0)", "bitcast.i32.f32": "_mm512_castsi512_ps($0)", "bitcast.f32.i32": "_mm512_castps_si512($0)", "cast.bool.f32": "_mm512_maskz_mov_ps($0, _mm512_set1_ps(1.0f))",
    "cast.bool.int": "_mm512_maskz_mov_epi32($0, _mm512_set1_epi32(1))",
    "land.bool": "((__mmask16)((unsigned)$0 & (unsigned)$1))", "lor.bool": "((__mmask16)((unsigned)$0 | (unsigned)$1))",
    "lnot.bool": "((__mmask16)~(unsigned)$0)", "eq.bool": "((__mmask16)~((unsigned)$0 ^ (unsigned)$1))",
    "ne.bool": "((__mmask16)((unsigned)$0 ^ (unsigned)$1))", "and.bool": "((__mmask16)((unsigned)$0 & (unsigned)$1))",
    "or.bool": "((__mmask16)((unsigned)$0 | (unsigned)$1))", "xor.bool": "((__mmask16)((unsigned)$0 ^ (unsigned)$1))",
  };
  for (const [op, p] of Object.entries(CMP_PS)) t[`${op}.f32`] = `_mm512_cmp_ps_mask($0, $1, ${p})`;
  for (const [op, p] of Object.entries(ROUND)) t[`${op}.f32`] = `_mm512_roundscale_ps($0, ${p} | _MM_FROUND_NO_EXC)`;
  for (const d of SIGNED) {
    for (const [op, p] of Object.entries(CMP_INT)) t[`${op}.${d}`] = `_mm512_cmp_epi32_mask($0, $1, ${p})`;
  }
  for (const [op, p] of Object.entries(CMP_INT)) t[`${op}.u32`] = `_mm512_cmp_epu32_mask($0, $1, ${p})`;
  intOps(t, "_mm512", "si512");
  for (const [d, [lo, hi]] of Object.entries(F2I)) t[`cast.f32.${d}`] = `edgec_v4_f2i($0, ${lo}, ${hi})`;
  return {
    name: "x86-64-v4", include: "#include <immintrin.h>", lanes: 16, bits: 512,
    types: { f32: "__m512", int: "__m512i", bool: "__mmask16" },
    spill: {
      f32: "_mm512_storeu_ps($p, $0)", int: "_mm512_storeu_si512($p, $0)",
      bool: "_mm512_storeu_si512($p, _mm512_maskz_mov_epi32($0, _mm512_set1_epi32(1)))",
    },
    fill: {
      f32: "_mm512_loadu_ps($p)", int: "_mm512_loadu_si512($p)",
      bool: "_mm512_cmpneq_epi32_mask(_mm512_loadu_si512($p), _mm512_setzero_si512())",
    },
    t,
    prelude: [
      "/* max/min that propagate NaN from either operand, as edgec_maxf/edgec_minf. */",
      "static inline __m512 edgec_v4_max_ps(__m512 a, __m512 b) { return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q), _mm512_max_ps(a, b), a); }",
      "static inline __m512 edgec_v4_min_ps(__m512 a, __m512 b) { return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q), _mm512_min_ps(a, b), a); }",
    ],
    onDemand: {
      edgec_v4_f2i: [
        "/* Float to an integer range [lo, hi], truncating, NaN to 0: edgec_f2i8 and its kin lane by lane. */",
        "static inline __m512i edgec_v4_f2i(__m512 x, float lo, float hi) {",
        "  __m512 c = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(lo)), _mm512_set1_ps(hi));",
        "  return _mm512_maskz_cvttps_epi32(_mm512_cmp_ps_mask(x, x, _CMP_ORD_Q), c);",
        "}",
      ],
      edgec_v4_load2_ps: [
        "/* p[0], p[2], ..., p[30]: two loads (the second stops at p[30]) and a two-source permute. */",
        "static inline __m512 edgec_v4_load2_ps(const float *p) {",
        "  return _mm512_permutex2var_ps(_mm512_loadu_ps(p), _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), _mm512_maskz_loadu_ps(0x7FFF, p + 16));",
        "}",
      ],
      edgec_v4_mload2_ps: [
        "/* p[0], p[2], ..., p[30] where mask m is set, else 0: reads only the selected elements. */",
        "static inline __m512 edgec_v4_mload2_ps(const float *p, __mmask16 m) {",
        "  __mmask16 lo = (__mmask16)_pdep_u32(m & 0xFFu, 0x5555u), hi = (__mmask16)_pdep_u32((unsigned)m >> 8, 0x5555u);",
        "  return _mm512_permutex2var_ps(_mm512_maskz_loadu_ps(lo, p), _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), _mm512_maskz_loadu_ps(hi, p + 16));",
        "}",
      ],
    },
  };
}

export const X86_V3: VecIsa = avx2();
export const X86_V4: VecIsa = avx512();
/** x86-64-v4 with AVX512-VNNI: the same table and int8 dot products (unsigned x signed bytes). */
export const X86_V4_VNNI: VecIsa = {
  ...X86_V4, name: "x86-64-v4-vnni",
  t: { ...X86_V4.t, "dot4us.i32": "_mm512_dpbusd_epi32(_mm512_setzero_si512(), $0, $1)", "dot4us.acc.i32": "_mm512_dpbusd_epi32($0, $1, $2)" },
};
