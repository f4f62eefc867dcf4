/**
 * @fileoverview The WebAssembly counterpart of runtime-c's scalar helpers: half, bfloat16 and
 * 8-bit float conversions, floor division and modulo, division that never traps, and the math
 * imports. Each is added to the module the first time a kernel needs it, bit for bit the C.
 */
import { DType, F8_FORMATS } from "../../ir/dtype.ts";
import { MATH_IMPORTS } from "./loader.ts";
import { Ref, W, WasmModule, WType } from "./binaryen.ts";

export type IntKind = "i32" | "i64";

/** erf(x)/x as a polynomial in x^2/4 on [0, 1] (|x| <= 2), lowest power first. */
const ERF_P = [1.1283791666390919, -1.5045054437670355, 1.8054020872862282, -1.7193618069937189, 1.3367361132866327,
  -0.8724302704723748, 0.48485070178632644, -0.22658975852970598, 0.08383236511003259, -0.021382002253040426,
  0.0027299808095806333];
/** erfc(x) e^(x^2) as a polynomial in (x - 2)/2 on [0, 1] (2 <= x <= 4), lowest power first. */
const ERFC_R = [0.25539566997633684, -0.2135918635091278, 0.16718158226032334, -0.12336667037366297,
  0.08529203134194208, -0.05297433269304917, 0.026694848375370527, -0.009151358566961549, 0.0015195558108814168];

export class Runtime {
  constructor(private readonly w: WasmModule) {}

  private once(name: string, build: () => void): string {
    if (!this.w.hasFunction(name)) build();
    return name;
  }

  /** Calls the imported `env.edgec_<fn>` (f64 arguments and result). */
  math(fn: string, args: Ref[]): Ref {
    const arity = MATH_IMPORTS[fn];
    if (arity === undefined || arity !== args.length) throw new Error(`internal error: no math import ${fn}/${args.length}`);
    const name = `edgec_${fn}`;
    if (!this.w.hasFunction(name)) this.w.addImport(name, "env", name, Array(arity).fill(W.f64), W.f64);
    return this.w.call(name, args, W.f64);
  }

  private fn(name: string, params: WType[], result: WType, vars: WType[], body: (g: (i: number) => Ref) => Ref): string {
    const types = [...params, ...vars];
    return this.once(name, () => this.w.addFunction(name, params, result, vars, body((i) => this.w.get(i, types[i]!))));
  }

  /** edgec_f16_to_f32: exact. */
  f16ToF32(h: Ref): Ref {
    const w = this.w, i = (n: string, ...a: (Ref | number)[]) => w.op("i32", n, ...a);
    const name = this.fn("edgec_f16_to_f32", [W.i32], W.f32, [W.i32, W.i32, W.i32], (g) => w.block(null, [
      w.set(1, i("and", i("shr_u", g(0), w.i32(10)), w.i32(0x1f))),
      w.set(2, i("and", g(0), w.i32(0x3ff))),
      w.set(3, i("shl", i("and", g(0), w.i32(0x8000)), w.i32(16))),
      w.if(i("eqz", g(1)),
        // Subnormal or zero: m * 2^-24 is exact in f32.
        w.return(w.op("f32", "copysign", w.op("f32", "mul", w.op("f32", "convert_u.i32", g(2)), w.f32(2 ** -24)), w.op("f32", "reinterpret", g(3))))),
      w.op("f32", "reinterpret", i("or", i("or", g(3), i("shl", g(2), w.i32(13))),
        w.select(w.i32(0x7f800000), i("shl", i("add", g(1), w.i32(112)), w.i32(23)), i("eq", g(1), w.i32(31))))),
    ], W.f32));
    return w.call(name, [h], W.f32);
  }

