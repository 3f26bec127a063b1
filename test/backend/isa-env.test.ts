// GRADGUARD_ISA is checked by the addon, which still loads: an unknown name or an ISA this CPU lacks
// is reported by isaEnvError() (the best ISA runs meanwhile), never dropped silently. Each case runs
// in a child process, since the addon reads the variable once.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAddon } from '../../lib/binding.js';
import { nativeAvailable } from '../../lib/index.js';
// @ts-expect-error: a plain ESM build script without type declarations
import { isaList } from '../../scripts/sources.mjs';

const root = join(__dirname, '..', '..');
/** Every ISA name, in the order of native/core/isa_list.h. */
const allIsas = (isaList() as { name: string }[]).map((r) => r.name);

/** activeIsa() and isaEnvError() of an addon loaded with GRADGUARD_ISA = value (undefined: unset). */
function loadWith(value: string | undefined): { active: string; error: string | null } {
  const env = { ...process.env };
  delete env.GRADGUARD_ISA;
  if (value !== undefined) env.GRADGUARD_ISA = value;
  const script = `const a = require('node-gyp-build')(${JSON.stringify(root)});
    console.log(JSON.stringify({ active: a.activeIsa(), error: a.isaEnvError() }));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, env, encoding: 'utf8' }));
}

describe.skipIf(!nativeAvailable())('GRADGUARD_ISA', () => {
  const addon = nativeAvailable() ? (loadAddon() as unknown as { bestIsa(): string; supportedIsas(): string[] }) : undefined;
  const best = addon?.bestIsa() ?? 'scalar';

  it('unset or empty: no error, the best ISA', () => {
    expect(loadWith(undefined)).toEqual({ active: best, error: null });
    expect(loadWith('')).toEqual({ active: best, error: null });
  });

  it('a supported ISA: selected, no error', () => {
    for (const isa of addon?.supportedIsas() ?? []) expect(loadWith(isa)).toEqual({ active: isa, error: null });
  });

  it('an unknown name: an error naming the value and every valid name; the best ISA runs', () => {
    const r = loadWith('avx9000');
    expect(r.active).toBe(best);
    expect(r.error).toBe(`GRADGUARD_ISA="avx9000" is not an ISA gradguard knows; expected one of ${allIsas.join(', ')}`);
  });

  it('an ISA this CPU lacks: named as such, with the ISAs it runs', () => {
    const lacking = allIsas.filter((i) => !addon?.supportedIsas().includes(i));
    expect(lacking.length).toBeGreaterThan(0); // no CPU runs both neon and avx2
    for (const isa of lacking) {
      const r = loadWith(isa);
      expect(r.active).toBe(best);
      expect(r.error).toBe(`GRADGUARD_ISA="${isa}": this CPU lacks ${isa}; it runs ${addon?.supportedIsas().join(', ')}`);
    }
  });
});
