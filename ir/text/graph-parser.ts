/**
 * @fileoverview Parses Graph IR text (graph-grammar.ts) and builds the Graph with a syntax-tree
 * visitor. Large constants printed as `@store:OFFSET` are read from the blob stores given.
 */
import { CstNode, IToken } from "chevrotain";
import { byteSize, arrayFromBytes } from "../dtype.ts";
import { Attr, Graph, Node, Tensor, TensorType, numel } from "../graph.ts";
import { Children, firstToken, must, nodes, numberText, numberValue, sub, tensorTypeOf, tok, toks } from "./cst.ts";
import { GraphGrammar } from "./graph-grammar.ts";
import { BlobStore, refName, tensorFromElements, tensorFromHex, typeStr, unstr } from "./literals.ts";
import { errorAt } from "./tokens.ts";

export interface ParseGraphOptions {
  /** Stores holding the data of constants printed as `@name:OFFSET`, or a function finding them by name. */
  blobs?: BlobStore | BlobStore[] | ((name: string) => BlobStore | undefined);
}

const grammar = new GraphGrammar();
const BaseVisitor = grammar.getBaseCstVisitorConstructor<unknown, unknown>();

class GraphBuilder extends BaseVisitor {
  store: (name: string) => BlobStore | undefined = () => undefined;

  constructor() {
    super();
    this.validateVisitor();
  }

  graph(ctx: Children): Graph {
    const g = new Graph();
    g.name = refName(must(ctx, "GlobalRef").image);
    const opset = must(ctx, "Int");
    g.opset = Number(opset.image);
    if (!Number.isSafeInteger(g.opset)) errorAt(opset, `expected an opset version, got '${opset.image}'`);
    for (const s of nodes(ctx, "statement")) this.visit(s, g);
    return g;
  }

  statement(ctx: Children, g: Graph): void {
    const n = sub(ctx, "inputDecl") ?? sub(ctx, "outputDecl") ?? sub(ctx, "constDecl") ?? sub(ctx, "valueDecl") ?? sub(ctx, "node");
    this.visit(n!, g);
  }

  typeAnnotation(ctx: Children): TensorType {
    return tensorTypeOf(sub(ctx, "tensorType")!);
  }

  private annotated(ctx: Children, g: Graph, name: string): void {
    const ann = sub(ctx, "typeAnnotation");
    if (ann) g.types.set(name, this.visit(ann) as TensorType);
  }

  inputDecl(ctx: Children, g: Graph): void {
    const name = refName(must(ctx, "ValueRef").image);
    g.inputs.push(name);
    this.annotated(ctx, g, name);
  }

  outputDecl(ctx: Children, g: Graph): void {
    g.outputs.push(refName(must(ctx, "ValueRef").image));
  }

  constDecl(ctx: Children, g: Graph): void {
    const ref = must(ctx, "ValueRef");
    const name = refName(ref.image);
    if (g.constants.has(name)) errorAt(ref, `expected a new constant name, got ${ref.image} a second time`);
    const t = this.visit(sub(ctx, "tensor")!) as Tensor;
    g.constants.set(name, t);
    g.types.set(name, { dtype: t.dtype, shape: t.shape });
    this.annotated(ctx, g, name);
  }

  valueDecl(ctx: Children, g: Graph): void {
    this.annotated(ctx, g, refName(must(ctx, "ValueRef").image));
  }

  node(ctx: Children, g: Graph): void {
    const outputs = nodes(ctx, "result").map((r) => {
      const ref = tok(r.children, "ValueRef");
      if (!ref) return "";
      const name = refName(ref.image);
      this.annotated(r.children, g, name);
      return name;
    });
    const inputs = nodes(ctx, "operand").map((o) => {
      const ref = tok(o.children, "ValueRef");
      return ref ? refName(ref.image) : "";
    });
    const attrs: Record<string, Attr> = {};
    const dict = sub(ctx, "attrs");
    for (const a of dict ? nodes(dict.children, "attr") : []) {
      const nameNode = sub(a.children, "name")!;
      const key = this.name(nameNode.children);
      if (Object.hasOwn(attrs, key)) errorAt(firstToken(nameNode), `expected each attribute once, got '${key}' twice`);
      attrs[key] = this.visit(sub(a.children, "attrValue")!) as Attr;
    }
    const nodeName = tok(ctx, "nodeName"), domain = tok(ctx, "domain");
    const n: Node = {
      name: nodeName ? unstr(nodeName.image) : "",
      op: this.name(sub(ctx, "op")!.children),
      domain: domain ? unstr(domain.image) : "",
      inputs, outputs, attrs,
    };
    g.nodes.push(n);
  }

