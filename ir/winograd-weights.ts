/**
 * @fileoverview The Winograd F(2x2, 3x3) weight transform, data the graph IR's Derivation names:
 * the winograd pass applies it at compile time, and the wasm loader embeds its source to apply
 * it when a module loads.
 */

/**
 * The transformed weights U[e][m][c] (e = 4 * row + column of the 4x4 tile) of a [M, C, 3, 3]
 * float kernel, computed in double precision. Self-contained: the wasm loader embeds its source
 * to compute the weights when the module loads, bit for bit as the compiler does.
 */
export function winogradWeights(w: ArrayLike<number>, m: number, ch: number): Float32Array {
  // G of F(2x2, 3x3): U = G g G^T turns a 3x3 kernel into a 4x4 one.
  const G = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]];
  const u = new Float32Array(16 * m * ch);
  for (let o = 0; o < m; o++)
    for (let i = 0; i < ch; i++) {
      const k = (o * ch + i) * 9;
      for (let a = 0; a < 4; a++)
        for (let b = 0; b < 4; b++) {
          let v = 0;
          for (let r = 0; r < 3; r++) for (let s = 0; s < 3; s++) v += G[a]![r]! * w[k + r * 3 + s]! * G[b]![s]!;
          u[((a * 4 + b) * m + o) * ch + i] = v;
        }
    }
  return u;
}
