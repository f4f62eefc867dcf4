/**
 * @fileoverview Runs a graph in this process through the wasm backend: compile, build the module,
 * load it through its own loader. Calibration and the quantization bench use it to run a model
 * many times (the program interpreter is the reference, but far slower).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { Graph, Tensor } from "../ir/graph.ts";
import { TARGETS } from "../ir/target.ts";
import { tileFor } from "../passes/schedule-tile.ts";
import { Compiled, compileGraph, writeWasmArtifact } from "./api.ts";

export interface WasmSession {
  compiled: Compiled;
  run(inputs: Record<string, Tensor["data"]>): Record<string, Tensor["data"]>;
}

export async function wasmSession(g: Graph, optLevel = 2): Promise<WasmSession> {
  const compiled = compileGraph(g, { optLevel, tile: tileFor("wasm"), vectorTarget: TARGETS.wasm });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "edgec-session-"));
  try {
    await writeWasmArtifact(compiled, path.join(dir, "m"));
    const { createModel } = await import(pathToFileURL(path.join(dir, "m", "model.mjs")).href) as
      { createModel: () => Promise<{ run: WasmSession["run"] }> };
    const model = await createModel();
    return { compiled, run: (inputs) => model.run(inputs) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
