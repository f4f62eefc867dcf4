/**
 * @fileoverview Target descriptions: what the passes may assume about a machine, as data. The
 * vectorizer reads lanes and registers from here; the schedules read cache sizes; the drivers
 * read the compiler and flags. A new ISA is a new entry here plus its intrinsic table.
 */
import { DType, bitWidth } from "./dtype.ts";

export type TargetName = "c" | "x86-64-v3" | "x86-64-v4" | "x86-64-v4-vnni" | "wasm" | "aarch64" | "riscv64" | "cortex-m4" | "cortex-m55";

export interface TargetDesc {
  name: TargetName;
  /** Width of one vector register; 0 when the target prints no vectors. */
  vectorBits: number;
  /** Vector length decided by the machine (RVV, SVE): vectorBits is the smallest it may be. */
  scalable: boolean;
  /** Element types vectors carry, and the container each lane takes at least (narrower types widen). */
  vectorTypes: readonly DType[];
  laneBits: number;
  /** Architectural vector registers, bounding register tiles. */
  vectorRegisters: number;
  /**
   * Scalar partial sums of consecutive elements become vector accumulators (passes/vectorize-slp.ts):
   * for targets whose code no C compiler vectorizes afterwards.
   */
  slp?: boolean;
  /** A fused multiply-add instruction. */
  fma: boolean;
  /**
   * A multiply-add by one lane of a register (NEON FMLA by element): a register tile loads each
   * row's next weights as one vector and broadcasts them lane by lane (passes/vector-tile.ts).
   */
  laneFma?: boolean;
  /**
   * Masked loads pay: windows read their zero padding in place instead of from a padded copy.
   * True on x86 (one instruction, cheap mask arithmetic). NEON has no masked load: each becomes
   * a test and lane loads (ic_resnet8 under qemu-aarch64: 35.3 M instructions in place, 6.2 M
   * from copies); RVV has one, but the per-load mask arithmetic costs more than the copy
   * (ic_resnet8 under qemu-riscv64 at VLEN 128: 209 M in place, 89 M from copies).
   */
  maskedLoads: boolean;
  /**
   * An int8 dot product of four bytes per 32-bit lane into i32 lanes (the IR's dot4ss / dot4us):
   * "ss" signed x signed (NEON SDOT), "us" unsigned x signed (x86 VPDPBUSD). Integer convolutions
   * then reduce four input channels per step (passes/conv-layout.ts).
   */
  dot4?: "ss" | "us";
  /**
   * Integer convolutions read their padded input as x - x_zp in i16, subtracted once per element:
   * where an int8 vector load costs more than an int16 one and a multiply-accumulate takes the
   * widened value (NEON: kws_dscnn int8 under qemu-aarch64 2.75 M -> 1.75 M instructions). Not on
   * x86, where both loads are one instruction: there the copy costs arena bytes and time.
   */
  int16Copies?: boolean;
  /** Data cache sizes in bytes, for blocking. */
  l1: number;
  l2: number;
  /** The C compiler and the flags its code needs (none for wasm, built by binaryen). */
  cc?: string;
  cflags: readonly string[];
}

const KB = 1024;
/** Lanes of 32 bits or fewer (the types the x86 and wasm tables print). */
export const VECTOR_DTYPES: readonly DType[] = ["f32", "i32", "u32", "i16", "u16", "i8", "u8", "bool"];

export const TARGETS: Readonly<Record<TargetName, TargetDesc>> = {
  c: { name: "c", vectorBits: 0, scalable: false, vectorTypes: VECTOR_DTYPES, laneBits: 32, vectorRegisters: 0, fma: false, maskedLoads: false, l1: 32 * KB, l2: 512 * KB, cc: "cc", cflags: [] },
  "x86-64-v3": {
    name: "x86-64-v3", vectorBits: 256, scalable: false, vectorTypes: VECTOR_DTYPES, laneBits: 32, vectorRegisters: 16, fma: true, maskedLoads: true, l1: 32 * KB, l2: 1024 * KB,
    cc: "cc", cflags: ["-march=x86-64-v3"],
  },
  "x86-64-v4": {
    name: "x86-64-v4", vectorBits: 512, scalable: false, vectorTypes: VECTOR_DTYPES, laneBits: 32, vectorRegisters: 32, fma: true, maskedLoads: true, l1: 48 * KB, l2: 2048 * KB,
    cc: "cc", cflags: ["-march=x86-64-v4"],
  },
  // x86-64-v4 with AVX512-VNNI (Ice Lake and later, Zen 4): int8 dot products as VPDPBUSD.
  "x86-64-v4-vnni": {
    name: "x86-64-v4-vnni", vectorBits: 512, scalable: false, vectorTypes: VECTOR_DTYPES, laneBits: 32, vectorRegisters: 32, fma: true, maskedLoads: true, dot4: "us",
    l1: 48 * KB, l2: 2048 * KB, cc: "cc", cflags: ["-march=x86-64-v4", "-mavx512vnni"],
  },
  wasm: { name: "wasm", vectorBits: 128, scalable: false, vectorTypes: VECTOR_DTYPES, laneBits: 32, vectorRegisters: 16, slp: true, fma: false, maskedLoads: false, l1: 32 * KB, l2: 512 * KB, cflags: [] },
  aarch64: {
    name: "aarch64", vectorBits: 128, scalable: false, vectorTypes: VECTOR_DTYPES, laneBits: 32, vectorRegisters: 32, fma: true, laneFma: true, maskedLoads: false, dot4: "ss", int16Copies: true, l1: 64 * KB, l2: 1024 * KB,
    cc: "aarch64-linux-gnu-gcc", cflags: ["-march=armv8.2-a+dotprod"],
  },
  // Microcontrollers: portable C built for the core (bare metal, arm-none-eabi-gcc).
  "cortex-m4": {
    name: "cortex-m4", vectorBits: 0, scalable: false, vectorTypes: VECTOR_DTYPES, laneBits: 32, vectorRegisters: 0, fma: false, maskedLoads: false, l1: 0, l2: 0,
    cc: "arm-none-eabi-gcc", cflags: ["-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"],
  },
  "cortex-m55": {
    name: "cortex-m55", vectorBits: 0, scalable: false, vectorTypes: VECTOR_DTYPES, laneBits: 32, vectorRegisters: 0, fma: false, maskedLoads: false, l1: 0, l2: 0,
    cc: "arm-none-eabi-gcc", cflags: ["-mcpu=cortex-m55", "-mthumb", "-mfloat-abi=hard"],
  },
  riscv64: {
    name: "riscv64", vectorBits: 128, scalable: true, vectorTypes: VECTOR_DTYPES, laneBits: 32, vectorRegisters: 32, fma: true, maskedLoads: false, l1: 32 * KB, l2: 512 * KB,
    cc: "clang-16", cflags: ["--target=riscv64-linux-gnu", "-march=rv64gcv"],
  },
};

/** Lanes of `dtype` in one vector register (at the smallest vector length when scalable); 1 when none. */
export function lanesOf(t: TargetDesc, dtype: DType): number {
  if (!t.vectorBits || !t.vectorTypes.includes(dtype)) return 1;
  const bits = Math.max(t.laneBits, dtype === "bool" ? 8 : bitWidth(dtype));
  return Math.max(1, Math.floor(t.vectorBits / bits));
}
