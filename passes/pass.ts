/**
 * @fileoverview The pass declaration and the ordered pipeline runner.
 */
import { Graph } from "../ir/graph.ts";

export interface PassContext {
  optLevel: number;
  /** Counts of rewrites per pattern name, reported in report.json. */
  stats: Map<string, number>;
  /** The target computes 3x3 convolutions as Winograd F(2x2, 3x3) (TileConfig.winograd). */
  winograd?: boolean;
  /** Input channels from which Winograd pays (TileConfig.winogradMinChannels). */
  winogradMinChannels?: number;
  /** Lanes of the target's vector registers when its register tiles are vectors (TileConfig.vectors). */
  vectorLanes?: number;
  /** The target's int8 dot product (TileConfig.dot4). */
  dot4?: "ss" | "us";
}

export interface GraphPass {
  name: string;
  minOptLevel: number;
  run(g: Graph, ctx: PassContext): void;
}


/** Counts one firing of a named pattern. */
export function bump(ctx: PassContext, pattern: string, n = 1): void {
  if (n > 0) ctx.stats.set(pattern, (ctx.stats.get(pattern) ?? 0) + n);
}
