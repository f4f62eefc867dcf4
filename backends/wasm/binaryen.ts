/**
 * @fileoverview The one thin wrapper over the npm `binaryen` package: module creation with its
 * features, functions and locals, imports and exports, memory and data segments, validation,
 * optimisation and binary output. Every other file builds WebAssembly through this class.
 */
import binaryen from "binaryen";

export type Ref = binaryen.ExpressionRef;
export type WType = binaryen.Type;

/** WebAssembly value types. */
export const W = {
  i32: binaryen.i32, i64: binaryen.i64, f32: binaryen.f32, f64: binaryen.f64, v128: binaryen.v128,
  none: binaryen.none,
} as const;

/** Instruction namespaces of a binaryen module: scalar types and the SIMD lane shapes. */
export type Ns = "i32" | "i64" | "f32" | "f64" | "v128" | "i8x16" | "i16x8" | "i32x4" | "i64x2" | "f32x4" | "f64x2";

/** binaryen's expression accessors for loads (present at run time, missing from index.d.ts). */
const loadApi = (binaryen as unknown as { Load: { setSigned(e: Ref, signed: boolean): void } }).Load;

type OpArg = Ref | number | bigint | ArrayLike<number>;
type OpFn = (...args: OpArg[]) => Ref;

export interface ModuleOptions {
  /** Enables the SIMD128 feature (plain SIMD, never relaxed SIMD). */
  simd: boolean;
}

export interface DataSegment {
  offset: number;
  data: Uint8Array;
}

export class WasmModule {
  private readonly m = new binaryen.Module();
  readonly simd: boolean;

  constructor(opts: ModuleOptions) {
    this.simd = opts.simd;
    const F = binaryen.Features;
    this.m.setFeatures(F.MVP | F.MutableGlobals | F.NontrappingFPToInt | F.SignExt | F.BulkMemory | (opts.simd ? F.SIMD128 : 0));
  }

  /**
   * Any instruction of a namespace by name, e.g. op("i32", "add", a, b), op("f32x4", "splat", x),
   * op("i32", "trunc_s_sat.f64", x), op("v128", "load", offset, align, ptr). Arguments are passed
   * to binaryen unchanged.
   */
  op(ns: Ns, name: string, ...args: OpArg[]): Ref {
    let f: unknown = (this.m as unknown as Record<string, unknown>)[ns];
    let self: unknown = f;
    for (const part of name.split(".")) {
      self = f;
      f = (f as Record<string, unknown> | undefined)?.[part];
    }
    if (typeof f !== "function") throw new Error(`internal error: binaryen has no ${ns}.${name}`);
    const r = (f as OpFn).apply(self, args);
    // binaryen's JS API marks full-width integer loads signed, and its optimiser (132) then turns
    // i64.extend_i32_u(i32.load) into i64.load32_s; a full-width load's signedness means nothing else.
    if (name === "load" && (ns === "i32" || ns === "i64")) loadApi.setSigned(r, false);
    return r;
  }

  i32(v: number): Ref { return this.m.i32.const(v | 0); }
  i64(v: bigint): Ref { return this.m.i64.const(BigInt.asIntN(64, v)); }
  f32(v: number): Ref { return this.m.f32.const(v); }
  f64(v: number): Ref { return this.m.f64.const(v); }
  f32Bits(bits: number): Ref { return this.m.f32.const_bits(bits | 0); }

  get(index: number, type: WType): Ref { return this.m.local.get(index, type); }
  set(index: number, value: Ref): Ref { return this.m.local.set(index, value); }
  tee(index: number, value: Ref, type: WType): Ref { return this.m.local.tee(index, value, type); }

  block(label: string | null, children: Ref[], type?: WType): Ref {
    return type === undefined ? this.m.block(label, children) : this.m.block(label, children, type);
  }
  loop(label: string, body: Ref): Ref { return this.m.loop(label, body); }
  br(label: string, cond?: Ref): Ref { return this.m.br(label, cond); }
  if(cond: Ref, then: Ref, otherwise?: Ref): Ref { return this.m.if(cond, then, otherwise); }
  /** `cond ? a : b` evaluating all three, in wasm's operand order (a, b, cond). */
  select(a: Ref, b: Ref, cond: Ref): Ref { return this.m.select(cond, a, b); }
  call(name: string, args: Ref[], result: WType): Ref { return this.m.call(name, args, result); }
  drop(v: Ref): Ref { return this.m.drop(v); }
  return(v?: Ref): Ref { return this.m.return(v); }
  nop(): Ref { return this.m.nop(); }
  unreachable(): Ref { return this.m.unreachable(); }
  memoryFill(dest: Ref, value: Ref, size: Ref): Ref { return this.m.memory.fill(dest, value, size); }
  memoryCopy(dest: Ref, src: Ref, size: Ref): Ref { return this.m.memory.copy(dest, src, size); }

  addFunction(name: string, params: WType[], result: WType, vars: WType[], body: Ref): void {
    this.m.addFunction(name, binaryen.createType(params), result, vars, body);
  }
  hasFunction(name: string): boolean { return this.m.getFunction(name) !== 0; }
  addImport(name: string, module: string, base: string, params: WType[], result: WType): void {
    this.m.addFunctionImport(name, module, base, binaryen.createType(params), result);
  }
  addExport(name: string, externalName: string): void { this.m.addFunctionExport(name, externalName); }

  /**
   * One linear memory of a fixed number of 64 KiB pages, exported as `exportName`. Call it
   * before building any load or store: binaryen binds them to the memory when they are made.
   */
  setMemory(pages: number, exportName: string, segments: DataSegment[]): void {
    this.m.setMemory(pages, pages, exportName, segments.map((s) => ({ offset: this.m.i32.const(s.offset), data: s.data, passive: false })));
  }

  /** Throws with binaryen's diagnostics when the module is invalid. */
  validate(what: string): void {
    if (this.m.validate()) return;
    throw new Error(`internal error: the generated WebAssembly ${what} does not validate`);
  }

  /** Optimises for speed (binaryen's -O3, no shrinking). */
  optimize(): void {
    binaryen.setOptimizeLevel(3);
    binaryen.setShrinkLevel(0);
    binaryen.setFastMath(false);
    this.m.optimize();
  }

  emitBinary(): Uint8Array { return this.m.emitBinary(); }
  emitText(): string { return this.m.emitText(); }
  dispose(): void { this.m.dispose(); }
}

/** The text form of a module binary (for tests and inspection). */
export function disassemble(bytes: Uint8Array): string {
  const m = binaryen.readBinary(bytes);
  try {
    return m.emitText();
  } finally {
    m.dispose();
  }
}
