// Crash safety of checkpoint saves: a real child process saving a model + Adam checkpoint in a loop
// is killed with SIGKILL at random points, again and again; after every kill the file on disk must
// load and be one whole save (parameters, optimiser step and meta from the same iteration), never a
// torn or mixed one. The atomic write (temporary file, fsync, rename) is what this tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Adam, nn } from '../../lib/index.js';
import { child, distEntry, soakSeconds } from './budget.js';

/** Starts the writer, waits for its first save, lets it run `ms`, then SIGKILLs it. */
function runAndKill(path: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child('checkpoint-writer.cjs'), path, distEntry], { stdio: ['ignore', 'pipe', 'inherit'] });
    let killed = false;
    p.stdout.on('data', () => {
      if (killed) return;
      killed = true;
      setTimeout(() => p.kill('SIGKILL'), ms);
    });
    p.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`writer exited with code ${code}, signal ${signal} before the kill`))));
  });
}

describe('checkpoint saves killed with SIGKILL', () => {
  it('always leave the last whole checkpoint, which loads and is consistent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradguard-crash-'));
    const path = join(dir, 'model.ckpt');
    const deadline = Date.now() + soakSeconds() * 1000 * 0.3;
    let kills = 0;
    const seen = new Set<number>();
    let state = 0x2545f491;
    const random = (): number => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    while (kills < 12 || Date.now() < deadline) {
      await runAndKill(path, Math.floor(random() * 120));
      kills++;
      const model = new nn.Sequential(new nn.Linear(512, 1024, { seed: 9 }), new nn.Linear(1024, 64, { seed: 8 }));
      const opt = new Adam(model.paramStore(), { lr: 1e-3 });
      const loaded = nn.loadCheckpoint(path, model, opt);
      const k = (loaded.meta as { k: number }).k;
      expect(Number.isInteger(k) && k >= 1).toBe(true);
      for (const p of model.parameters()) expect(p.data.every((v) => v === k)).toBe(true);
      expect(opt.state().step).toBe(k);
      seen.add(k);
    }
    // The kills landed at different points of the save loop, not all after the same save.
    expect(seen.size).toBeGreaterThan(1);
    // Each run's first save removed the temporary file the previous kill left: at most the last
    // kill's one remains, however many kills there were.
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp')).length).toBeLessThanOrEqual(1);
    rmSync(dir, { recursive: true, force: true });
  }, 600_000);
});