  /** edgec_f32_to_f16: round to nearest even. */
  f32ToF16(f: Ref): Ref {
    const w = this.w, i = (n: string, ...a: (Ref | number)[]) => w.op("i32", n, ...a);
    // locals: 0 f, 1 x, 2 sign, 3 mant, 4 e, 5 shift, 6 half, 7 rem
    const name = this.fn("edgec_f32_to_f16", [W.f32], W.i32, [W.i32, W.i32, W.i32, W.i32, W.i32, W.i32, W.i32], (g) => {
      const roundUp = (mid: Ref) => w.set(6, i("add", g(6), i("gt_u", i("add", g(7), i("and", g(6), w.i32(1))), mid)));
      return w.block(null, [
        w.set(1, i("reinterpret", g(0))),
        w.set(2, i("and", i("shr_u", g(1), w.i32(16)), w.i32(0x8000))),
        w.set(3, i("and", g(1), w.i32(0x7fffff))),
        w.set(4, i("and", i("shr_u", g(1), w.i32(23)), w.i32(0xff))),
        w.if(i("eq", g(4), w.i32(0xff)), w.return(i("or", i("or", g(2), w.i32(0x7c00)), w.select(w.i32(0x200), w.i32(0), g(3))))),
        w.set(4, i("sub", g(4), w.i32(112))),
        w.if(i("ge_s", g(4), w.i32(31)), w.return(i("or", g(2), w.i32(0x7c00)))),
        w.if(i("le_s", g(4), w.i32(0)), w.block(null, [
          w.if(i("lt_s", g(4), w.i32(-10)), w.return(g(2))),
          w.set(3, i("or", g(3), w.i32(0x800000))),
          w.set(5, i("sub", w.i32(14), g(4))),
          w.set(6, i("shr_u", g(3), g(5))),
          w.set(7, i("and", g(3), i("sub", i("shl", w.i32(1), g(5)), w.i32(1)))),
          roundUp(i("shl", w.i32(1), i("sub", g(5), w.i32(1)))),
          w.return(i("or", g(2), g(6))),
        ])),
        w.set(6, i("or", i("shl", g(4), w.i32(10)), i("shr_u", g(3), w.i32(13)))),
        w.set(7, i("and", g(3), w.i32(0x1fff))),
        roundUp(w.i32(0x1000)),
        i("or", g(2), g(6)),
      ], W.i32);
    });
    return w.call(name, [f], W.i32);
  }

  bf16ToF32(h: Ref): Ref {
    return this.w.op("f32", "reinterpret", this.w.op("i32", "shl", h, this.w.i32(16)));
  }

  /** edgec_f32_to_bf16: round to nearest even; NaN stays quiet. */
  f32ToBf16(f: Ref): Ref {
    const w = this.w, i = (n: string, ...a: (Ref | number)[]) => w.op("i32", n, ...a);
    const name = this.fn("edgec_f32_to_bf16", [W.f32], W.i32, [W.i32], (g) => w.block(null, [
      w.set(1, i("reinterpret", g(0))),
      w.if(w.op("f32", "ne", g(0), g(0)), w.return(i("or", i("shr_u", g(1), w.i32(16)), w.i32(0x40)))),
      i("and", i("shr_u", i("add", i("add", g(1), w.i32(0x7fff)), i("and", i("shr_u", g(1), w.i32(16)), w.i32(1))), w.i32(16)), w.i32(0xffff)),
    ], W.i32));
    return w.call(name, [f], W.i32);
  }

  private f8(t: DType) {
    const f = F8_FORMATS[t];
    if (!f) throw new Error(`internal error: ${t} is not an 8-bit float`);
    return { ...f, kind: f.kind === "fn" ? 0 : f.kind === "fnuz" ? 1 : 2 };
  }

