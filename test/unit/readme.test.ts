/**
 * @fileoverview README.md stays true: its supported-op list names only registered ops (run with
 * UPDATE_README=1 to regenerate the list), and the commands and files it points to exist.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import "../../ops/index.ts";
import { registeredOps } from "../../ops/registry.ts";
import { ROOT } from "../shared.ts";

const README = path.join(ROOT, "README.md");
const BEGIN = /<!-- ops:begin[^>]*-->\n/;
const END = "<!-- ops:end -->";

function opList(): string {
  const ops = registeredOps().filter((o) => !o.includes(".")).sort((a, b) => a.localeCompare(b));
  return `${ops.length} ops: ${ops.map((o) => `\`${o}\``).join(", ")}.\n`;
}

describe("README.md", () => {
  it("lists only ops the compiler registers", () => {
    let text = fs.readFileSync(README, "utf8");
    const m = BEGIN.exec(text);
    expect(m, "README has the ops markers").to.not.equal(null);
    const start = m!.index + m![0].length, end = text.indexOf(END, start);
    expect(end).to.be.above(-1);
    if (process.env.UPDATE_README) {
      text = text.slice(0, start) + opList() + text.slice(end);
      fs.writeFileSync(README, text);
    }
    const listed = [...text.slice(start, text.indexOf(END, start)).matchAll(/`([A-Za-z0-9]+)`/g)].map((x) => x[1]!);
    const registered = new Set(registeredOps());
    expect(listed.filter((o) => !registered.has(o)), "listed but not registered").to.deep.equal([]);
    const missing = [...registered].filter((o) => !o.includes(".") && !listed.includes(o));
    if (missing.length) console.log(`  note: README's op list lacks ${missing.join(", ")}; run UPDATE_README=1 EDGEC_TEST_GREP=README npm test`);
  });

  it("starts with the set-up lines and points only at files that exist", () => {
    const text = fs.readFileSync(README, "utf8");
    expect(text).to.include("npm install && npm run demo");
    expect(text).to.include("npm test");
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    for (const script of ["demo", "test", "bench"]) expect(pkg.scripts[script], script).to.be.a("string");
    for (const f of ["examples/demo/main.c", "examples/demo/model.onnx", "runtime-c/harness/edgec_harness.c",
      "test/helpers/onnx-builder.ts", "test/run-all.mjs", "passes/plan-memory.ts", "bin/edgec.mjs", "bench/README.md"])
      expect(fs.existsSync(path.join(ROOT, f)), f).to.equal(true);
  });
});
