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
 */
import { DType } from "../dtype.ts";
import { Buffer, Expr, INDEX, PrimFunc, Stmt } from "../tir.ts";
import { num, ref, typeStr } from "./literals.ts";
import { INFIX, NUMBER_TYPE, Scope, binType, unType } from "./tir-syntax.ts";

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
        const bodyScope = new Map(scope).set(s.v.name, s.v.dtype);
        return `for ${ref("%", s.v.name)}${vt} in 0..${s.extent} ${s.kind}${lo}${hi} ${this.block(s.body, bodyScope, indent)}`;
      }
      case "store": {
        this.buffer(s.buf);
        return `store ${ref("%", s.buf.name)}[${this.expr(s.index, scope)}] = ${this.expr(s.value, scope)}`;
      }
      case "seq": return `seq ${this.braces(s.body, scope, indent)}`;
      case "if": {
        const els = s.else ? ` else ${this.block(s.else, scope, indent)}` : "";
        return `if ${this.expr(s.c, scope)} ${this.block(s.then, scope, indent)}${els}`;
      }
      case "decl": {
        const text = `let ${ref("%", s.v.name)} : ${s.v.dtype} = ${this.expr(s.init, scope)}`;
        scope.set(s.v.name, s.v.dtype);
        return text;
      }
      case "assign": {
        const vt = scope.get(s.v.name) === s.v.dtype ? "" : `:${s.v.dtype}`;
        return `${ref("%", s.v.name)}${vt} = ${this.expr(s.value, scope)}`;
      }
    }
  }

  private buffer(b: Buffer): void {
    if (this.bufs.get(b.name) !== b && !sameBuffer(this.bufs.get(b.name), b))
      throw new Error(`internal error: buffer ${b.name} of ${this.f.name} is not one of its params`);
  }

  /** An expression with a `:dtype` suffix when its dtype is not the one its form implies. */
  expr(e: Expr, scope: Scope): string {
    const [text, implied] = this.form(e, scope);
    return implied === e.dtype ? text : `${text}:${e.dtype}`;
  }

  private form(e: Expr, scope: Scope): [string, DType | undefined] {
    switch (e.k) {
      case "const": return [num(e.v), NUMBER_TYPE];
      case "var": return [ref("%", e.name), scope.get(e.name)];
      case "load":
        this.buffer(e.buf);
        return [`${ref("%", e.buf.name)}[${this.expr(e.index, scope)}]`, e.buf.dtype];
      case "bin": {
        const a = this.expr(e.a, scope), b = this.expr(e.b, scope);
        const op = INFIX[e.op];
        return [op ? `(${a} ${op} ${b})` : `${e.op}(${a}, ${b})`, binType(e.op, e.a.dtype)];
      }
      case "un": return [`${e.op}(${this.expr(e.a, scope)})`, unType(e.op, e.a.dtype)];
      case "cast": return [`cast<${e.dtype}>(${this.expr(e.a, scope)})`, e.dtype];
      case "bitcast": return [`bitcast<${e.dtype}>(${this.expr(e.a, scope)})`, e.dtype];
      case "select":
        return [`select(${this.expr(e.c, scope)}, ${this.expr(e.a, scope)}, ${this.expr(e.b, scope)})`, e.a.dtype];
      case "access": case "reduce":
        throw new Error(`internal error: tensor expression (${e.k}) left in PrimFunc ${this.f.name}`);
    }
  }
}

const sameBuffer = (a: Buffer | undefined, b: Buffer): boolean =>
  !!a && a.dtype === b.dtype && a.scope === b.scope && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