  /** edgec_<t>_to_f32. */
  f8ToF32(t: DType, b: Ref): Ref {
    const w = this.w, i = (n: string, ...a: (Ref | number)[]) => w.op("i32", n, ...a);
    const { mbits, bias, kind } = this.f8(t);
    const nan = w.f32Bits(0x7fc00000);
    // locals: 0 b, 1 mag, 2 e, 3 m, 4 magnitude bits
    const name = this.fn(`edgec_${t}_to_f32`, [W.i32], W.f32, [W.i32, W.i32, W.i32, W.f32], (g) => w.block(null, [
      w.set(1, i("and", g(0), w.i32(0x7f))),
      w.set(2, i("shr_u", g(1), w.i32(mbits))),
      w.set(3, i("and", g(1), w.i32((1 << mbits) - 1))),
      kind === 1 ? w.if(i("eq", g(0), w.i32(0x80)), w.return(nan)) : w.nop(),
      kind === 0 ? w.if(i("eq", g(1), w.i32(0x7f)), w.return(w.f32Bits(0x7fc00000))) : w.nop(),
      kind === 2 ? w.if(i("eq", g(2), w.i32(31)), w.return(w.select(w.f32Bits(0x7fc00000),
        w.select(w.f32(-Infinity), w.f32(Infinity), i("and", g(0), w.i32(0x80))), g(3)))) : w.nop(),
      w.set(4, w.if(i("eqz", g(2)),
        w.op("f32", "mul", w.op("f32", "convert_u.i32", g(3)), w.f32(2 ** (1 - bias - mbits))),
        w.op("f32", "reinterpret", i("or", i("shl", i("add", g(2), w.i32(127 - bias)), w.i32(23)), i("shl", g(3), w.i32(23 - mbits)))))),
      w.select(w.op("f32", "neg", w.get(4, W.f32)), w.get(4, W.f32), i("and", g(0), w.i32(0x80))),
    ], W.f32));
    return w.call(name, [b], W.f32);
  }

  /** edgec_f32_to_<t>: round to nearest even, not saturating. */
  f32ToF8(t: DType, f: Ref): Ref {
    const w = this.w, i = (n: string, ...a: (Ref | number)[]) => w.op("i32", n, ...a);
    const { mbits, bias, maxCode, kind } = this.f8(t);
    // locals: 0 f, 1 x, 2 sign, 3 zero, 4 nan, 5 over, 6 exp, 7 mant, 8 e, 9 shift, 10 q, 11 rem
    const name = this.fn(`edgec_f32_to_${t}`, [W.f32], W.i32, Array(11).fill(W.i32), (g) => w.block(null, [
      w.set(1, i("reinterpret", g(0))),
      w.set(2, i("and", i("shr_u", g(1), w.i32(24)), w.i32(0x80))),
      w.set(3, kind === 1 ? w.i32(0) : g(2)),
      w.set(4, kind === 1 ? w.i32(0x80) : i("or", g(2), w.i32(0x7f))),
      w.set(5, kind === 2 ? i("or", g(2), w.i32(0x7c)) : g(4)),
      w.set(6, i("and", i("shr_u", g(1), w.i32(23)), w.i32(0xff))),
      w.set(7, i("and", g(1), w.i32(0x7fffff))),
      w.if(i("eq", g(6), w.i32(0xff)), w.return(w.select(g(4), g(5), g(7)))),
      w.set(8, i("add", g(6), w.i32(bias - 127))),
      w.if(i("le_s", g(8), w.i32(0)), w.block(null, [
        w.if(i("eqz", g(6)), w.return(g(3))),
        w.set(7, i("or", g(7), w.i32(0x800000))),
        w.if(i("gt_s", i("sub", w.i32(24 - mbits), g(8)), w.i32(24)), w.return(g(3))),
        w.set(9, i("sub", w.i32(24 - mbits), g(8))),
        w.set(10, i("shr_u", g(7), g(9))),
      ]), w.block(null, [
        w.set(9, w.i32(23 - mbits)),
        w.set(10, i("or", i("shl", g(8), w.i32(mbits)), i("shr_u", g(7), g(9)))),
      ])),
      w.set(11, i("and", g(7), i("sub", i("shl", w.i32(1), g(9)), w.i32(1)))),
      w.set(10, i("add", g(10), i("gt_u", i("add", g(11), i("and", g(10), w.i32(1))), i("shl", w.i32(1), i("sub", g(9), w.i32(1)))))),
      w.if(i("gt_u", g(10), w.i32(maxCode)), w.return(g(5))),
      w.select(g(3), i("or", g(2), g(10)), i("eqz", g(10))),
    ], W.i32));
    return w.call(name, [f], W.i32);
  }

