// Every backend/ISA this machine runs, and a helper that runs a body on one and restores the state.
import { backendInfo, nativeAvailable, setIsa, supportedIsas, useBackend } from '../../lib/index.js';

export interface Target {
  backend: 'js' | 'native';
  isa: string;
  label: string;
}

export function targets(): Target[] {
  const out: Target[] = [{ backend: 'js', isa: 'js', label: 'js' }];
  if (nativeAvailable()) {
    const before = backendInfo();
    useBackend('native');
    for (const isa of supportedIsas()) out.push({ backend: 'native', isa, label: `native/${isa}` });
    restore(before.backend, before.isa);
  }
  return out;
}

function restore(backend: 'js' | 'native', isa: string): void {
  useBackend(backend);
  if (backend === 'native') setIsa(isa);
}

/** Runs fn on target t, then restores the backend and ISA in force before. */
export function on<T>(t: Target, fn: () => T): T {
  const before = backendInfo();
  useBackend(t.backend);
  if (t.backend === 'native') setIsa(t.isa);
  try {
    return fn();
  } finally {
    restore(before.backend, before.isa);
  }
}

export async function onAsync<T>(t: Target, fn: () => Promise<T>): Promise<T> {
  const before = backendInfo();
  useBackend(t.backend);
  if (t.backend === 'native') setIsa(t.isa);
  try {
    return await fn();
  } finally {
    restore(before.backend, before.isa);
  }
}

/** Max over i of |a − e| / (atol + rtol·|e|), with NaN/Inf required to match exactly (∞ if not). */
export function closeness(a: ArrayLike<number>, e: ArrayLike<number>, rtol: number, atol: number): number {
  if (a.length !== e.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < e.length; i++) {
    const x = a[i];
    const y = e[i];
    if (Number.isNaN(y) || Number.isNaN(x)) {
      if (!(Number.isNaN(y) && Number.isNaN(x))) return Infinity;
      continue;
    }
    if (!Number.isFinite(y) || !Number.isFinite(x)) {
      if (x !== y) return Infinity;
      continue;
    }
    if (x === y) continue;
    worst = Math.max(worst, Math.abs(x - y) / (atol + rtol * Math.abs(y)));
  }
  return worst;
}
