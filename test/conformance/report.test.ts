/**
 * @fileoverview The conformance runner's bookkeeping: op families of test folders, the regression
 * check, the unsupported-reason grouping and the Markdown table's escaping.
 */
import { expect } from "chai";
import * as path from "node:path";
import { Outcome, checkAgainst, rejections, renderJson, renderMarkdown, testFamily, totals } from "../../compiler/conformance.ts";
import { sharedDir } from "../shared.ts";

const o = (test: string, status: Outcome["status"], reason = "", rejected?: string): Outcome =>
  ({ test, op: "Op", status, reason, ...(rejected ? { rejected } : {}) });

describe("conformance report", () => {
  it("flags only tests that passed before and do not now", () => {
    const base = JSON.parse(renderJson([o("test_a", "PASS"), o("test_b", "PASS"), o("test_c", "FAIL", "x")]));
    const { regressions, fixed } = checkAgainst([o("test_a", "PASS"), o("test_b", "ERROR", "cc: boom"), o("test_c", "PASS"), o("test_new", "PASS")], base);
    expect(regressions.map((r) => r.test)).to.deep.equal(["test_b"]);
    expect(fixed.map((r) => r.test)).to.deep.equal(["test_c", "test_new"]);
  });

  it("groups unsupported tests by rejected op and reason, without names or numbers", () => {
    const rs = [
      o("t1", "UNSUPPORTED", 'node "ReduceSum_0" (ReduceSum): axes (input 1) must be known at compile time; make it an initializer', "ReduceSum"),
      o("t2", "UNSUPPORTED", 'node "rs" (ReduceSum): axes (input 1) must be known at compile time; make it an initializer', "ReduceSum"),
      o("t3", "UNSUPPORTED", 'input "x": element type float8e4m3fn is not supported'),
    ];
    expect(rejections(rs)).to.deep.equal([
      { op: "ReduceSum", why: "axes (input N) must be known at compile time", n: 2 },
      { op: "-", why: 'input "…": element type float8e4m3fn is not supported', n: 1 },
    ]);
  });

  it("escapes table cells and counts every status", () => {
    const rs = [o("test_x", "FAIL", "a | b"), o("test_y", "PASS")];
    const md = renderMarkdown(rs, { rtol: 1e-3, atol: 1e-7, cflags: ["-O1"] });
    expect(md).to.contain("| test_x | Op | FAIL | a \\| b |");
    expect(md).to.contain("1 passed, 1 failed, 0 unsupported, 0 errors out of 2");
    expect(totals(rs)).to.deep.equal({ PASS: 1, FAIL: 1, UNSUPPORTED: 0, ERROR: 0, total: 2 });
  });

  describe("op family of a test folder", () => {
    const dir = sharedDir("onnx-node-tests");
    if (!dir) return;
    const cases: [string, string][] = [
      ["test_averagepool_2d_default", "AveragePool"],
      ["test_reduce_sum_square_keepdims_random_expanded", "ReduceSumSquare"],
      ["test_softmax_axis_0_expanded_ver18", "Softmax"],
      ["test_sce_mean_expanded", "SoftmaxCrossEntropyLoss"],
      ["test_basic_conv_with_padding", "Conv"],
      ["test_castlike_FLOAT_to_DOUBLE_expanded", "CastLike"],
    ];
    for (const [test, op] of cases) it(`${test} -> ${op}`, () => expect(testFamily(path.join(dir, test))).to.equal(op));
  });
});
