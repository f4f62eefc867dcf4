/**
 * @fileoverview Loop vectorizer fixtures (test/passes/fixtures/vectorize.tir): each case names a
 * target, the decision for every innermost loop, and FileCheck lines on the printed result. The
 * result must also print and parse back unchanged, and compute what the input computes in the
 * evaluator (exactly, or within rounding where a float reduction was reassociated).
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { TypedArray, allocArray, isFloat, setNumber, toNumbers } from "../../ir/dtype.ts";
import { evaluate } from "../../ir/eval.ts";
import { numel } from "../../ir/graph.ts";
import { TARGETS, TargetName } from "../../ir/target.ts";
import { parseFunc, printFunc } from "../../ir/text/index.ts";
import { vectorize } from "../../passes/vectorize.ts";
import { fileCheck, parseChecks } from "../helpers/filecheck.ts";
import { rng } from "../helpers/onnx-builder.ts";

const FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "vectorize.tir");

interface Case { lines: string[]; first: number; text: string; target: TargetName; decisions: string[] }

function cases(): Case[] {
  const all = fs.readFileSync(FILE, "utf8").split("\n");
  const out: Case[] = [];
  let start = 0;
  const flush = (end: number) => {
    const lines = all.slice(start, end);
    const text = lines.filter((l) => !/^\s*\/\//.test(l)).join("\n").trim();
    const target = lines.map((l) => /^\/\/ TARGET: (\S+)/.exec(l)?.[1]).find(Boolean);
    if (!text) return;
    if (!target || !(target in TARGETS)) throw new Error(`${FILE}:${start + 1}: a case needs a TARGET line naming a target`);
    const decisions = lines.map((l) => /^\/\/ DECISION: (.*)$/.exec(l)?.[1]).filter((d): d is string => !!d);
    out.push({ lines, first: start + 1, text, target: target as TargetName, decisions });
  };
  all.forEach((l, i) => { if (/^\/\/ -----\s*$/.test(l)) { flush(i); start = i + 1; } });
  flush(all.length);
  return out;
}

function inputs(f: ReturnType<typeof parseFunc>, seed: number): TypedArray[] {
  const r = rng(seed);
  return f.params.map((p) => {
    const a = allocArray(p.dtype, numel(p.shape));
    if (p.scope === "input")
      for (let i = 0; i < a.length; i++) setNumber(a, i, isFloat(p.dtype) ? r() * 4 - 2 : Math.floor(r() * numel(p.shape)));
    return a;
  });
}

describe("vectorize: loop vectorizer fixtures", () => {
  for (const cs of cases()) {
    const name = /func @(\S+)\(/.exec(cs.text)![1]!;
    it(`${name} on ${cs.target}`, () => {
      const f = parseFunc(cs.text);
      const r = vectorize(f, TARGETS[cs.target]);
      const got = r.loops.map((d) => `${d.loop} ${d.lanes ? `vector ${d.lanes}` : `scalar ${d.reason}`}`);
      expect(got, "decisions").to.deep.equal(cs.decisions);
      const text = printFunc(r.f);
      const err = fileCheck(text, parseChecks(cs.lines, cs.first));
      expect(err, `${FILE}:${err}\n--- output ---\n${text}`).to.equal(undefined);
      expect(printFunc(parseFunc(text)), "round trip").to.equal(text);

      const reassociated = r.loops.some((d) => d.lanes) && /hreduce<(add|mul)>/.test(text);
      for (const seed of [1, 2]) for (const vscale of TARGETS[cs.target].scalable ? [1, 2, 3] : [1]) {
        const a = inputs(f, seed), b = inputs(f, seed);
        evaluate(f, a);
        evaluate(r.f, b, vscale);
        f.params.forEach((p, i) => {
          if (p.scope === "input") return;
          const x = toNumbers(a[i]!), y = toNumbers(b[i]!);
          if (reassociated && isFloat(p.dtype)) x.forEach((v, j) => expect(y[j]).to.be.closeTo(v, 1e-4 * (1 + Math.abs(v)), `${p.name}[${j}]`));
          else expect(y, p.name).to.deep.equal(x);
        });
      }
    });
  }
});
