/**
 * @fileoverview Graph IR text files: `FILE` holds the text and, when some constants are too large
 * to print, `FILE.bin` holds their data; the text names it (`dense<f32[64,3,7,7] @model.ir.bin:0>`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fail } from "../diagnostics.ts";
import { Graph } from "../graph.ts";
import { parseGraph } from "./graph-parser.ts";
import { printGraph } from "./graph-printer.ts";
import { BlobStore } from "./literals.ts";

/** Writes `g` to `file` (and `file`.bin when needed); returns the files written. */
export function writeGraphFile(file: string, g: Graph, opts: { inlineLimit?: number } = {}): string[] {
  const blobs = new BlobStore(path.basename(file) + ".bin");
  const text = printGraph(g, { blobs, inlineLimit: opts.inlineLimit });
  fs.writeFileSync(file, text);
  if (!blobs.size) return [file];
  const bin = path.join(path.dirname(file), blobs.name);
  fs.writeFileSync(bin, blobs.bytes());
  return [file, bin];
}

/** Reads a Graph IR text file; blob stores it names are files beside it. */
export function readGraphFile(file: string): Graph {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    fail(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const dir = path.dirname(file);
  const stores = new Map<string, BlobStore | undefined>();
  const blobs = (name: string): BlobStore | undefined => {
    // Only plain file names beside the text: a text file must not reach elsewhere.
    if (name !== path.basename(name) || name.startsWith(".")) return undefined;
    if (!stores.has(name)) {
      const p = path.join(dir, name);
      stores.set(name, fs.existsSync(p) ? new BlobStore(name, new Uint8Array(fs.readFileSync(p))) : undefined);
    }
    return stores.get(name);
  };
  try {
    return parseGraph(text, { blobs });
  } catch (e) {
    if (e instanceof Error && e.name === "EdgecError") fail(`${file}:${e.message}`);
    throw e;
  }
}
