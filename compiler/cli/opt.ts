/**
 * @fileoverview `edgec opt`: reads Graph IR text, runs passes, writes Graph IR text (like LLVM opt).
 */
import * as fs from "node:fs";
import { EdgecError } from "../../ir/diagnostics.ts";
import { readGraphFile, writeGraphFile } from "../../ir/text/index.ts";
import { optGraph, optText } from "../opt.ts";
import { parse } from "./main.ts";

const HELP = `usage: edgec opt FILE.ir [--passes a,b,c | -O0|-O1|-O2] [-o OUT.ir] [options]

Reads Graph IR text (the format --print-after prints), runs the passes and prints the result.

options:
  --passes a,b,c        run exactly these passes, in order
  -O0 | -O1 | -O2       run a level's pipeline (default -O2 when --passes is absent)
  --print-after PASS    print the IR after PASS to stderr (repeatable)
  --print-after-all     print the IR after every pass to stderr
  --emit graph|program  print the graph (default) or the kernel calls with their storage
  --stats               print how often each pattern fired to stderr
  --target c|wasm       follow that target's schedule choices (wasm: the winograd pass fires)
  -o, --out FILE        write to FILE instead of stdout`;

export async function optCommand(args: string[]): Promise<number> {
  const lvl = args.find((a) => /^-O[0-3]$/.test(a));
  const { values, positionals } = parse(args.filter((a) => a !== lvl), {
    passes: { type: "string" },
    "print-after": { type: "string", multiple: true },
    "print-after-all": { type: "boolean" },
    emit: { type: "string", default: "graph" },
    stats: { type: "boolean" },
    target: { type: "string", default: "c" },
    out: { type: "string", short: "o" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) { console.log(HELP); return 0; }
  if (positionals.length !== 1) throw new EdgecError("opt takes one FILE.ir; run 'edgec opt --help'");
  if (values.emit !== "graph" && values.emit !== "program") throw new EdgecError("--emit takes graph or program");
  if (values.target !== "c" && values.target !== "wasm") throw new EdgecError("--target takes c or wasm");
  const file = positionals[0]!;
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new EdgecError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const printAfter = new Set<string>(values["print-after"] ?? []);
  if (values["print-after-all"]) printAfter.add("*");
  const opts = {
    optLevel: lvl ? Number(lvl[2]) : 2,
    passes: values.passes?.split(",").map((s) => s.trim()).filter((s) => s),
    printAfter, log: (t: string) => process.stderr.write(t), emit: values.emit as "graph" | "program", target: values.target,
  };
  // Several graphs separated by "// -----" lines are optimised one by one (like --split-input-file).
  const chunks = text.split(/^\s*\/\/\s*-----\s*$/m);
  if (chunks.length > 1) {
    const outs = chunks.filter((c) => /\bgraph\b/.test(c)).map((c) => optText(c, opts));
    const joined = outs.map((o) => o.text).join("// -----\n");
    if (values.stats) for (const o of outs) process.stderr.write(JSON.stringify(Object.fromEntries([...o.stats].sort())) + "\n");
    if (values.out) fs.writeFileSync(values.out, joined);
    else process.stdout.write(joined);
    return 0;
  }
  // Large constants may live in FILE.bin beside the text, as writeGraphFile leaves them.
  const g = readGraphFile(file);
  const res = optGraph(g, opts);
  if (values.stats) process.stderr.write(JSON.stringify(Object.fromEntries([...res.stats].sort()), null, 2) + "\n");
  if (values.out && values.emit === "graph") writeGraphFile(values.out, g);
  else if (values.out) fs.writeFileSync(values.out, res.text);
  else process.stdout.write(res.text);
  return 0;
}
