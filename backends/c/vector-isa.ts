/**
 * @fileoverview What a C backend needs to know about one vector ISA: its register types and a
 * table of intrinsic templates keyed `op.dtype` (see isa-x86.ts). Element types group into f32,
 * int (every integer of 32 bits or fewer, in 32-bit containers) and bool (a lane mask).
 */
export type LaneClass = "f32" | "int" | "bool";

export interface VecIsa {
  name: string;
  include: string;
  /** Lanes of every vector: vector bits / 32 (times vscale when scalable). */
  lanes: number;
  /** Vectors of `lanes` × vscale lanes (RVV): prints the Tensor IR's scalable vectors. */
  scalable?: boolean;
  /** The C expression of a vector's lane count, when it is known only at run time. */
  laneCount?: string;
  bits: number;
  types: Record<LaneClass, string>;
  /** Stores a vector's lanes to `$p` (f32 or int32_t elements; bools as 0/1), and loads them back. */
  spill: Record<LaneClass, string>;
  fill: Record<LaneClass, string>;
  /**
   * Intrinsic templates: `$0`.. operands, `$p` a pointer, `$s` ramp offsets; `hreduce.<op>.<dtype>` a
   * horizontal reduction; optional `<op>.<dtype>.s` with a broadcast scalar operand; `vlload`/`vlstore`
   * a load or store of the first `$n` lanes (a mask lane < n); `vscale` the machine's vscale;
   * `bitcast.f32.i32` and `bitcast.i32.f32` reinterpret lanes; `fma.<dtype>.lane` multiplies by
   * lane `$3` of `$1`, and `splat.<dtype>` broadcasts lane `$1` of `$0`.
   */
  t: Record<string, string>;
  /** Helper functions the templates call, printed once per file. */
  prelude: string[];
  /** Helpers printed only in a file whose kernels call them, by function name. */
  onDemand?: Record<string, string[]>;
}
