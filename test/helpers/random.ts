/**
 * Seeded test data from a 32-bit LCG: offset + scale·u with u uniform in [-1, 1). Cheap, fully
 * reproducible, and the same numbers on every backend a test compares.
 */
export function lcgFloats(n: number, seed: number, scale = 1, offset = 0): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = offset + scale * ((s / 2 ** 32) * 2 - 1);
  }
  return a;
}
