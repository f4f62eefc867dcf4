/**
 * @fileoverview Vector math the C library has only for scalars, evaluated in vector registers
 * instead of a printer's lane-by-lane libm calls. Coefficients fitted for this file; errors
 * measured in f32 arithmetic against double precision:
 * - erf (GELU in every transformer block): a rational function of x² over [0, 3.92], past which
 *   erf rounds to ±1; relative error ≤ 3.3e-7, NaN and ±0 kept.
 * - exp (softmax): 2^n · e^r with r in [-ln2/2, ln2/2] (Cody-Waite, the split exact without fma)
 *   and e^r = 1 + r + r²·Q(r); 2^n applied as two normal powers of two, so subnormal results and
 *   overflow to inf come out as in expf; ≤ 1.3 ulp for normal results, NaN kept.
 */
import { DType } from "../ir/dtype.ts";
import { TargetDesc } from "../ir/target.ts";
import { Expr, PrimFunc, Stmt, Var, c, mapExpr, mkVar, seq } from "../ir/tir.ts";
import * as V from "../ir/vec.ts";

const ERF_CLAMP = 3.92;
/** erf(x) / x = P(x²) / Q(x²), lowest degree first. */
const ERF_P = [1.1283791065216064, 0.1988634318113327, 0.05043046548962593, 0.003663016250357032, 0.0001414231228409335, -1.9663632429001154e-6, 2.011548616565051e-8];
const ERF_Q = [1.0, 0.5095697045326233, 0.11455869674682617, 0.01426596101373434, 0.0009484628681093454];

/** Rounds |t| < 2^22 to the nearest integer by f32 addition and subtraction of 1.5 × 2^23. */
const ROUNDER = 12582912;
const LOG2E = 1.4426950408889634;
/** ln 2 = LN2_HI + LN2_LO, LN2_HI with 9 significant bits: n · LN2_HI is exact for |n| < 2^15. */
const LN2_HI = 0.693359375;
const LN2_LO = -2.1219444005469057e-4;
/** e^r = 1 + r + r² · EXP_Q(r), lowest degree first. */
const EXP_Q = [0.4999999403953552, 0.1666652113199234, 0.04166838526725769, 0.00836868491023779, 0.0013814516132697463];

type Expand = (x: Expr, t: TargetDesc, pre: Stmt[]) => Expr;
const EXPAND: Partial<Record<string, Expand>> = { erf: erfInto, exp: expInto };

/** f with every erf and exp of an f32 vector computed from vector arithmetic; the input when there is none. */
export function expandVectorMath(f: PrimFunc, target: TargetDesc): PrimFunc {
  let changed = false;
  const body = rewrite(f.body, target, () => { changed = true; });
  return changed ? { ...f, body } : f;
}

const expander = (e: Expr): Expand | undefined => (e.k === "un" && e.dtype === "f32" && V.isVector(e) ? EXPAND[e.op] : undefined);

function rewrite(s: Stmt, t: TargetDesc, hit: () => void): Stmt {
  switch (s.k) {
    case "seq": return seq(...s.body.map((x) => rewrite(x, t, hit)));
    case "for": return { ...s, body: rewrite(s.body, t, hit) };
    case "if": return { ...s, then: rewrite(s.then, t, hit), ...(s.else ? { else: rewrite(s.else, t, hit) } : {}) };
    case "store": case "decl": case "assign": {
      const pre: Stmt[] = [];
      // Innermost first: a call inside another's argument is computed before it.
      const lift = (e: Expr): Expr => mapExpr(e, (x) => {
        const f = expander(x);
        return f && x.k === "un" ? f(lift(x.a), t, pre) : undefined;
      });
      const out: Stmt = s.k === "store" ? { ...s, index: lift(s.index), value: lift(s.value), ...(s.mask ? { mask: lift(s.mask) } : {}) }
        : s.k === "decl" ? { ...s, init: lift(s.init) } : { ...s, value: lift(s.value) };
      if (!pre.length) return s;
      hit();
      return seq(...pre, out);
    }
  }
}

/** Constants, locals and multiply-adds for one expansion of an x shaped as `x`. */
function builder(x: Expr, t: TargetDesc, pre: Stmt[]) {
  const s = V.shapeOf(x);
  const k = (v: number, d: DType = "f32") => V.bcast(c(v, d), s);
  const local = (hint: string, init: Expr): Var => {
    const v = V.vvar(mkVar(hint, init.dtype), s);
    pre.push({ k: "decl", v, init });
    return v;
  };
  const madd = (a: Expr, b: Expr, d: Expr) => (t.fma ? V.fma(a, b, d) : V.vbin("add", V.vbin("mul", a, b), d));
  const horner = (cs: number[], at: Expr) => cs.slice(0, -1).reduceRight<Expr>((acc, v) => madd(acc, at, k(v)), k(cs[cs.length - 1]!));
  const round = (v: Expr) => V.vbin("sub", V.vbin("add", v, k(ROUNDER)), k(ROUNDER));
  return { k, local, madd, horner, round };
}

/** Declares the steps of erf(x) in `pre` and returns the variable holding it. */
function erfInto(x: Expr, t: TargetDesc, pre: Stmt[]): Expr {
  const { k, local, horner } = builder(x, t, pre);
  const xc = local("erfx", V.vbin("min", V.vbin("max", x, k(-ERF_CLAMP)), k(ERF_CLAMP)));
  const x2 = local("erfx2", V.vbin("mul", xc, xc));
  const y = V.vbin("div", V.vbin("mul", xc, horner(ERF_P, x2)), horner(ERF_Q, x2));
  return local("erf", V.vbin("min", V.vbin("max", y, k(-1)), k(1)));
}

/** Declares the steps of exp(x) in `pre` and returns the variable holding it. */
function expInto(x: Expr, t: TargetDesc, pre: Stmt[]): Expr {
  const { k, local, madd, horner, round } = builder(x, t, pre);
  // Past these exp is inf or rounds to 0; the clamp keeps 2^n's exponents in range and NaN.
  const xc = local("expx", V.vbin("min", V.vbin("max", x, k(-105)), k(89)));
  const n = local("expn", round(V.vbin("mul", xc, k(LOG2E))));
  const r = local("expr", madd(n, k(-LN2_LO), madd(n, k(-LN2_HI), xc)));
  const p = madd(V.vbin("mul", r, r), horner(EXP_Q, r), V.vbin("add", r, k(1)));
  // 2^n as 2^n1 · 2^n2 with |n1|, |n2| ≤ 76, each a normal f32 built from its exponent bits:
  // m + ROUNDER + 127 holds 127 + m in its low mantissa bits, and × 2^23 (mod 2^32) moves them
  // into the exponent field while the rest of the word shifts out.
  const n1 = local("expn", round(V.vbin("mul", n, k(0.5))));
  const pow2 = (m: Expr) => V.vbitcast(V.vbin("mul", V.vbitcast(V.vbin("add", m, k(ROUNDER + 127)), "u32"), k(1 << 23, "u32")), "f32");
  return local("exp", V.vbin("mul", V.vbin("mul", p, pow2(n1)), pow2(V.vbin("sub", n, n1))));
}