  /**
   * e^d for d in [-104, 89] (every f32 whose expf is neither 0 nor Inf), in f64: d = k ln2 + r,
   * |r| <= ln2/2, e^r by its Taylor series to r^10 (relative error below 3e-13), times 2^k.
   */
  private expCore(d: Ref): Ref {
    const w = this.w, f = (n: string, ...a: Ref[]) => w.op("f64", n, ...a);
    // locals: 0 d, 1 k, 2 r, 3 p
    const name = this.fn("edgec_exp_core", [W.f64], W.f64, [W.f64, W.f64, W.f64], (g) => {
      let p = w.f64(1 / 3628800);
      for (let n = 9; n >= 0; n--) {
        let fact = 1;
        for (let j = 2; j <= n; j++) fact *= j;
        p = f("add", w.f64(1 / fact), f("mul", g(2), p));
      }
      return w.block(null, [
        w.set(1, f("nearest", f("mul", g(0), w.f64(Math.LOG2E)))),
        w.set(2, f("sub", g(0), f("mul", g(1), w.f64(Math.LN2)))),
        w.set(3, p),
        f("mul", g(3), f("reinterpret", w.op("i64", "shl", w.op("i64", "add", w.op("i64", "trunc_s_sat.f64", g(1)), w.i64(1023n)), w.i64(52n)))),
      ], W.f64);
    });
    return w.call(name, [d], W.f64);
  }

  /** expf in WebAssembly: within an ulp of the correctly rounded result. */
  expF32(x: Ref): Ref {
    const w = this.w, f = (n: string, ...a: Ref[]) => w.op("f32", n, ...a);
    const name = this.fn("edgec_expf", [W.f32], W.f32, [], (g) => w.block(null, [
      w.if(f("ne", g(0), g(0)), w.return(g(0))),
      w.if(f("gt", g(0), w.f32(89)), w.return(w.f32(Infinity))),
      w.if(f("lt", g(0), w.f32(-104)), w.return(w.f32(0))),
      f("demote", this.expCore(w.op("f64", "promote", g(0)))),
    ], W.f32));
    return w.call(name, [x], W.f32);
  }

  /**
   * erff in WebAssembly, in f64: x P(x^2/4) for |x| <= 2, 1 - e^-x^2 R((|x| - 2)/2) up to 4, and
   * +-1 beyond (erfc(4) is below half an ulp of 1). P and R are Chebyshev least-squares fits of
   * erf(x)/x and erfc(x) e^x^2, relative errors below 1e-9 and 4e-8: within an ulp of erff.
   */
  erfF32(x: Ref): Ref {
    const w = this.w, d = (n: string, ...a: Ref[]) => w.op("f64", n, ...a);
    // locals: 0 x, 1 |x| (f64), 2 the polynomial's variable
    const name = this.fn("edgec_erff", [W.f32], W.f32, [W.f64, W.f64], (g) => {
      const horner = (c: number[]) => c.slice(0, -1).reduceRight<Ref>((acc, k) => d("add", w.f64(k), d("mul", g(2), acc)), w.f64(c[c.length - 1]!));
      return w.block(null, [
        w.if(w.op("f32", "ne", g(0), g(0)), w.return(g(0))),
        w.set(1, d("abs", w.op("f64", "promote", g(0)))),
        w.if(d("ge", g(1), w.f64(4)), w.return(w.op("f32", "copysign", w.f32(1), g(0)))),
        w.if(d("le", g(1), w.f64(2)), w.block(null, [
          w.set(2, d("mul", d("mul", g(1), g(1)), w.f64(0.25))),
          w.return(w.op("f32", "demote", d("mul", w.op("f64", "promote", g(0)), horner(ERF_P)))),
        ])),
        w.set(2, d("mul", d("sub", g(1), w.f64(2)), w.f64(0.5))),
        w.op("f32", "demote", d("copysign", d("sub", w.f64(1), d("mul", this.expCore(d("neg", d("mul", g(1), g(1)))), horner(ERFC_R))),
          w.op("f64", "promote", g(0)))),
      ], W.f32);
    });
    return w.call(name, [x], W.f32);
  }

