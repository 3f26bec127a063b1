// Every backend/ISA this machine has, and a wrapper that selects one and restores the previous
// selection afterwards.
import { afterEach } from 'vitest';
import { backendInfo, nativeAvailable, setIsa, supportedIsas, useBackend } from '../../lib/index.js';

export interface Target {
  backend: 'js' | 'native';
  isa?: string;
  label: string;
}

export function allTargets(): Target[] {
  const out: Target[] = [{ backend: 'js', label: 'js' }];
  if (!nativeAvailable()) return out;
  const saved = backendInfo();
  useBackend('native');
  for (const isa of supportedIsas()) out.push({ backend: 'native', isa, label: `native/${isa}` });
  restore(saved);
  return out;
}

function restore(saved: { backend: string; isa: string }): void {
  useBackend(saved.backend as 'js' | 'native');
  if (saved.backend === 'native') setIsa(saved.isa);
}

export function select(t: Target): void {
  useBackend(t.backend);
  if (t.isa) setIsa(t.isa);
}

/** Registers an afterEach that puts the backend and ISA back as they were. */
export function restoreBackendAfterEach(): void {
  const saved = backendInfo();
  afterEach(() => restore(saved));
}
