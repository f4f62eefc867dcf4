/**
 * @fileoverview `edgec opt` as a library: Graph IR text in, passes, Graph IR (or program) text out.
 */
import { Graph } from "../ir/graph.ts";
import { BlobStore, parseGraph, printGraph } from "../ir/text/index.ts";
import { resetVarNames } from "../ir/tir.ts";
import { runPipeline } from "../passes/registry.ts";
import { buildProgram } from "../passes/program.ts";
import { Program, Step, Storage } from "../ir/program.ts";
import { tileFor } from "../passes/schedule-tile.ts";

export interface OptOptions {
  optLevel: number;
  passes?: string[];
  /** Print the graph after these passes ("*" for all) to `log`. */
  printAfter?: Set<string>;
  log?: (text: string) => void;
  /** "graph" (default) prints the optimised graph; "program" prints its kernel calls and storage. */
  emit?: "graph" | "program";
  /** The target whose schedule choices the passes follow (tileFor): c (default) or wasm. */
  target?: string;
}

export function optGraph(g: Graph, opts: OptOptions): { text: string; stats: Map<string, number> } {
  resetVarNames();
  const tile = tileFor(opts.target);
  const stats = runPipeline(g, {
    optLevel: opts.optLevel, passes: opts.passes, winograd: tile.winograd, vectorLanes: tile.vectors, winogradMinChannels: tile.winogradMinChannels, dot4: tile.dot4,
    afterPass: (name, graph) => {
      if (opts.printAfter && (opts.printAfter.has("*") || opts.printAfter.has(name)))
        opts.log?.(`// ----- IR after ${name} -----\n${printGraph(graph, { blobs: new BlobStore() })}`);
    },
  });
  if (opts.emit === "program") {
    const p = buildProgram(g, { tile });
    for (const [k, v] of p.stats) stats.set(k, (stats.get(k) ?? 0) + v);
    return { text: printProgram(p), stats };
  }
  return { text: printGraph(g), stats };
}

export function optText(text: string, opts: OptOptions): { text: string; stats: Map<string, number> } {
  return optGraph(parseGraph(text), opts);
}

const where = (s: Storage) =>
  (s.kind === "input" ? `input${s.index}` : s.kind === "output" ? `output${s.index}` : s.kind === "weight" ? `weights+${s.offset}` : `arena+${s.offset}`) +
  (s.slice ? `+${s.slice.offset}${s.slice.per.map((p) => `${p.stride < 0 ? "-" : "+"}i${p.loop}*${Math.abs(p.stride)}`).join("")}` : "");

/** One line per kernel call: the op (or fused ops), and where each argument lives; loops and branches nest. */
export function printProgram(p: Program): string {
  const lines = [`program arena ${p.arenaBytes} lower_bound ${p.arenaLowerBound} weights ${p.weights.length} {`];
  const print = (steps: readonly Step[], ind: string): void => {
    for (const st of steps) {
      if (st.kind === "kernel") {
        const args = st.args.map((a, i) => `${st.kernel.params[i]!.name}=${where(a)}`).join(", ");
        lines.push(`${ind}${st.kernel.name} = ${st.op === "edgec.Fused" ? `Fused[${st.node}]` : st.op}(${args})`);
      } else if (st.kind === "if") {
        lines.push(`${ind}if ${where(st.cond)} {`);
        print(st.then, ind + "  ");
        lines.push(`${ind}} else {`);
        print(st.else, ind + "  ");
        lines.push(`${ind}}`);
      } else {
        const trip = typeof st.trip === "number" ? `${st.trip}` : st.trip ? where(st.trip) : "unbounded";
        const extra = [st.cond && `while ${where(st.cond)}`, st.counter && `counter ${where(st.counter)}`].filter(Boolean).join(" ");
        lines.push(`${ind}loop i${st.id} < ${trip}${extra ? " " + extra : ""} {`);
        print(st.body, ind + "  ");
        lines.push(`${ind}}`);
      }
    }
  };
  print(p.steps, "  ");
  lines.push("}");
  return lines.join("\n") + "\n";
}
