/**
 * @fileoverview Golden pass fixtures (test/passes/fixtures/<pass>.ir): each case is Graph IR text
 * with a RUN line (opt flags) and FileCheck lines. Every case must also round-trip through the
 * printer and parser, and the optimised graph must compute what the input graph computes.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { interpret } from "../../passes/interpret.ts";
import { optGraph } from "../../compiler/opt.ts";
import { buildProgram } from "../../passes/program.ts";
import { parseGraph, printGraph } from "../../ir/text/index.ts";
import { TypedArray, allocArray, setNumber, isFloat } from "../../ir/dtype.ts";
import { numel } from "../../ir/graph.ts";
import { fileCheck, parseChecks } from "../helpers/filecheck.ts";
import { rng } from "../helpers/onnx-builder.ts";

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");

interface Case { run: string[]; lines: string[]; first: number; text: string }

function cases(file: string): Case[] {
  const all = fs.readFileSync(file, "utf8").split("\n");
  let run: string[] = [];
  const out: Case[] = [];
  let start = 0;
  const flush = (end: number) => {
    const lines = all.slice(start, end);
    const own = lines.map((l) => /^\s*\/\/\s*RUN:\s*opt\s+(.*)$/.exec(l)).find((m) => m);
    if (own) run = own[1]!.trim().split(/\s+/);
    const text = lines.filter((l) => !/^\s*\/\//.test(l)).join("\n").trim();
    if (text) out.push({ run, lines, first: start + 1, text });
  };
  all.forEach((l, i) => {
    if (/^\s*\/\/\s*-----\s*$/.test(l)) { flush(i); start = i + 1; }
  });
  flush(all.length);
  return out;
}

function flags(run: string[]) {
  const i = run.indexOf("--passes");
  const lvl = run.find((a) => /^-O[0-3]$/.test(a));
  return {
    passes: i >= 0 ? run[i + 1]!.split(",") : undefined,
    optLevel: lvl ? Number(lvl[2]) : 2,
    emit: run.includes("--emit=program") ? "program" as const : "graph" as const,
    target: run.includes("--target") ? run[run.indexOf("--target") + 1] : undefined,
  };
}

function randomInputs(g: ReturnType<typeof parseGraph>): TypedArray[] {
  const r = rng(3);
  return g.inputs.map((name) => {
    const t = g.typeOf(name);
    const a = allocArray(t.dtype, numel(t.shape));
    for (let i = 0; i < a.length; i++) setNumber(a, i, isFloat(t.dtype) ? r() * 4 - 2 : Math.floor(r() * 5));
    return a;
  });
}

describe("pass fixtures", () => {
  const files = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => f.endsWith(".ir")).sort() : [];
  for (const f of files) {
    describe(f, () => {
      for (const c of cases(path.join(DIR, f))) {
        const label = /graph @(\S+)/.exec(c.text)?.[1] ?? `line ${c.first}`;
        it(label, () => {
          const once = printGraph(parseGraph(c.text));
          expect(printGraph(parseGraph(once)), "round trip").to.equal(once);
          const fl = flags(c.run);
          const res = optGraph(parseGraph(c.text), { ...fl });
          const err = fileCheck(res.text, parseChecks(c.lines, c.first));
          expect(err, `${f}:${err}\n--- output ---\n${res.text}`).to.equal(undefined);
          // Numerics: the optimised program against the input graph, unoptimised.
          const base = buildProgram(parseGraph(c.text));
          const optG = parseGraph(c.text);
          optGraph(optG, { ...fl, emit: "graph" });
          const opt = buildProgram(optG);
          const ins = randomInputs(parseGraph(c.text));
          const a = interpret(base, ins), b = interpret(opt, ins);
          a.forEach((o, i) => {
            for (let j = 0; j < o.length; j++) {
              const x = Number(o[j]), y = Number(b[i]![j]);
              expect(Math.abs(x - y) <= 1e-4 + 1e-4 * Math.abs(x) || (Number.isNaN(x) && Number.isNaN(y)), `output ${i}[${j}]: ${x} vs ${y}`).to.equal(true);
            }
          });
        });
      }
    });
  }
});
