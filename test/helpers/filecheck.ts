/**
 * @fileoverview A small FileCheck: matches CHECK, CHECK-NEXT, CHECK-NOT and CHECK-LABEL lines
 * against text, in order, with {{regex}}, [[NAME:regex]] captures and [[NAME]] uses.
 */

export interface Check {
  kind: "CHECK" | "CHECK-NEXT" | "CHECK-NOT" | "CHECK-LABEL";
  pattern: string;
  line: number;
}

export function parseChecks(lines: string[], firstLine = 1): Check[] {
  const out: Check[] = [];
  lines.forEach((l, i) => {
    const m = /^\s*\/\/\s*(CHECK(?:-NEXT|-NOT|-LABEL)?):\s?(.*)$/.exec(l);
    if (m) out.push({ kind: m[1] as Check["kind"], pattern: m[2]!.trim(), line: firstLine + i });
  });
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Compiles a check pattern to a regex; captures are bound in `vars`. */
function toRegex(pattern: string, vars: Map<string, string>): { re: RegExp; names: string[] } {
  let src = "";
  const names: string[] = [];
  let rest = pattern;
  for (;;) {
    const i = rest.indexOf("[[");
    const r = rest.indexOf("{{");
    if (r >= 0 && (i < 0 || r < i)) {
      // {{regex}}: a raw regular expression.
      const e = rest.indexOf("}}", r);
      if (e < 0) throw new Error(`unterminated {{ in check: ${pattern}`);
      src += escape(rest.slice(0, r)) + `(?:${rest.slice(r + 2, e)})`;
      rest = rest.slice(e + 2);
      continue;
    }
    if (i < 0) { src += escape(rest); break; }
    src += escape(rest.slice(0, i));
    const j = rest.indexOf("]]", i);
    if (j < 0) throw new Error(`unterminated [[ in check: ${pattern}`);
    const body = rest.slice(i + 2, j);
    const colon = body.indexOf(":");
    if (colon >= 0) {
      names.push(body.slice(0, colon));
      src += `(${body.slice(colon + 1)})`;
    } else {
      const v = vars.get(body);
      if (v === undefined) throw new Error(`check uses undefined variable ${body}: ${pattern}`);
      src += escape(v);
    }
    rest = rest.slice(j + 2);
  }
  return { re: new RegExp(src), names };
}

/** Returns undefined when every check holds, else a message naming the failing check. */
export function fileCheck(text: string, checks: Check[]): string | undefined {
  const lines = text.split("\n");
  const vars = new Map<string, string>();
  let pos = 0;
  let pendingNot: Check[] = [];
  const findFrom = (c: Check, from: number, to = lines.length) => {
    const { re, names } = toRegex(c.pattern, vars);
    for (let i = from; i < to; i++) {
      const m = re.exec(lines[i]!);
      if (m) { names.forEach((n, k) => vars.set(n, m[k + 1]!)); return i; }
    }
    return -1;
  };
  let lastMatch = -1;
  for (const c of checks) {
    if (c.kind === "CHECK-NOT") { pendingNot.push(c); continue; }
    const at = c.kind === "CHECK-NEXT" ? (findFrom(c, lastMatch + 1, lastMatch + 2)) : findFrom(c, pos);
    if (at < 0) return `line ${c.line}: ${c.kind}: ${c.pattern} not found${c.kind === "CHECK-NEXT" ? " on the next line" : ""}`;
    for (const n of pendingNot) if (findFrom(n, pos, at) >= 0) return `line ${n.line}: CHECK-NOT: ${n.pattern} found`;
    pendingNot = [];
    lastMatch = at;
    pos = at + 1;
  }
  for (const n of pendingNot) if (findFrom(n, pos) >= 0) return `line ${n.line}: CHECK-NOT: ${n.pattern} found`;
  return undefined;
}