  /** tanhf in WebAssembly: 1 - 2/(e^2|x| + 1) in f64, x itself where that would cancel. */
  tanhF32(x: Ref): Ref {
    const w = this.w, d = (n: string, ...a: Ref[]) => w.op("f64", n, ...a);
    // locals: 0 x, 1 |x| (f64), 2 e^2|x|
    const name = this.fn("edgec_tanhf", [W.f32], W.f32, [W.f64, W.f64], (g) => w.block(null, [
      w.set(1, d("abs", w.op("f64", "promote", g(0)))),
      // tanh x = x (1 - x^2/3 + ...) rounds to x in f32 below 2^-12.
      w.if(d("lt", g(1), w.f64(2 ** -12)), w.return(g(0))),
      w.set(2, this.expCore(d("mul", d("min", g(1), w.f64(20)), w.f64(2)))),
      w.op("f32", "demote", d("copysign", d("sub", w.f64(1), d("div", w.f64(2), d("add", g(2), w.f64(1)))), w.op("f64", "promote", g(0)))),
    ], W.f32));
    return w.call(name, [x], W.f32);
  }

  /** Integer division that never traps: x / 0 is 0 and MIN / -1 wraps, as the C helpers do. */
  div(k: IntKind, signed: boolean, a: Ref, b: Ref): Ref {
    const w = this.w, t = W[k], o = (n: string, ...x: Ref[]) => w.op(k, n, ...x);
    const zero = k === "i32" ? w.i32(0) : w.i64(0n), m1 = k === "i32" ? w.i32(-1) : w.i64(-1n);
    const name = this.fn(`edgec_div_${signed ? "s" : "u"}_${k}`, [t, t], t, [], (g) => w.block(null, [
      w.if(o("eqz", g(1)), w.return(zero)),
      signed ? w.if(o("eq", g(1), m1), w.return(o("sub", zero, g(0)))) : w.nop(),
      o(signed ? "div_s" : "div_u", g(0), g(1)),
    ], t));
    return w.call(name, [a, b], t);
  }

  /** Integer remainder (the sign of the dividend) that never traps: x % 0 is 0. */
  rem(k: IntKind, signed: boolean, a: Ref, b: Ref): Ref {
    const w = this.w, t = W[k], o = (n: string, ...x: Ref[]) => w.op(k, n, ...x);
    const zero = k === "i32" ? w.i32(0) : w.i64(0n);
    const name = this.fn(`edgec_rem_${signed ? "s" : "u"}_${k}`, [t, t], t, [], (g) => w.block(null, [
      w.if(o("eqz", g(1)), w.return(zero)),
      o(signed ? "rem_s" : "rem_u", g(0), g(1)),
    ], t));
    return w.call(name, [a, b], t);
  }

  /** edgec_floordiv / edgec_floormod for signed integers: rounds toward -inf, modulo takes the divisor's sign. */
  floor(k: IntKind, mod: boolean, a: Ref, b: Ref): Ref {
    const w = this.w, t = W[k], o = (n: string, ...x: Ref[]) => w.op(k, n, ...x);
    const c = (v: number) => (k === "i32" ? w.i32(v) : w.i64(BigInt(v)));
    const i = (n: string, ...x: Ref[]) => w.op("i32", n, ...x);
    // locals: 0 a, 1 b, 2 r
    const name = this.fn(`edgec_floor${mod ? "mod" : "div"}_${k}`, [t, t], t, [t], (g) => w.block(null, [
      w.if(o("eqz", g(1)), w.return(c(0))),
      w.if(o("eq", g(1), c(-1)), w.return(mod ? c(0) : o("sub", c(0), g(0)))),
      w.set(2, o("rem_s", g(0), g(1))),
      // Adjust when the remainder is nonzero and its sign differs from the divisor's.
      mod
        ? w.select(o("add", g(2), g(1)), g(2), i("and", o("ne", g(2), c(0)), i("ne", o("lt_s", g(2), c(0)), o("lt_s", g(1), c(0)))))
        : w.select(o("sub", o("div_s", g(0), g(1)), c(1)), o("div_s", g(0), g(1)),
          i("and", o("ne", g(2), c(0)), i("ne", o("lt_s", g(0), c(0)), o("lt_s", g(1), c(0))))),
    ], t));
    return w.call(name, [a, b], t);
  }
}
