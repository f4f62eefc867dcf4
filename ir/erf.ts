/**
 * @fileoverview erf in double precision, which JavaScript's Math lacks. The evaluator calls it,
 * and the wasm loader embeds its source, so constant folding and the module agree.
 */

/** A series for small |x|, a continued fraction for erfc beyond (A-S 7.1.26 is too coarse). */
export function erf(x: number): number {
  if (x === 0) return x; // keeps the sign of zero, as C's erf does
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let sum = x, term = x;
    const xx = x * x;
    for (let n = 1; n < 100; n++) {
      term *= -xx / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  let fr = 0;
  for (let n = 60; n >= 1; n--) fr = (n / 2) / (ax + fr);
  return Math.sign(x) * (1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + fr));
}
