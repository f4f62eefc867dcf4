/**
 * @fileoverview Prints a Tensor IR PrimFunc as text, deterministically:
 *
 *   func @k0(%a: f32[6] input, %o: f32[6] output) {
 *     for %i0 in 0..6 serial {
 *       let %acc1 : f32 = 0:f32
 *       store %o[%i0] = max((%a[%i0] * 2:f32), %acc1)
 *     }
 *   }
 *
 * Every expression's dtype follows from its operands (i32 for untyped numbers, a variable's from
 * its declaration, a load's from its buffer, a comparison is bool); a `:dtype` suffix records
 * it wherever it differs. add/sub/mul and comparisons print infix, always parenthesised.
 * A block of one statement is that statement; a nested sequence prints as `seq { ... }`.
 * Vector types read `f32x8` (8 lanes) or `f32xv4` (4 × vscale lanes):
 *
 *   let %acc2 : f32x8 = bcast<8>(0:f32)
 *   %acc2 = fma(%a[ramp<8>((%i0 * 8), 1)], bcast<8>(%s), %acc2)
 *   store %o[0] = hreduce<add>(%acc2)
 */
import { Buffer, Expr, INDEX, PrimFunc, Stmt } from "../tir.ts";
import { exprTypeName, shapeOf, typeName } from "../vec.ts";
import { num, ref, typeStr } from "./literals.ts";
import { INFIX, NUMBER_TYPE, Scope, binType, lanesText, unType } from "./tir-syntax.ts";

export function printFunc(f: PrimFunc): string {
  return new TirPrinter(f).func() + "\n";
}

/** Several functions, a blank line apart. */
export function printFuncs(fs: readonly PrimFunc[]): string {
  return fs.map(printFunc).join("\n");
}

class TirPrinter {
  private bufs = new Map<string, Buffer>();

  constructor(private f: PrimFunc) {
    for (const b of f.params) this.bufs.set(b.name, b);
  }

  func(): string {
    const params = this.f.params.map((b) => `${ref("%", b.name)}: ${typeStr(b)} ${b.scope}`);
    return `func ${ref("@", this.f.name)}(${params.join(", ")}) ${this.block(this.f.body, new Map(), "")}`;
  }

  /** `{ ... }` holding a seq's statements, or the one statement that is not a seq of one. */
  private block(s: Stmt, outer: Scope, indent: string): string {
    return this.braces(s.k === "seq" && s.body.length !== 1 ? s.body : [s], outer, indent);
  }

  private braces(body: Stmt[], outer: Scope, indent: string): string {
    if (!body.length) return "{\n" + indent + "}";
    const scope = new Map(outer);
    const inner = indent + "  ";
    return `{\n${body.map((x) => inner + this.stmt(x, scope, inner)).join("\n")}\n${indent}}`;
  }

  private stmt(s: Stmt, scope: Scope, indent: string): string {
    switch (s.k) {
      case "for": {
        const vt = s.v.dtype === INDEX ? "" : `:${s.v.dtype}`;
        const lo = s.lo ? ` from ${this.expr(s.lo, scope)}` : "";
        const hi = s.hi ? ` to ${this.expr(s.hi, scope)}` : "";
        const bodyScope = new Map(scope).set(s.v.name, s.v.dtype as string);
        return `for ${ref("%", s.v.name)}${vt} in 0..${s.extent} ${s.kind}${lo}${hi} ${this.block(s.body, bodyScope, indent)}`;
      }
      case "store": {
        this.buffer(s.buf);
        return `store ${ref("%", s.buf.name)}[${this.index(s.index, s.mask, scope)}] = ${this.expr(s.value, scope)}`;
      }
      case "seq": return `seq ${this.braces(s.body, scope, indent)}`;
      case "if": {
        const els = s.else ? ` else ${this.block(s.else, scope, indent)}` : "";
        return `if ${this.expr(s.c, scope)} ${this.block(s.then, scope, indent)}${els}`;
      }
      case "decl": {
        const t = typeName(s.v.dtype, shapeOf(s.v));
        const text = `let ${ref("%", s.v.name)} : ${t} = ${this.expr(s.init, scope)}`;
        scope.set(s.v.name, t);
        return text;
      }
      case "assign": {
        const t = typeName(s.v.dtype, shapeOf(s.v));
        const vt = scope.get(s.v.name) === t ? "" : `:${t}`;
        return `${ref("%", s.v.name)}${vt} = ${this.expr(s.value, scope)}`;
      }
    }
  }

