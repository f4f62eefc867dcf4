// Module hooks run before tsx's: binaryen's 15 MB module is plain JavaScript, and tsx's rewrite of
// it (dynamic imports, source map) takes about 20 s; Node loads it as it is in about one.
import { readFile } from "node:fs/promises";

export async function load(url, context, next) {
  if (url.endsWith("/node_modules/binaryen/index.js"))
    return { format: "module", source: await readFile(new URL(url)), shortCircuit: true };
  return next(url, context);
}
