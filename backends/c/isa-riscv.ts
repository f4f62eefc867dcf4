/**
 * @fileoverview Intrinsic table of the RISC-V Vector extension 1.0 (`__riscv_` names of
 * riscv_vector.h, as clang 16 knows them), vector-length agnostic: a vector is one LMUL=1
 * register of 4 × vscale 32-bit lanes (f32 in vfloat32m1_t, every integer in vint32m1_t, bools
 * as vbool32_t masks), and every instruction runs at VLMAX, so no lane is ever a tail lane.
 * Only loads and stores are limited: by a mask (`_mu`/`_m`) or, for a prefix of the lanes
 * (`vl*` keys, `$n` active lanes), by vl with the rest kept zero (`_tu`), so a load or store
 * touches only the elements it names.
 */
import { VecIsa } from "./vector-isa.ts";

const M = "EDGEC_VLMAX";
const VL = "edgec_rvv_vl($n)";
const u32 = (x: string) => `__riscv_vreinterpret_v_i32m1_u32m1(${x})`;
const s32 = (x: string) => `__riscv_vreinterpret_v_u32m1_i32m1(${x})`;

/** How each element type sits in memory and widens to (or narrows from) its 32-bit lane. */
interface Mem { sew: number; v: string; zero: string; get: (x: string) => string; put: (x: string) => string }
const MEM: Record<string, Mem> = {
  f32: { sew: 32, v: "f32m1", zero: `__riscv_vfmv_v_f_f32m1(0.0f, ${M})`, get: (x) => x, put: (x) => x },
  i32: { sew: 32, v: "i32m1", zero: `__riscv_vmv_v_x_i32m1(0, ${M})`, get: (x) => x, put: (x) => x },
  u32: { sew: 32, v: "u32m1", zero: `__riscv_vmv_v_x_u32m1(0, ${M})`, get: s32, put: u32 },
  i16: {
    sew: 16, v: "i16mf2", zero: `__riscv_vmv_v_x_i16mf2(0, ${M})`,
    get: (x) => `__riscv_vsext_vf2_i32m1(${x}, ${M})`, put: (x) => `__riscv_vncvt_x_x_w_i16mf2(${x}, ${M})`,
  },
  u16: {
    sew: 16, v: "u16mf2", zero: `__riscv_vmv_v_x_u16mf2(0, ${M})`,
    get: (x) => s32(`__riscv_vzext_vf2_u32m1(${x}, ${M})`), put: (x) => `__riscv_vncvt_x_x_w_u16mf2(${u32(x)}, ${M})`,
  },
  i8: {
    sew: 8, v: "i8mf4", zero: `__riscv_vmv_v_x_i8mf4(0, ${M})`,
    get: (x) => `__riscv_vsext_vf4_i32m1(${x}, ${M})`, put: (x) => `__riscv_vncvt_x_x_w_i8mf4(__riscv_vncvt_x_x_w_i16mf2(${x}, ${M}), ${M})`,
  },
  u8: {
    sew: 8, v: "u8mf4", zero: `__riscv_vmv_v_x_u8mf4(0, ${M})`,
    get: (x) => s32(`__riscv_vzext_vf4_u32m1(${x}, ${M})`),
    put: (x) => `__riscv_vncvt_x_x_w_u8mf4(__riscv_vncvt_x_x_w_u16mf2(${u32(x)}, ${M}), ${M})`,
  },
  bool: {
    sew: 8, v: "u8mf4", zero: `__riscv_vmv_v_x_u8mf4(0, ${M})`,
    get: (x) => `__riscv_vmsne_vx_u8mf4_b32(${x}, 0, ${M})`, put: (x) => `__riscv_vmerge_vxm_u8mf4(__riscv_vmv_v_x_u8mf4(0, ${M}), 1, ${x}, ${M})`,
  },
};
const CMP: Record<string, string> = { eq: "eq", ne: "ne", lt: "lt", le: "le", gt: "gt", ge: "ge" };
const NARROW: Record<string, string> = {
  i8: `__riscv_vsra_vx_i32m1(__riscv_vsll_vx_i32m1($0, 24, ${M}), 24, ${M})`,
  i16: `__riscv_vsra_vx_i32m1(__riscv_vsll_vx_i32m1($0, 16, ${M}), 16, ${M})`,
  u8: `__riscv_vand_vx_i32m1($0, 0xFF, ${M})`, u16: `__riscv_vand_vx_i32m1($0, 0xFFFF, ${M})`, i32: "$0", u32: "$0",
};
const SIGNED = ["i32", "i16", "i8", "u16", "u8"] as const;