  private buffer(b: Buffer): void {
    if (this.bufs.get(b.name) !== b && !sameBuffer(this.bufs.get(b.name), b))
      throw new Error(`internal error: buffer ${b.name} of ${this.f.name} is not one of its params`);
  }

  /** An expression with a `:type` suffix when its type is not the one its form implies. */
  expr(e: Expr, scope: Scope): string {
    const [text, implied] = this.form(e, scope);
    const t = exprTypeName(e);
    return implied === t ? text : `${text}:${t}`;
  }

  private index(index: Expr, mask: Expr | undefined, scope: Scope): string {
    return mask ? `${this.expr(index, scope)} if ${this.expr(mask, scope)}` : this.expr(index, scope);
  }

  private form(e: Expr, scope: Scope): [string, string | undefined] {
    const like = (dtype: string, of: Expr) => typeName(dtype as Expr["dtype"], shapeOf(of));
    switch (e.k) {
      case "const": return [num(e.v), NUMBER_TYPE];
      case "var": return [ref("%", e.name), scope.get(e.name)];
      case "load":
        this.buffer(e.buf);
        return [`${ref("%", e.buf.name)}[${this.index(e.index, e.mask, scope)}]`, like(e.buf.dtype, e.index)];
      case "bin": {
        const a = this.expr(e.a, scope), b = this.expr(e.b, scope);
        const op = INFIX[e.op];
        return [op ? `(${a} ${op} ${b})` : `${e.op}(${a}, ${b})`, like(binType(e.op, e.a.dtype), e.a)];
      }
      case "un": return [`${e.op}(${this.expr(e.a, scope)})`, like(unType(e.op, e.a.dtype), e.a)];
      case "cast": return [`cast<${e.dtype}>(${this.expr(e.a, scope)})`, like(e.dtype, e.a)];
      case "bitcast": return [`bitcast<${e.dtype}>(${this.expr(e.a, scope)})`, like(e.dtype, e.a)];
      case "select":
        return [`select(${this.expr(e.c, scope)}, ${this.expr(e.a, scope)}, ${this.expr(e.b, scope)})`, exprTypeName(e.a)];
      case "ramp": return [`ramp<${lanesText(e)}>(${this.expr(e.base, scope)}, ${num(e.stride)})`, like(e.base.dtype, e)];
      case "bcast": return [`bcast<${lanesText(e)}>(${this.expr(e.a, scope)})`, like(e.a.dtype, e)];
      case "fma": return [`fma(${this.expr(e.a, scope)}, ${this.expr(e.b, scope)}, ${this.expr(e.c, scope)})`, exprTypeName(e.a)];
      case "hreduce": return [`hreduce<${e.op}>(${this.expr(e.a, scope)})`, e.a.dtype];
      case "shuffle": {
        const args = [e.a, ...(e.b ? [e.b] : [])].map((x) => this.expr(x, scope)).join(", ");
        return [`shuffle<${e.idx.join(",")}>(${args})`, typeName(e.a.dtype, e.idx.length > 1 ? { lanes: e.idx.length } : {})];
      }
      case "vscale": return ["vscale()", INDEX];
      case "access": case "reduce":
        throw new Error(`internal error: tensor expression (${e.k}) left in PrimFunc ${this.f.name}`);
    }
  }
}

const sameBuffer = (a: Buffer | undefined, b: Buffer): boolean =>
  !!a && a.dtype === b.dtype && a.scope === b.scope && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
