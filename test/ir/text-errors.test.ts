/**
 * @fileoverview Malformed Graph IR and Tensor IR text: each fails with one EdgecError line
 * giving the position and what was expected.
 */
import { expect } from "chai";
import { EdgecError } from "../../ir/diagnostics.ts";
import { BlobStore, parseFunc, parseGraph } from "../../ir/text/index.ts";

function errorOf(parse: () => unknown): string {
  try {
    parse();
  } catch (e) {
    expect(e).to.be.instanceOf(EdgecError);
    return (e as Error).message;
  }
  throw new Error("no error");
}

const graph = (body: string) => `graph @m opset 13 {\n${body}\n}`;
const func = (body: string) => `func @k(%a: f32[4] input) {\n${body}\n}`;

describe("ir/text: Graph IR parse errors", () => {
  const cases: [string, string][] = [
    [graph("  input %x : f33[1]"), "2:14: expected a dtype (f32, f16, bf16, f64, f8e4m3fn, f8e4m3fnuz, f8e5m2, f8e5m2fnuz, f4e2m1, f8e8m0, i8..i64, u8..u64, i4, u4, i2, u2, bool), got 'f33'"],
    [graph("  %y = Relu(%x"), "3:1: expected ')', got '}'"],
    ["graph @m opset {", "1:16: expected an integer, got '{'"],
    ["graph @m opset 13 {\n  input %x : f32[1]\n", "3:1: expected a statement (input, output, const, value or a node) or '}', got end of input"],
    [graph("  5"), "2:3: expected a statement (input, output, const, value or a node) or '}', got '5'"],
    [graph("  output %y") + " extra", "3:3: expected end of input, got 'extra'"],
    [graph("  input %x : f32[1] $"), '2:21: expected a token, got "$"'],
    [graph("  \u{1F600}"), '2:3: expected a token, got "\u{1F600}"'],
    [graph('  input %"x : f32[1]'), "2:9: expected a string closed by '\"' on the same line, got an unterminated string"],
    [graph("  %y Relu(%x)"), "2:6: expected '=', got 'Relu'"],
    [graph("  %y = Relu(%x) {a = }"), "2:22: expected one of a number, a string, 'dense', 'graph', '[', got '}'"],
    [graph("  %y = Relu(%x) {a = 1, a = 2}"), "2:25: expected each attribute once, got 'a' twice"],
    [graph('  %y = Relu(%x) {a = [1, "s"]}'), "2:22: expected list elements of one kind, got a mixed list"],
    [graph("  %y = Relu(%x) {a = []}"), "2:23: expected an element or the kind of an empty list (`[] : ints`), got ']'"],
    [graph("  const %w = dense<f32[3] [1, 2]>"), "2:27: expected 3 elements for f32[3], got 2"],
    [graph("  const %w = dense<i8[1] [300]>"), "2:26: expected element 0 to be a value of type i8, got '300'"],
    [graph("  const %w = dense<f32[2] 0x0000>"), "2:27: expected 8 bytes for f32[2], got 2"],
    [graph("  const %w = dense<f32[2] 0x000>"), "2:27: expected two hex digits per byte, got 3 digits"],
    [graph("  %y = Relu(%x) {a = [1.5] : ints}"), "2:22: expected elements of a list of ints, got elements of another kind"],
    [graph("  const %w = dense<f32[3] @w:0>"), "2:27: expected a blob store given to the parser, got @w, which none provides"],
  ];
  for (const [text, message] of cases) it(message, () => expect(errorOf(() => parseGraph(text))).to.equal(message));

  it("a blob reference past the end of its store", () => {
    const text = graph("  const %w = dense<f32[3] @weights:16>");
    expect(errorOf(() => parseGraph(text, { blobs: new BlobStore("weights", new Uint8Array(24)) })))
      .to.equal("2:36: expected 12 bytes for f32[3] inside @weights, got offset 16 past its end");
  });
});

describe("ir/text: Tensor IR parse errors", () => {
  const cases: [string, string][] = [
    [func("  store %b[0] = 1:f32"), "2:9: expected a buffer parameter of the function, got %b"],
    [func("  store %a[0] = frob(%a[0])"), "2:17: expected an operation (a binary or unary op, select, cast, bitcast, fma or a vector form), got 'frob'"],
    [func("  store %a[0] = max(1:f32)"), "2:26: expected 2 operands for max, got 1"],
    [func("  store %a[%i] = 1:f32"), "2:12: expected a variable in scope (or one with a :dtype suffix), got %i"],
    [func("  for %i in 0..4 sequential {\n  }"), "2:18: expected a loop kind (serial, unroll, vectorize, parallel), got 'sequential'"],
    [func("  for %i in 1..4 serial {\n  }"), "2:13: expected 0 (loops start at 0; give other bounds with 'from'), got '1'"],
    [func("  store %a[0 = 1:f32"), "2:14: expected ']', got '='"],
    [func("  store %a[0] = cast(1)"), "2:17: expected cast<dtype>(x), got cast without a dtype"],
    [func("  %acc = 1:f32"), "2:3: expected a variable declared with 'let' or 'for', got %acc"],
    [func("  store %a[0] = 1:f33"), "2:19: expected a dtype (f32, f16, bf16, f64, f8e4m3fn, f8e4m3fnuz, f8e5m2, f8e5m2fnuz, f4e2m1, f8e8m0, i8..i64, u8..u64, i4, u4, i2, u2, bool), got 'f33'"],
    ["func @k(%a: f32[4] inout) {\n}", "1:20: expected a buffer scope (input, output, param, scratch), got 'inout'"],
    ["func @k(%a: f32[4] input, %a: f32[4] output) {\n}", "1:27: expected a new buffer name, got %a a second time"],
    ["func @k(%a: f32[4] input) {\n  if %c:bool {\n  }\n", "4:1: expected a statement (for, store, if, let, seq or an assignment) or '}', got end of input"],
    [func("  store %a[0] = (1:f32 2:f32)"), "2:24: expected an operator (+ - * == != < <= > >= && ||), got '2'"],
    [func("  store %a[0] = "), "3:1: expected one of '(', a number, a name like %x, a name, got '}'"],
  ];
  for (const [text, message] of cases) it(message, () => expect(errorOf(() => parseFunc(text))).to.equal(message));
});
