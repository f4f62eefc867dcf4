/**
 * @fileoverview Sweeps the ONNX node tests through both text formats: every model that imports
 * round-trips as Graph IR (subgraphs, string and tensor attributes included), and every kernel of
 * every model that compiles round-trips as Tensor IR.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { compileFile } from "../../compiler/api.ts";
import { kernelSteps } from "../../ir/program.ts";
import { EdgecError } from "../../ir/diagnostics.ts";
import { loadModel } from "../../compiler/onnx/import.ts";
import { Graph } from "../../ir/graph.ts";
import { parseFunc, parseGraph, printFunc, printGraph } from "../../ir/text/index.ts";
import { sharedDir } from "../shared.ts";
import { irDiff } from "./ir-equal.ts";

/** Runs `f`, or returns undefined when the compiler rejects the model with a user error. */
function attempt<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (e instanceof EdgecError) return undefined;
    throw e;
  }
}

describe("ir/text: ONNX node tests round trip", () => {
  const dir = sharedDir("onnx-node-tests");
  const tests = dir ? fs.readdirSync(dir).filter((t) => fs.existsSync(path.join(dir, t, "model.onnx"))).sort() : [];

  it("Graph IR of every model that imports", () => {
    let n = 0;
    for (const t of tests) {
      const g: Graph | undefined = attempt(() => loadModel(path.join(dir!, t, "model.onnx")));
      if (!g) continue;
      const text = printGraph(g);
      const back = parseGraph(text);
      expect(irDiff(g, back), t).to.equal(undefined);
      expect(printGraph(back), t).to.equal(text);
      n++;
    }
    if (dir) expect(n).to.be.greaterThan(tests.length / 2);
  });

  it("Tensor IR of every kernel of every model that compiles", () => {
    let n = 0;
    for (const t of tests) {
      const c = attempt(() => compileFile(path.join(dir!, t, "model.onnx")));
      for (const s of c ? kernelSteps(c.program.steps) : []) {
        const text = printFunc(s.kernel);
        const back = parseFunc(text);
        expect(irDiff(s.kernel, back), `${t}: ${s.kernel.name}`).to.equal(undefined);
        expect(printFunc(back), t).to.equal(text);
        n++;
      }
    }
    if (dir) expect(n).to.be.greaterThan(1000);
  });
});
