/**
 * @fileoverview The IR text formats: print Graph IR and Tensor IR deterministically and parse
 * them back to equal IR.
 */
export { printGraph, type PrintGraphOptions } from "./graph-printer.ts";
export { parseGraph, type ParseGraphOptions } from "./graph-parser.ts";
export { BlobStore } from "./literals.ts";
export { printFunc } from "./tir-printer.ts";
export { parseFunc } from "./tir-parser.ts";
