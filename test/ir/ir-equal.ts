/**
 * @fileoverview Structural equality of IR values for the text round-trip tests: the path of the
 * first difference, comparing typed arrays by bytes, maps by key, and -0/NaN exactly.
 */

const isTyped = (x: unknown): x is ArrayBufferView => ArrayBuffer.isView(x);

/** Undefined when `a` and `b` are structurally equal, else where and how they differ. */
export function irDiff(a: unknown, b: unknown, path = "$"): string | undefined {
  if (Object.is(a, b)) return undefined;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null)
    return `${path}: ${String(a)} vs ${String(b)}`;
  if (isTyped(a) || isTyped(b)) {
    if (!isTyped(a) || !isTyped(b) || a.constructor !== b.constructor) return `${path}: array types differ`;
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength), y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    if (x.length !== y.length) return `${path}: ${x.length} vs ${y.length} bytes`;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return `${path}: byte ${i} differs`;
    return undefined;
  }
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map) || !(b instanceof Map)) return `${path}: map vs non-map`;
    if (a.size !== b.size) return `${path}: ${a.size} vs ${b.size} entries`;
    for (const [k, v] of a) {
      if (!b.has(k)) return `${path}: key ${JSON.stringify(k)} missing`;
      const d = irDiff(v, b.get(k), `${path}.get(${JSON.stringify(k)})`);
      if (d) return d;
    }
    return undefined;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array vs object`;
  const keys = (o: object) => Object.keys(o).filter((k) => (o as Record<string, unknown>)[k] !== undefined).sort();
  const ka = keys(a), kb = keys(b);
  if (ka.join("\u0000") !== kb.join("\u0000")) return `${path}: keys [${ka}] vs [${kb}]`;
  for (const k of ka) {
    const d = irDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d) return d;
  }
  return undefined;
}
