// The addon loader passes over a binary of another architecture (by its ELF header, before opening
// it) and one that fails to load (corrupt, truncated), names each and why, and loads the next
// candidate: a build from source first, then the prebuilds node-gyp-build's tag rules match.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addonCandidates, binaryMismatch, loadNativeAddon } from '../../lib/addon-loader.js';
import { loadAddon, loadedAddonFile, packageRoot } from '../../lib/binding.js';
import { nativeAvailable } from '../../lib/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'gg-loader-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A 64-byte file with an ELF header for machine `code` (62 x86-64, 183 aarch64) and nothing else. */
function fakeElf(file: string, machine: number): void {
  const b = Buffer.alloc(64);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = 2; // 64-bit
  b[5] = 1; // little-endian
  b.writeUInt16LE(3, 16); // ET_DYN
  b.writeUInt16LE(machine, 18);
  writeFileSync(file, b);
}

function fakePackage(name: string): string {
  const root = join(tmp, name);
  mkdirSync(join(root, 'build', 'Release'), { recursive: true });
  mkdirSync(join(root, 'prebuilds', `${process.platform}-${process.arch}`), { recursive: true });
  mkdirSync(join(root, 'prebuilds', 'linux-fakearch'), { recursive: true });
  return root;
}

const otherMachine = process.arch === 'arm64' ? 62 : 183;
const otherName = process.arch === 'arm64' ? 'x86-64' : 'aarch64';

describe('binaryMismatch', () => {
  it.runIf(process.platform === 'linux')('names the architecture a binary was built for', () => {
    const f = join(tmp, 'other.node');
    fakeElf(f, otherMachine);
    expect(binaryMismatch(f)).toMatch(new RegExp(`built for ${otherName}, not`));
    fakeElf(f, process.arch === 'arm64' ? 183 : 62);
    expect(binaryMismatch(f)).toBeNull();
  });

  it.runIf(process.platform === 'linux')('calls a file without an ELF header corrupt', () => {
    const f = join(tmp, 'garbage.node');
    writeFileSync(f, 'not a library at all, just some text');
    expect(binaryMismatch(f)).toMatch(/corrupt or truncated/);
    writeFileSync(f, Buffer.from([0x7f, 0x45]));
    expect(binaryMismatch(f)).toMatch(/corrupt or truncated/);
  });
});

describe('addonCandidates', () => {
  it('lists a build from source first, then this platform\'s prebuilds, never another platform\'s', () => {
    const root = fakePackage('order');
    const here = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
    writeFileSync(join(root, 'build', 'Release', 'gradguard.node'), '');
    writeFileSync(join(here, 'gradguard.napi.node'), '');
    writeFileSync(join(here, 'README.txt'), '');
    writeFileSync(join(root, 'prebuilds', 'linux-fakearch', 'gradguard.napi.node'), '');
    expect(addonCandidates(root)).toEqual([join(root, 'build', 'Release', 'gradguard.node'), join(here, 'gradguard.napi.node')]);
  });

  it('finds nothing in an empty package', () => {
    expect(addonCandidates(join(tmp, 'nothing-here'))).toEqual([]);
    expect(() => loadNativeAddon(join(tmp, 'nothing-here'))).toThrow(/no native binary for .* \(no prebuild, and no build from source/);
  });
});

describe.runIf(nativeAvailable() && process.platform === 'linux')('loadNativeAddon', () => {
  it('passes over a build of another architecture and a corrupt one, says why, and loads the prebuild', () => {
    loadAddon();
    const real = join(packageRoot(), loadedAddonFile()!);
    const root = fakePackage('skip');
    writeFileSync(join(root, 'build', 'Release', 'gradguard.node'), Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.alloc(60)]));
    mkdirSync(join(root, 'build', 'Debug'));
    fakeElf(join(root, 'build', 'Debug', 'gradguard.node'), otherMachine);
    copyFileSync(real, join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'gradguard.napi.node'));
    const { addon, file, notice } = loadNativeAddon<{ gradNorm: (t: Float32Array[], s: null, p: number) => number }>(root);
    expect(file).toBe(join('prebuilds', `${process.platform}-${process.arch}`, 'gradguard.napi.node'));
    expect(addon.gradNorm([new Float32Array([3, 4])], null, 2)).toBe(5);
    // The corrupt build from source is named (a failed rebuild must not silently run older code);
    // the other architecture's build is not a fault of this machine and is not mentioned.
    expect(notice).toMatch(/^gradguard: build\/Release\/gradguard\.node is built for ELF machine 0, not [\w-]+; running prebuilds\/.+ instead/);
    expect(notice).not.toContain('Debug');
  });

  it('says nothing when the only build from source is for another architecture', () => {
    loadAddon();
    const real = join(packageRoot(), loadedAddonFile()!);
    const root = fakePackage('other-arch');
    fakeElf(join(root, 'build', 'Release', 'gradguard.node'), otherMachine);
    copyFileSync(real, join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'gradguard.napi.node'));
    expect(loadNativeAddon(root).notice).toBeNull();
  });

  it('names a build from source that has an ELF header but does not load, when a prebuild runs instead', () => {
    loadAddon();
    const real = join(packageRoot(), loadedAddonFile()!);
    const root = fakePackage('stale');
    fakeElf(join(root, 'build', 'Release', 'gradguard.node'), process.arch === 'arm64' ? 183 : 62);
    copyFileSync(real, join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'gradguard.napi.node'));
    expect(loadNativeAddon(root).notice).toMatch(/^gradguard: build\/Release\/gradguard\.node did not load \(.+\); running prebuilds\/.+ instead \(rebuild: npm run build\)$/);
  });

  it('with no loadable binary, throws one line naming each candidate and its fault', () => {
    const root = fakePackage('none');
    writeFileSync(join(root, 'build', 'Release', 'gradguard.node'), 'garbage');
    fakeElf(join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'gradguard.napi.node'), otherMachine);
    let message = '';
    try {
      loadNativeAddon(root);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).not.toContain('\n');
    expect(message).toMatch(/^no native binary loads: build\/Release\/gradguard\.node is not a shared library \(corrupt or truncated\); /);
    expect(message).toMatch(new RegExp(`prebuilds/${process.platform}-${process.arch}/gradguard\\.napi\\.node is built for ${otherName}`));
  });

  it('reports a binary that has an ELF header but does not load as failing to load', () => {
    const root = fakePackage('truncated');
    const f = join(root, 'build', 'Release', 'gradguard.node');
    fakeElf(f, process.arch === 'arm64' ? 183 : 62);
    expect(() => loadNativeAddon(root)).toThrow(/build\/Release\/gradguard\.node did not load \(.+\)/);
  });
});
