/**
 * @fileoverview Schedules as data: the knobs a kernel is lowered with and the tiles they gave.
 * The program records one per scheduled kernel (report.json lists them under "schedules"); the
 * driver accepts the knobs back per node (`edgec compile --schedule FILE`), which is the hook an
 * auto-tuner uses to try candidates without touching the compiler.
 */

/** The register tile's knobs: at most `accs` accumulators, rows at most `width` outputs long. */
export interface TileConfig {
  accs: number;
  width: number;
  /**
   * The target's vector lanes: a row whose length is not a multiple of them ends with one full
   * vector that overlaps the one before (both compute the shared outputs identically), instead
   * of a partial vector or scalar tail. Omitted: rows end where they end.
   */
  lanes?: number;
  /**
   * Lanes of the target's vector registers: the tile's rows are built as vectors of them
   * (passes/vector-tile.ts). Set by the target, not by schedule files. Omitted: scalar rows.
   */
  vectors?: number;
  /**
   * Row-invariant loads that step by one element along the innermost reduction loop are read
   * `vectors` at a time and broadcast lane by lane into the multiply-adds (NEON FMLA by element).
   */
  laneFma?: boolean;
  /** The target's int8 dot product (TargetDesc.dot4): integer convolutions reduce four channels a step. */
  dot4?: "ss" | "us";
  /** Integer convolutions read x - x_zp from an i16 padded copy (TargetDesc.int16Copies). */
  int16Copies?: boolean;
  /**
   * The vectors are `vectors` × vscale lanes, known at run time (RVV): a row of the tile is a
   * fixed number of vectors and the tiles step along the row by their run-time length.
   */
  scalable?: boolean;
  /**
   * Windows read their zero padding in place through masked loads instead of from a padded copy
   * (default: when rows are vectors). Off where a masked load is not one instruction (wasm).
   */
  padInPlace?: boolean;
  /** Stride-2 windows read every second element with vector loads instead of from phase-split copies (default: when rows are vectors). */
  stridedLoads?: boolean;
  /** Block length of a long innermost reduction axis that has other reduction axes around it. */
  rblock?: number;
  /** 3x3 stride-1 convolutions with many channels run as Winograd F(2x2, 3x3) (passes/winograd.ts). */
  winograd?: boolean;
  /** Input channels from which Winograd pays (default passes/winograd.ts WINOGRAD_MIN_CHANNELS). */
  winogradMinChannels?: number;
  /**
   * The epilogue (bias, ReLU) is applied to the accumulators before their one store, also when
   * it has a select or min/max; otherwise such an epilogue runs over the stored sums after the
   * tile, which keeps a C compiler's vectoriser on the tile.
   */
  epilogueInTile?: boolean;
  /**
   * An epilogue that reads the reduction more than once (GELU's x * erf(x)) is applied to the
   * accumulators in the tile instead of to a scratch copy of the sums (default: true).
   */
  sharedEpilogue?: boolean;
}

/**
 * Rows of n outputs fill vectors of L lanes poorly enough (under 80%) that a register tile runs
 * consecutive rows as one run where their padding is read in place (passes/fold-rows.ts).
 */
export const foldsRows = (n: number, L: number): boolean => n / (Math.ceil(n / L) * L) < 0.8;

/** The knobs a schedule file may set per node (Winograd is decided for the whole graph). */
export const TILE_KNOBS = ["accs", "width", "lanes", "rblock", "epilogueInTile", "padInPlace", "stridedLoads"] as const;
/** The knobs among them that are true or false. */
export const BOOLEAN_KNOBS: ReadonlySet<string> = new Set(["epilogueInTile", "padInPlace", "stridedLoads"]);
export type TileKnobs = Partial<Pick<TileConfig, (typeof TILE_KNOBS)[number]>>;

/** One register tile lowering built: `rows` x `width` accumulators, the reduction blocked by `rblock`. */
export interface AppliedTile {
  rows: number;
  width: number;
  /** Lanes of the vectors the rows were built as. */
  lanes?: number;
  rblock?: number;
  epilogueInTile: boolean;
}

/** A kernel's schedule: the node it computes, the knobs it was lowered with, the tiles they gave. */
export interface KernelSchedule {
  kernel: string;
  node: string;
  op: string;
  config: TileConfig;
  tiles: AppliedTile[];
}
