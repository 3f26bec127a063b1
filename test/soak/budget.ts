/**
 * The time budget of a soak test: GG_SOAK_SECONDS (set by scripts/test-soak.mjs from --seconds;
 * default 10) seconds, split between the soak files. Not GRADGUARD_*: lib/env.ts refuses names it
 * does not know.
 */
import { join } from 'node:path';

export const soakSeconds = (): number => {
  const s = Number(process.env.GG_SOAK_SECONDS ?? 10);
  if (!(s > 0)) throw new RangeError(`GG_SOAK_SECONDS must be a positive number of seconds, got ${process.env.GG_SOAK_SECONDS}`);
  return s;
};

/** The built CommonJS entry the child processes and workers load (npm test builds it first). */
export const distEntry = join(__dirname, '..', '..', 'dist', 'index.cjs');
export const child = (name: string): string => join(__dirname, 'children', name);