function rvv(): VecIsa {
  const t: Record<string, string> = {
    vscale: `((int32_t)(${M} >> 2))`,
    "bcast.f32": `__riscv_vfmv_v_f_f32m1($0, ${M})`, "bcast.int": `__riscv_vmv_v_x_i32m1((int32_t)($0), ${M})`,
    "bcast.bool": `__riscv_vmsne_vx_i32m1_b32(__riscv_vmv_v_x_i32m1(($0) ? 1 : 0, ${M}), 0, ${M})`,
    ramp1: `__riscv_vadd_vx_i32m1(${s32(`__riscv_vid_v_u32m1(${M})`)}, $0, ${M})`,
    ramp: `__riscv_vadd_vx_i32m1(__riscv_vmul_vx_i32m1(${s32(`__riscv_vid_v_u32m1(${M})`)}, $1, ${M}), $0, ${M})`,
    "add.f32": `__riscv_vfadd_vv_f32m1($0, $1, ${M})`, "sub.f32": `__riscv_vfsub_vv_f32m1($0, $1, ${M})`,
    "mul.f32": `__riscv_vfmul_vv_f32m1($0, $1, ${M})`, "div.f32": `__riscv_vfdiv_vv_f32m1($0, $1, ${M})`,
    // A vector and a broadcast scalar ($1): the .vf forms.
    "add.f32.s": `__riscv_vfadd_vf_f32m1($0, $1, ${M})`, "sub.f32.s": `__riscv_vfsub_vf_f32m1($0, $1, ${M})`,
    "mul.f32.s": `__riscv_vfmul_vf_f32m1($0, $1, ${M})`,
    "fma.f32": `__riscv_vfmacc_vv_f32m1($2, $0, $1, ${M})`, "fma.f32.s": `__riscv_vfmacc_vf_f32m1($2, $0, $1, ${M})`,
    "max.f32": "edgec_rvv_max_f32($0, $1)", "min.f32": "edgec_rvv_min_f32($0, $1)",
    // x against an ordered constant k: k where x <= k (>= for min), else x (NaN stays).
    "maxk.f32": `__riscv_vmerge_vvm_f32m1($0, $1, __riscv_vmfle_vv_f32m1_b32($0, $1, ${M}), ${M})`,
    "mink.f32": `__riscv_vmerge_vvm_f32m1($0, $1, __riscv_vmfge_vv_f32m1_b32($0, $1, ${M}), ${M})`,
    "neg.f32": `__riscv_vfneg_v_f32m1($0, ${M})`, "abs.f32": `__riscv_vfabs_v_f32m1($0, ${M})`, "sqrt.f32": `__riscv_vfsqrt_v_f32m1($0, ${M})`,
    "select.f32": `__riscv_vmerge_vvm_f32m1($2, $1, $0, ${M})`, "select.int": `__riscv_vmerge_vvm_i32m1($2, $1, $0, ${M})`,
    "select.bool": `__riscv_vmor_mm_b32(__riscv_vmand_mm_b32($0, $1, ${M}), __riscv_vmandn_mm_b32($2, $0, ${M}), ${M})`,
    "cast.i32.f32": `__riscv_vfcvt_f_x_v_f32m1($0, ${M})`, "cast.u32.f32": `__riscv_vfcvt_f_xu_v_f32m1(${u32("$0")}, ${M})`,
    "cast.f32.i32": "edgec_rvv_f2i($0)",
    "bitcast.i32.f32": "__riscv_vreinterpret_v_i32m1_f32m1($0)", "bitcast.f32.i32": "__riscv_vreinterpret_v_f32m1_i32m1($0)",
    "cast.f32.bool": `__riscv_vmfne_vf_f32m1_b32($0, 0.0f, ${M})`,
    "cast.i32.bool": `__riscv_vmsne_vx_i32m1_b32($0, 0, ${M})`, "cast.u32.bool": `__riscv_vmsne_vx_i32m1_b32($0, 0, ${M})`,
    "cast.bool.f32": `__riscv_vfmerge_vfm_f32m1(__riscv_vfmv_v_f_f32m1(0.0f, ${M}), 1.0f, $0, ${M})`,
    "cast.bool.int": `__riscv_vmerge_vxm_i32m1(__riscv_vmv_v_x_i32m1(0, ${M}), 1, $0, ${M})`,
    "land.bool": `__riscv_vmand_mm_b32($0, $1, ${M})`, "lor.bool": `__riscv_vmor_mm_b32($0, $1, ${M})`,
    "lnot.bool": `__riscv_vmnot_m_b32($0, ${M})`, "eq.bool": `__riscv_vmxnor_mm_b32($0, $1, ${M})`, "ne.bool": `__riscv_vmxor_mm_b32($0, $1, ${M})`,
    "and.bool": `__riscv_vmand_mm_b32($0, $1, ${M})`, "or.bool": `__riscv_vmor_mm_b32($0, $1, ${M})`, "xor.bool": `__riscv_vmxor_mm_b32($0, $1, ${M})`,
    "hreduce.add.f32": `__riscv_vfmv_f_s_f32m1_f32(__riscv_vfredusum_vs_f32m1_f32m1($0, __riscv_vfmv_s_f_f32m1(0.0f, 1), ${M}))`,
    "hreduce.add.i32": `__riscv_vmv_x_s_i32m1_i32(__riscv_vredsum_vs_i32m1_i32m1($0, __riscv_vmv_s_x_i32m1(0, 1), ${M}))`,
    "hreduce.max.i32": `__riscv_vmv_x_s_i32m1_i32(__riscv_vredmax_vs_i32m1_i32m1($0, __riscv_vmv_s_x_i32m1(INT32_MIN, 1), ${M}))`,
    "hreduce.min.i32": `__riscv_vmv_x_s_i32m1_i32(__riscv_vredmin_vs_i32m1_i32m1($0, __riscv_vmv_s_x_i32m1(INT32_MAX, 1), ${M}))`,
    // A stride-2 load: vlse32 with a byte stride of 8.
    "load2.f32": `__riscv_vlse32_v_f32m1($p, 8, ${M})`,
    "vlload2.f32": `__riscv_vlse32_v_f32m1_tu(${MEM.f32!.zero}, $p, 8, ${VL})`,
    "mload2.f32": `__riscv_vlse32_v_f32m1_mu($0, ${MEM.f32!.zero}, $p, 8, ${M})`,
  };
  for (const [d, m] of Object.entries(MEM)) {
    const ld = `__riscv_vle${m.sew}_v_${m.v}`, st = `__riscv_vse${m.sew}_v_${m.v}`;
    t[`load.${d}`] = m.get(`${ld}($p, ${M})`);
    t[`vlload.${d}`] = m.get(`${ld}_tu(${m.zero}, $p, ${VL})`);
    t[`mload.${d}`] = m.get(`${ld}_mu($0, ${m.zero}, $p, ${M})`);
    t[`store.${d}`] = `${st}($p, ${m.put("$0")}, ${M})`;
    t[`vlstore.${d}`] = `${st}($p, ${m.put("$0")}, ${VL})`;
    t[`mstore.${d}`] = `${st}_m($1, $p, ${m.put("$0")}, ${M})`;
  }
  // Gathers take byte offsets: the index times 4.
  const offs = `__riscv_vreinterpret_v_i32m1_u32m1(__riscv_vsll_vx_i32m1($0, 2, ${M}))`;
  t["gather.f32"] = `__riscv_vluxei32_v_f32m1($p, ${offs}, ${M})`;
  t["mgather.f32"] = `__riscv_vluxei32_v_f32m1_mu($1, ${MEM.f32!.zero}, $p, ${offs}, ${M})`;
  t["gather.i32"] = `__riscv_vluxei32_v_i32m1($p, ${offs}, ${M})`;
  t["mgather.i32"] = `__riscv_vluxei32_v_i32m1_mu($1, ${MEM.i32!.zero}, $p, ${offs}, ${M})`;
  for (const [op, c] of Object.entries(CMP)) {
    t[`${op}.f32`] = `__riscv_vmf${c}_vv_f32m1_b32($0, $1, ${M})`;
    for (const d of SIGNED) t[`${op}.${d}`] = `__riscv_vms${c}_vv_i32m1_b32($0, $1, ${M})`;
    const uc = op === "eq" || op === "ne" ? c : `${c}u`;
    t[`${op}.u32`] = `__riscv_vms${uc}_vv_u32m1_b32(${u32("$0")}, ${u32("$1")}, ${M})`;
  }
  for (const [to, f] of Object.entries(NARROW)) {
    if (to !== "i32") t[`cast.i32.${to}`] = f;
    if (to !== "u32") t[`cast.u32.${to}`] = f;
  }
  for (const d of SIGNED) {
    t[`min.${d}`] = `__riscv_vmin_vv_i32m1($0, $1, ${M})`;
    t[`max.${d}`] = `__riscv_vmax_vv_i32m1($0, $1, ${M})`;
  }
  t["min.u32"] = s32(`__riscv_vminu_vv_u32m1(${u32("$0")}, ${u32("$1")}, ${M})`);
  t["max.u32"] = s32(`__riscv_vmaxu_vv_u32m1(${u32("$0")}, ${u32("$1")}, ${M})`);
  for (const d of [...SIGNED, "u32"]) for (const op of ["and", "or", "xor"]) t[`${op}.${d}`] = `__riscv_v${op}_vv_i32m1($0, $1, ${M})`;
  for (const d of ["i32", "u32"]) {
    t[`add.${d}`] = `__riscv_vadd_vv_i32m1($0, $1, ${M})`;
    t[`sub.${d}`] = `__riscv_vsub_vv_i32m1($0, $1, ${M})`;
    t[`mul.${d}`] = `__riscv_vmul_vv_i32m1($0, $1, ${M})`;
    t[`shl.${d}`] = `__riscv_vsll_vv_i32m1($0, ${u32("$1")}, ${M})`;
  }
  // 32-bit lanes only: a narrower type's shift must wrap to its width.
  t["shr.i32"] = `__riscv_vsra_vv_i32m1($0, ${u32("$1")}, ${M})`;
  t["shr.u32"] = s32(`__riscv_vsrl_vv_u32m1(${u32("$0")}, ${u32("$1")}, ${M})`);
  return {
    name: "riscv64", include: "#include <riscv_vector.h>", lanes: 4, bits: 128, scalable: true, laneCount: `((int)${M})`,
    types: { f32: "vfloat32m1_t", int: "vint32m1_t", bool: "vbool32_t" },
    spill: {
      f32: `__riscv_vse32_v_f32m1($p, $0, ${M})`, int: `__riscv_vse32_v_i32m1($p, $0, ${M})`,
      bool: `__riscv_vse32_v_i32m1($p, __riscv_vmerge_vxm_i32m1(__riscv_vmv_v_x_i32m1(0, ${M}), 1, $0, ${M}), ${M})`,
    },
    fill: {
      f32: `__riscv_vle32_v_f32m1($p, ${M})`, int: `__riscv_vle32_v_i32m1($p, ${M})`,
      bool: `__riscv_vmsne_vx_i32m1_b32(__riscv_vle32_v_i32m1($p, ${M}), 0, ${M})`,
    },
    t,
    // VLMAX of e32m1 is vlenb / 4. Read as a plain (non-volatile) asm, the compiler may compute it
    // once per kernel; vsetvlmax is an intrinsic with side effects, evaluated at every use.
    prelude: [
      "static inline size_t edgec_rvv_vlmax(void) { size_t b; __asm__(\"csrr %0, vlenb\" : \"=r\"(b)); return b >> 2; }",
      `#define ${M} edgec_rvv_vlmax()`,
    ],
    onDemand: {
      edgec_rvv_vl: [
        "/* The first n lanes (none for n <= 0, all for n >= VLMAX): vsetvl alone may give fewer than VLMAX for n < 2 * VLMAX. */",
        `static inline size_t edgec_rvv_vl(int32_t n) { size_t m = ${M}; return n <= 0 ? 0 : (size_t)n < m ? (size_t)n : m; }`,
      ],
      edgec_rvv_max_f32: [
        "/* max/min that propagate NaN from either operand and order equal zeros as edgec_maxf/edgec_minf. */",
        `static inline vfloat32m1_t edgec_rvv_max_f32(vfloat32m1_t a, vfloat32m1_t b) { return __riscv_vmerge_vvm_f32m1(b, a, __riscv_vmor_mm_b32(__riscv_vmfgt_vv_f32m1_b32(a, b, ${M}), __riscv_vmfne_vv_f32m1_b32(a, a, ${M}), ${M}), ${M}); }`,
      ],
      edgec_rvv_min_f32: [
        `static inline vfloat32m1_t edgec_rvv_min_f32(vfloat32m1_t a, vfloat32m1_t b) { return __riscv_vmerge_vvm_f32m1(b, a, __riscv_vmor_mm_b32(__riscv_vmflt_vv_f32m1_b32(a, b, ${M}), __riscv_vmfne_vv_f32m1_b32(a, a, ${M}), ${M}), ${M}); }`,
      ],
      edgec_rvv_f2i: [
        "/* Saturating float to int32 with NaN to 0, as edgec_f2i32 (vfcvt saturates; NaN would give INT32_MAX). */",
        `static inline vint32m1_t edgec_rvv_f2i(vfloat32m1_t x) { return __riscv_vmerge_vxm_i32m1(__riscv_vfcvt_rtz_x_f_v_i32m1(x, ${M}), 0, __riscv_vmfne_vv_f32m1_b32(x, x, ${M}), ${M}); }`,
      ],
    },
  };
}

export const RVV: VecIsa = rvv();
