/**
 * @fileoverview The workloads of a compiled model: its scheduled kernels grouped by what they
 * compute. Two nodes whose kernels print the same C under the default schedule (same op, shapes,
 * dtypes, attributes and fused epilogue) are one workload, tuned once and weighted by how often
 * it runs.
 */
import { createHash } from "node:crypto";
import { CTarget, emitterFor } from "../c-targets.ts";
import type { Compiled } from "../api.ts";
import { kernelSteps, storageKey } from "../../ir/program.ts";
import { numel } from "../../ir/graph.ts";
import { canonicalNames } from "../../ir/canonical-names.ts";
import { AppliedTile, TileConfig } from "../../ir/schedule.ts";

export interface Workload {
  /** A hash of the target and the kernel's default C, the key of the tuning log. */
  key: string;
  op: string;
  /** Nodes computing it, in program order. */
  nodes: string[];
  /** The knobs and first tile of the default schedule. */
  config: TileConfig;
  tile: AppliedTile;
  /** Elements the kernel writes, and reads from its inputs (a size for the cost model). */
  outElems: number;
  inElems: number;
}

export function workloadsOf(c: Compiled, target: CTarget): Workload[] {
  const emitter = emitterFor(target);
  const steps = new Map(kernelSteps(c.program.steps).map((st) => [st.node, st]));
  const byKey = new Map<string, Workload>();
  for (const s of c.program.schedules ?? []) {
    const st = steps.get(s.node);
    if (!st || !s.tiles.length) continue;
    const keys = st.args.map(storageKey);
    const text = emitter.kernel(canonicalNames(st.kernel), "KERNEL", new Set(keys).size !== keys.length);
    const key = createHash("sha256").update(`${target}\n${text}`).digest("hex").slice(0, 16);
    const w = byKey.get(key);
    if (w) { w.nodes.push(s.node); continue; }
    const size = (scope: string) => st.kernel.params.filter((p) => p.scope === scope).reduce((a, p) => a + numel(p.shape), 0);
    byKey.set(key, { key, op: s.op, nodes: [s.node], config: s.config, tile: s.tiles[0]!, outElems: size("output"), inElems: size("input") });
  }
  return [...byKey.values()];
}
