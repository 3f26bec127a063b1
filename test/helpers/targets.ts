// Every backend/ISA this machine can run, for describe.each: the pure-TS backend and the native
// addon under each ISA it supports.
import { afterAll, beforeAll } from 'vitest';
import { nativeAvailable, setIsa, supportedIsas, useBackend } from '../../lib/index.js';

export interface Target {
  name: string;
  backend: 'js' | 'native';
  isa?: string;
}

function nativeIsas(): string[] {
  if (!nativeAvailable()) return [];
  useBackend('native');
  const isas = supportedIsas();
  return isas;
}

const best = nativeIsas();
export const targets: Target[] = [
  { name: 'js', backend: 'js' },
  ...best.map((isa) => ({ name: `native/${isa}`, backend: 'native' as const, isa })),
];

/** Selects `t` for the enclosing describe block and restores the default afterwards. */
export function useTarget(t: Target): void {
  beforeAll(() => {
    useBackend(t.backend);
    if (t.isa) setIsa(t.isa);
  });
  afterAll(() => {
    if (best.length > 0) {
      useBackend('native');
      setIsa(best[0]);
    } else {
      useBackend('js');
    }
  });
}

/** Deterministic pseudo-random floats in [lo, hi). */
export function randomFloats(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = lo + ((s >>> 8) / 16777216) * (hi - lo);
  }
  return out;
}

/** Float64 reference p-norm of all elements. */
export function referenceNorm(ts: Float32Array[], p: number): number {
  if (p === Infinity) {
    let m = 0;
    for (const t of ts) for (const v of t) m = Number.isNaN(v) || Math.abs(v) > m ? Math.abs(v) : m;
    return m;
  }
  let s = 0;
  for (const t of ts) for (const v of t) s += Math.abs(v) ** p;
  return s ** (1 / p);
}
