/**
 * @fileoverview Corrupted model bytes (random byte changes, truncation at many offsets) either
 * compile or fail with a user-facing EdgecError: never an internal error.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { emitC } from "../../backends/c/artifact.ts";
import { compileGraph } from "../../compiler/api.ts";
import { EdgecError } from "../../ir/diagnostics.ts";
import { importModel } from "../../compiler/onnx/import.ts";
import { rng } from "../helpers/onnx-builder.ts";
import { ROOT } from "../shared.ts";

/** "ok", "error" (an EdgecError) or the internal error's message. */
function compileBytes(bytes: Uint8Array): string {
  try {
    const c = compileGraph(importModel(bytes, undefined));
    emitC(c.program, { name: "model", embedLimit: 1 << 30 });
    return "ok";
  } catch (e) {
    if (e instanceof EdgecError) return "error";
    return `${(e as Error).message.split("\n")[0]} @ ${((e as Error).stack ?? "").split("\n")[1]?.trim()}`;
  }
}

describe("corrupted model bytes", function () {
  this.timeout(300_000);
  const model = new Uint8Array(fs.readFileSync(path.join(ROOT, "examples", "demo", "model.onnx")));

  it("the uncorrupted demo model compiles", () => {
    expect(compileBytes(model)).to.equal("ok");
  });

  it("truncated at any of 60 offsets: compile or a clean error", () => {
    const internal: string[] = [];
    for (let i = 0; i < 60; i++) {
      const cut = Math.floor((i / 60) * model.length);
      const r = compileBytes(model.subarray(0, cut));
      if (r !== "ok" && r !== "error") internal.push(`cut ${cut}: ${r}`);
    }
    expect(internal).to.deep.equal([]);
  });

  it("400 models with 1-4 random bytes changed: compile or a clean error", () => {
    const r = rng(12345);
    const internal: string[] = [];
    const counts = { ok: 0, error: 0 };
    for (let it = 0; it < 400; it++) {
      const b = Uint8Array.from(model);
      const n = 1 + Math.floor(r() * 4);
      for (let k = 0; k < n; k++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      const res = compileBytes(b);
      if (res === "ok" || res === "error") counts[res]++;
      else internal.push(`mutant ${it}: ${res}`);
    }
    expect(internal).to.deep.equal([]);
    // Most single-byte changes land in the weights; some must still reach the structure.
    expect(counts.error).to.be.above(0);
  });
});
