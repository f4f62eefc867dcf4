/**
 * @fileoverview The IR text formats: print Graph IR and Tensor IR deterministically and parse
 * them back to equal IR. Large constants may stay out of the text: print with a BlobStore, save
 * its bytes() beside the text, and parse with a BlobStore made from those bytes.
 *
 *   const blobs = new BlobStore("weights");
 *   const text = printGraph(g, { blobs });                       // ... dense<f32[64,3,7,7] @weights:0>
 *   const g2 = parseGraph(text, { blobs: new BlobStore("weights", blobs.bytes()) });
 */
export { printGraph, type PrintGraphOptions } from "./graph-printer.ts";
export { parseGraph, type ParseGraphOptions } from "./graph-parser.ts";
export { BlobStore } from "./literals.ts";
export { printFunc, printFuncs } from "./tir-printer.ts";
export { parseFunc, parseFuncs } from "./tir-parser.ts";
export { readGraphFile, writeGraphFile } from "./files.ts";