  result(): void { /* read by node() */ }
  operand(): void { /* read by node() */ }
  attrs(): void { /* read by node() */ }
  attr(): void { /* read by node() */ }
  number(): void { /* read through numberText() */ }
  tensorType(): void { /* read through tensorTypeOf() */ }

  name(ctx: Children): string {
    const s = tok(ctx, "StringLit");
    return s ? unstr(s.image) : must(ctx, "Identifier").image;
  }

  attrValue(ctx: Children): Attr {
    const num = sub(ctx, "number");
    if (num) return isIntText(num) ? { type: "int", value: numberValue(num) } : { type: "float", value: numberValue(num) };
    const s = tok(ctx, "StringLit");
    if (s) return { type: "string", value: unstr(s.image) };
    const t = sub(ctx, "tensor");
    if (t) return { type: "tensor", value: this.visit(t) as Tensor };
    const g = sub(ctx, "graph");
    if (g) return { type: "graph", value: this.visit(g) as Graph };
    return this.visit(sub(ctx, "list")!) as Attr;
  }

  list(ctx: Children): Attr {
    const nums = nodes(ctx, "number"), strs = toks(ctx, "StringLit"), graphs = nodes(ctx, "graph");
    const kindTok = tok(ctx, "kind");
    const kinds = [nums.length && "number", strs.length && "string", graphs.length && "graph"].filter(Boolean);
    if (kinds.length > 1) errorAt(must(ctx, "LBracket"), "expected list elements of one kind, got a mixed list");
    let kind = kindTok?.image;
    if (kind !== undefined && !["ints", "floats", "strings", "graphs"].includes(kind))
      errorAt(kindTok!, `expected a list kind (ints, floats, strings, graphs), got '${kind}'`);
    if (kind === undefined) {
      if (strs.length) kind = "strings";
      else if (graphs.length) kind = "graphs";
      else if (nums.length) kind = nums.every(isIntText) ? "ints" : "floats";
      else errorAt(must(ctx, "RBracket"), "expected an element or the kind of an empty list (`[] : ints`), got ']'");
    }
    const bad = () => errorAt(must(ctx, "LBracket"), `expected elements of a list of ${kind}, got elements of another kind`);
    switch (kind) {
      case "ints":
        if (strs.length || graphs.length || !nums.every(isIntText)) bad();
        return { type: "ints", value: nums.map(numberValue) };
      case "floats":
        if (strs.length || graphs.length) bad();
        return { type: "floats", value: nums.map(numberValue) };
      case "strings":
        if (nums.length || graphs.length) bad();
        return { type: "strings", value: strs.map((x) => unstr(x.image)) };
      default:
        if (nums.length || strs.length) bad();
        return { type: "graphs", value: graphs.map((x) => this.visit(x) as Graph) };
    }
  }

  tensor(ctx: Children): Tensor {
    const type = tensorTypeOf(sub(ctx, "tensorType")!);
    const hex = tok(ctx, "Hex"), store = tok(ctx, "store");
    let data: Tensor["data"] | string;
    let at: IToken;
    if (hex) {
      at = hex;
      data = tensorFromHex(type, hex.image);
    } else if (store) {
      at = store;
      data = this.blob(store, must(ctx, "offset"), numel(type.shape) * byteSize(type.dtype), type);
    } else {
      at = must(ctx, "LBracket");
      data = tensorFromElements(type, nodes(ctx, "number").map(numberText));
    }
    if (typeof data === "string") errorAt(at, `expected ${data}`);
    return { ...type, data };
  }

  private blob(store: IToken, offsetTok: IToken, length: number, type: TensorType): Tensor["data"] {
    const name = refName(store.image);
    const s = this.store(name);
    if (!s) errorAt(store, `expected a blob store given to the parser, got ${store.image}, which none provides`);
    const offset = Number(offsetTok.image);
    const bytes = s.read(offset, length);
    if (!bytes) errorAt(offsetTok, `expected ${length} bytes for ${typeStr(type)} inside ${store.image}, got offset ${offsetTok.image} past its end`);
    return arrayFromBytes(type.dtype, bytes);
  }
}

const isIntText = (n: CstNode): boolean => numberText(n).token.tokenType.name === "Int";

const builder = new GraphBuilder();

/** Parses Graph IR text; errors are EdgecErrors reading `LINE:COL: expected X, got Y`. */
export function parseGraph(text: string, opts: ParseGraphOptions = {}): Graph {
  const cst = grammar.parseWith(text, grammar.graph);
  const b = opts.blobs;
  if (typeof b === "function") builder.store = b;
  else {
    const stores = new Map((b === undefined ? [] : Array.isArray(b) ? b : [b]).map((s) => [s.name, s]));
    builder.store = (name) => stores.get(name);
  }
  try {
    return builder.visit(cst) as Graph;
  } finally {
    builder.store = () => undefined; // drop the stores: they may hold a whole model's weights
  }
}
