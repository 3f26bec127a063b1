/**
 * The golden runner (DESIGN.md §6): runs every case of every file in a folder against the library on
 * each requested backend/ISA. Unknown ops, fields, params, inputs or outputs are failures.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nativeAvailable, setIsa, supportedIsas, useBackend } from '../../lib/index.js';
import { CASE_KEYS, compareOutput, FILE_KEYS, type GoldenCase, type GoldenFile } from './format.js';
import { handlers } from './ops/index.js';

/** A backend to run on: 'js', or 'native' with one ISA. */
export interface Target {
  backend: 'js' | 'native';
  isa?: string;
}

export interface GoldenResult {
  passed: number;
  failed: number;
  /** One line per failure: "file target case: reason". */
  failures: string[];
}

/** 'js' | 'native' | 'all' → targets: native expands to every ISA the machine has. */
export function targetsFor(which: string): Target[] {
  const nativeTargets = (): Target[] => {
    if (!nativeAvailable()) throw new Error('golden: the native addon is not available');
    useBackend('native');
    return supportedIsas().map((isa) => ({ backend: 'native' as const, isa }));
  };
  if (which === 'js') return [{ backend: 'js' }];
  if (which === 'native') return nativeTargets();
  if (which === 'all') return [{ backend: 'js' }, ...nativeTargets()];
  throw new Error(`golden: --backend must be js, native or all; got "${which}"`);
}

const label = (t: Target) => (t.backend === 'js' ? 'js' : `native/${t.isa}`);

function select(t: Target): void {
  useBackend(t.backend);
  if (t.isa) setIsa(t.isa);
}

/** Problems with a case's shape against its handler, or null. */
function checkCase(file: GoldenFile, c: GoldenCase): string | null {
  const h = handlers[file.op];
  for (const k of Object.keys(c)) if (!CASE_KEYS.has(k) && !(h.caseKeys ?? []).includes(k)) return `unknown case field "${k}"`;
  for (const k of ['rtol', 'atol']) if (typeof c[k] !== 'number') return `${k} missing`;
  for (const k of Object.keys(c.params ?? {})) if (!h.params.includes(k)) return `unknown param "${k}"`;
  for (const k of Object.keys(c.inputs ?? {})) if (!h.input.test(k)) return `unknown input "${k}"`;
  for (const k of Object.keys(c.outputs ?? {})) if (!h.output.test(k)) return `unknown output "${k}"`;
  return null;
}

function runCase(file: GoldenFile, c: GoldenCase): string | null {
  const h = handlers[file.op];
  const bad = checkCase(file, c);
  if (bad) return bad;
  const { outputs: expected, raises } = h.expect ? h.expect(c) : { outputs: c.outputs, raises: c.raises === true };
  let run;
  try {
    run = h.run(c);
  } catch (err) {
    return `threw ${(err as Error)?.stack ?? String(err)}`;
  }
  if (raises) {
    if (!run.raised) return 'expected the call to throw';
    if (run.raised instanceof Error && run.raised.message === 'gradients modified before raising') return run.raised.message;
    return null;
  }
  if (run.raised) return `threw ${String(run.raised)}`;
  for (const [name, e] of Object.entries(expected ?? {})) {
    const problem = compareOutput(name, e, run.outputs[name], c.rtol, c.atol);
    if (problem) return problem;
  }
  return null;
}

/** Runs every *.json in `dir` on every target. */
export function runGoldenDir(dir: string, targets: Target[]): GoldenResult {
  const result: GoldenResult = { passed: 0, failed: 0, failures: [] };
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  for (const name of files) {
    let file: GoldenFile;
    try {
      file = JSON.parse(readFileSync(join(dir, name), 'utf8')) as GoldenFile;
    } catch (err) {
      result.failed++;
      result.failures.push(`${name}: not valid JSON: ${(err as Error).message}`);
      continue;
    }
    const unknownKey = Object.keys(file).find((k) => !FILE_KEYS.has(k));
    if (!handlers[file.op] || unknownKey || !Array.isArray(file.cases)) {
      result.failed++;
      const why = !handlers[file.op] ? `unknown op "${file.op}"` : unknownKey ? `unknown field "${unknownKey}"` : 'no cases array';
      result.failures.push(`${name}: ${why}`);
      continue;
    }
    for (const t of targets) {
      select(t);
      for (const c of file.cases) {
        let problem: string | null;
        try {
          problem = runCase(file, c);
        } catch (err) {
          problem = `not understood: ${(err as Error).message}`;
        }
        if (problem) {
          result.failed++;
          result.failures.push(`${name} ${label(t)} ${c.name}: ${problem}`);
        } else {
          result.passed++;
        }
      }
    }
  }
  return result;
}
