// The page's starting input, in its own module so tests compute the expected result from the
// very same pixels: a bright diagonal stroke on faint, fixed pseudo-random noise.
export const SIDE = 8;

export function startImage() {
  const img = new Float32Array(SIDE * SIDE);
  let s = 12345; // Park-Miller: every product stays exact in a double
  for (let i = 0; i < img.length; i++) {
    s = (s * 16807) % 2147483647;
    img[i] = Math.round((s / 2147483647) * 0.2 * 1000) / 1000;
  }
  for (let i = 0; i < SIDE; i++) img[i * SIDE + i] = 1;
  return img;
}
