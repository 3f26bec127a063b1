// scripts/build-mpi.mjs when the build fails: it must not leave an older addon behind, or
// dist.available() would load a binary built against another MPI while status.json says built: false.
// The script runs from a copy in a temporary folder (it builds into <its folder>/../build-mpi), so
// the real build-mpi/ is not touched.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { root } from './mpirun.js';

let tmp = '';
afterEach(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('build-mpi.mjs', () => {
  it('removes the previous addon when a rebuild fails (no MPI found)', () => {
    tmp = mkdtempSync(join(tmpdir(), 'gradguard-build-mpi-'));
    mkdirSync(join(tmp, 'scripts'));
    for (const f of ['build-mpi.mjs', 'sources.mjs', 'node-headers.mjs']) copyFileSync(join(root, 'scripts', f), join(tmp, 'scripts', f));
    const stale = join(tmp, 'build-mpi', 'Release', 'gradguard_mpi.node');
    mkdirSync(join(tmp, 'build-mpi', 'Release'), { recursive: true });
    writeFileSync(stale, 'an addon built against the previous MPI');
    const r = spawnSync(process.execPath, [join(tmp, 'scripts', 'build-mpi.mjs'), '--optional'], {
      encoding: 'utf8',
      // No mpicc and no pkg-config module: findMpi fails.
      env: { ...process.env, MPICC: join(tmp, 'no-mpicc'), PKG_CONFIG_LIBDIR: join(tmp, 'no-pc'), PKG_CONFIG_PATH: '' },
    });
    expect(r.status, r.stderr).toBe(0); // --optional: a notice, not a failure
    expect(r.stderr).toContain('gradguard: MPI addon not built: no MPI found');
    const status = JSON.parse(readFileSync(join(tmp, 'build-mpi', 'status.json'), 'utf8'));
    expect(status).toMatchObject({ built: false });
    expect(existsSync(stale)).toBe(false);
  });
});
