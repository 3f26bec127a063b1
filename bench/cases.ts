// What `npm run bench` measures: the workloads of ../shared/bench/workloads.json (copied into
// bench/workloads.json so the repo stands alone) in both layouts, and the thread counts.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export interface Workload {
  name: 'W1' | 'W2';
  shapes: number[][];
  elements: number;
}

export function loadWorkloads(): Workload[] {
  const raw = JSON.parse(readFileSync(join(here, 'workloads.json'), 'utf8')) as Record<string, { shapes: number[][]; elements: number; count: number }>;
  return (['W1', 'W2'] as const).map((name) => {
    const w = raw[name];
    const elements = w.shapes.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0);
    if (elements !== w.elements || w.shapes.length !== w.count) throw new Error(`workloads.json: ${name} does not add up`);
    return { name, shapes: w.shapes, elements };
  });
}

/** Layouts of a gradient set: separate Float32Arrays, or one flat store. */
export const LAYOUTS = ['arrays', 'flat'] as const;
export type Layout = (typeof LAYOUTS)[number];

/** Operations on a gradient set. `clip` uses maxNorm 0 so every iteration runs the scaling pass
 *  (a positive bound stops clipping once the set is clipped); `noclip` uses a bound never reached. */
export const OPS = ['getTotalNorm', 'clipGradNorm(clip)', 'clipGradNorm(noclip)'] as const;
export type Op = (typeof OPS)[number];

/** Bytes each op must move per element: a read, or a read plus an in-place read-write pass. */
export const BYTES_PER_ELEMENT: Record<Op, { read: number; readWrite: number }> = {
  getTotalNorm: { read: 4, readWrite: 0 },
  'clipGradNorm(clip)': { read: 4, readWrite: 8 },
  'clipGradNorm(noclip)': { read: 4, readWrite: 0 },
};
