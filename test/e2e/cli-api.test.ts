/**
 * @fileoverview The generated C API as the README documents it: status codes for NULL and
 * misaligned arguments, the model descriptor, tensor lookup by ONNX name, and model_run_io.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { cleanup, edgec, haveCc, runProcess, tempDir } from "../helpers/cli.ts";
import { ROOT } from "../shared.ts";

const HOST = `
#include <stdio.h>
#include <string.h>
#include "model.h"

static EDGEC_ALIGNED(EDGEC_ALIGNMENT) unsigned char ws[MODEL_WORKSPACE_BYTES + EDGEC_ALIGNMENT];
static float in[MODEL_INPUT0_BYTES / sizeof(float)], out[MODEL_OUTPUT0_BYTES / sizeof(float)];
static float out2[MODEL_OUTPUT0_BYTES / sizeof(float)];

int main(void) {
  const edgec_model *m = &model_model;
  const void *ins[1];
  void *outs[1];
  size_t i;
  for (i = 0; i < sizeof in / sizeof in[0]; i++) in[i] = (float)i / 64.0f;
  printf("null_ws %d\\n", model_run(model_weights, NULL, in, out));
  printf("null_in %d\\n", model_run(model_weights, ws, NULL, out));
  printf("misaligned %d\\n", model_run(model_weights, ws + 1, in, out));
  printf("ok %d\\n", model_run(model_weights, ws, in, out));
  ins[0] = in; outs[0] = out2;
  printf("io_null %d\\n", m->run(m->embedded_weights, ws, NULL, outs));
  printf("io_ok %d\\n", m->run(m->embedded_weights, ws, ins, outs));
  printf("same %d\\n", memcmp(out, out2, sizeof out) == 0);
  printf("counts %d %d\\n", (int)m->num_inputs, (int)m->num_outputs);
  printf("sizes %d %d\\n", m->workspace_bytes == MODEL_WORKSPACE_BYTES, m->weights_bytes == MODEL_WEIGHTS_BYTES);
  printf("find %d %d %d\\n", (int)edgec_find_tensor(m->inputs, m->num_inputs, "image"),
    (int)edgec_find_tensor(m->outputs, m->num_outputs, "probabilities"), (int)edgec_find_tensor(m->inputs, m->num_inputs, "nope"));
  printf("desc %s %d %d %lld %lld %d\\n", m->inputs[0].name, (int)m->inputs[0].dtype, (int)m->inputs[0].rank,
    (long long)m->inputs[0].shape[2], (long long)m->inputs[0].shape[3], m->inputs[0].bytes == MODEL_INPUT0_BYTES);
  printf("status %s\\n", edgec_status_str(EDGEC_ERR_MISALIGNED));
  return 0;
}
`;

describe("generated C API", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => { dir = tempDir("api"); });
  after(() => cleanup(dir));

  it("reports NULL and misaligned arguments, describes the model and runs through model_run_io", async function () {
    if (!(await haveCc())) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
    const out = path.join(dir, "c");
    const r = await edgec("compile", path.join(ROOT, "examples", "demo", "model.onnx"), "-o", out);
    expect(r.status, r.stderr).to.equal(0);
    fs.writeFileSync(path.join(dir, "host.c"), HOST);
    const exe = path.join(dir, "host");
    const srcs = fs.readdirSync(out).filter((f) => f.endsWith(".c")).map((f) => path.join(out, f));
    const b = await runProcess("cc", ["-std=c99", "-O1", "-Wall", "-Wextra", "-Werror", "-fsanitize=address,undefined",
      "-fno-sanitize-recover=all", `-I${out}`, ...srcs, path.join(dir, "host.c"), "-o", exe, "-lm"]);
    expect(b.status, b.stderr).to.equal(0);
    const run = await runProcess(exe, []);
    expect(run.status, run.stderr).to.equal(0);
    const got = Object.fromEntries(run.stdout.trim().split("\n").map((l) => [l.slice(0, l.indexOf(" ")), l.slice(l.indexOf(" ") + 1)]));
    expect(got).to.deep.equal({
      null_ws: "1", null_in: "1", misaligned: "2", ok: "0", io_null: "1", io_ok: "0", same: "1",
      counts: "1 1", sizes: "1 1", find: "0 0 -1", desc: "image 1 4 8 8 1",
      status: "the workspace or weights pointer is not aligned to EDGEC_ALIGNMENT",
    });
  });
});
