// The TypeScript layers only look down (DESIGN §2: public API → checks/backends → addon): every
// relative import in lib/ goes to a module of the same layer or a lower one. The layers are listed
// here, lowest first; a new top-level file or folder of lib/ belongs to the public API unless it is
// added to a lower layer below.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const lib = join(__dirname, '..', '..', 'lib');

/** Lowest first. A module belongs to the first layer one of whose patterns matches its path under lib/. */
const LAYERS: readonly { name: string; modules: readonly RegExp[] }[] = [
  { name: 'errors', modules: [/^errors\.ts$/, /^env\.ts$/, /^validate\/suggest\.ts$/] }, // env.ts: the GRADGUARD_ settings, checked with errors.ts and validate/suggest.ts ("did you mean", no imports) only
  { name: 'addon', modules: [/^addon-loader\.ts$/, /^binding\.ts$/] },
  { name: 'checks', modules: [/^validate\//, /^list-cache\.ts$/] },
  { name: 'backend', modules: [/^backend\//] },
  { name: 'api', modules: [/./] },
];

function layerOf(path: string): number {
  return LAYERS.findIndex((l) => l.modules.some((re) => re.test(path)));
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Relative specifiers of `import … from`, `export … from`, `import('…')` and `import '…'`. */
function importsOf(text: string): string[] {
  const found: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;
  for (let m = re.exec(text); m; m = re.exec(text)) found.push(m[1]);
  return found;
}

const toLib = (file: string): string => relative(lib, file).replace(/\\/g, '/');
const resolveTs = (from: string, spec: string): string => toLib(resolve(dirname(from), spec)).replace(/\.js$/, '.ts');

/** Every import that reaches a higher layer, as "from → to (layer → layer)". */
function upwardImports(files: readonly { path: string; text: string }[]): string[] {
  const bad: string[] = [];
  for (const { path, text } of files) {
    const own = layerOf(path);
    for (const spec of importsOf(text)) {
      const target = resolveTs(join(lib, path), spec);
      const to = layerOf(target);
      if (to > own) bad.push(`${path} → ${target} (${LAYERS[own].name} → ${LAYERS[to].name})`);
    }
  }
  return bad;
}

describe('lib/ layers only look down', () => {
  const files = sources(lib).map((f) => ({ path: toLib(f), text: readFileSync(f, 'utf8') }));

  it('finds the layers it names', () => {
    const counts = LAYERS.map((_, i) => files.filter((f) => layerOf(f.path) === i).length);
    for (const c of counts) expect(c).toBeGreaterThan(0);
    expect(files.length).toBeGreaterThan(50);
  });

  it('no module imports from a higher layer (backends never import the public API; the checks never reach up)', () => {
    expect(upwardImports(files)).toEqual([]);
  });

  it('catches an upward import (the check is not vacuous)', () => {
    const fake = [
      { path: 'backend/js/fake.ts', text: "import type { MatmulOptions } from '../../ops/matmul.js';" },
      { path: 'validate/fake.ts', text: "export { FlatTensors } from '../param-store.js';\nconst b = await import('../backend/index.js');" },
      { path: 'binding.ts', text: "import { checkTensors } from './validate/index.js';" },
      { path: 'ops/fine.ts', text: "import { getBackend } from '../backend/index.js';" },
    ];
    expect(upwardImports(fake)).toEqual([
      'backend/js/fake.ts → ops/matmul.ts (backend → api)',
      'validate/fake.ts → param-store.ts (checks → api)',
      'validate/fake.ts → backend/index.ts (checks → backend)',
      'binding.ts → validate/index.ts (addon → checks)',
    ]);
  });
});
