/**
 * Finds and loads the native addon. The candidates, in order: a build from source
 * (`build/Release/gradguard.node`, then `build/Debug`), then the prebuilds for this platform and
 * architecture, picked and ordered by node-gyp-build's own tag rules (N-API, libc, armv). A candidate
 * built for another architecture, a truncated one and a prebuild whose checksum does not match are
 * passed over before it is opened (dlopen of a damaged library can kill the process); one that fails
 * to load (missing symbols, a too-old libc) is passed over after; the next one is tried. node-gyp-build alone stops at the first match, so a stale build of another
 * architecture (a copied `node_modules`, an emulated run) would hide a good prebuild.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';

/** What node-gyp-build exports besides its loader: the helpers that match prebuild folder and file names. */
interface PrebuildTags {
  file: string;
}
interface PrebuildTuple {
  name: string;
}
interface NodeGypBuild {
  parseTuple(name: string): PrebuildTuple | undefined;
  matchTuple(platform: string, arch: string): (t: PrebuildTuple | undefined) => boolean;
  compareTuples(a: PrebuildTuple, b: PrebuildTuple): number;
  parseTags(file: string): PrebuildTags | undefined;
  matchTags(runtime: string, abi: string): (t: PrebuildTags | undefined) => boolean;
  compareTags(runtime: string): (a: PrebuildTags, b: PrebuildTags) => number;
}

const require = createRequire(import.meta.url);

/** ELF `e_machine` of each Node architecture whose prebuilds this package may carry. */
const ELF_MACHINE: Record<string, { code: number; name: string }> = {
  x64: { code: 62, name: 'x86-64' },
  arm64: { code: 183, name: 'aarch64' },
  ia32: { code: 3, name: 'x86' },
  arm: { code: 40, name: 'arm' },
};

function elfMachineName(code: number): string {
  return Object.values(ELF_MACHINE).find((m) => m.code === code)?.name ?? `ELF machine ${code}`;
}

/**
 * Why the binary at `file` cannot run on this process's architecture, or null when it may (or when
 * this platform does not use ELF). Reads the ELF and program headers, never maps the library: a
 * truncated library (a segment or the section table past the end of the file) is caught here, since
 * dlopen would map the missing pages and the process would die on touching them.
 */
export function binaryMismatch(file: string, arch: string = process.arch, platform: string = process.platform): string | null {
  if (platform !== 'linux' && platform !== 'freebsd' && platform !== 'android') return null;
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const read = (at: number, length: number): Buffer | null => {
      if (at < 0 || at + length > size) return null;
      const b = Buffer.alloc(length);
      return readSync(fd, b, 0, length, at) === length ? b : null;
    };
    const header = read(0, 64);
    if (!header || header.readUInt32BE(0) !== 0x7f454c46) return 'not a shared library (corrupt or truncated)';
    const machine = header.readUInt16LE(18);
    const want = ELF_MACHINE[arch];
    if (want && machine !== want.code) return `built for ${elfMachineName(machine)}, not ${want.name}`;
    if (header[4] !== 2 || header[5] !== 1) return null; // not 64-bit little-endian: leave it to dlopen
    const end = (offset: bigint, length: bigint) => Number(offset + length);
    let needed = end(header.readBigUInt64LE(40), BigInt(header.readUInt16LE(58) * header.readUInt16LE(60)));
    const phoff = Number(header.readBigUInt64LE(32));
    const phentsize = header.readUInt16LE(54);
    const phnum = header.readUInt16LE(56);
    const table = read(phoff, phentsize * phnum);
    if (phnum > 0 && (!table || phentsize < 56)) return 'truncated (its program headers are missing)';
    for (let i = 0; i < phnum; i++) {
      const at = i * phentsize;
      needed = Math.max(needed, end(table!.readBigUInt64LE(at + 8), table!.readBigUInt64LE(at + 32)));
    }
    if (needed > size) return `truncated (${size} of at least ${needed} bytes)`;
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether a prebuild matches the SHA-256 that scripts/prebuild.mjs wrote beside it
 * (`<file>.sha256`): corruption anywhere in the file, not only in its headers, is caught before
 * the library is opened. Null when it matches or when there is no checksum file (a build from source).
 */
export function checksumMismatch(file: string): string | null {
  let expected: string;
  try {
    expected = readFileSync(`${file}.sha256`, 'utf8').trim().split(/\s+/)[0];
  } catch {
    return null;
  }
  const actual = createHash('sha256').update(readFileSync(file)).digest('hex');
  return actual === expected ? null : 'corrupt (its SHA-256 does not match the one shipped beside it)';
}

/** Whether a binaryMismatch reason names a real other architecture (not a damaged header's "ELF machine 0"). */
function builtForOtherArch(reason: string | null): boolean {
  return reason !== null && Object.values(ELF_MACHINE).some((m) => reason.startsWith(`built for ${m.name},`));
}

/** Every binary that may be this package's addon here, best first. */
export function addonCandidates(root: string): string[] {
  const out: string[] = [];
  for (const config of ['Release', 'Debug']) {
    const file = join(root, 'build', config, 'gradguard.node');
    if (existsSync(file)) out.push(file);
  }
  const gyp = require('node-gyp-build') as NodeGypBuild;
  const list = (dir: string): string[] => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  const prebuilds = join(root, 'prebuilds');
  const tuples = list(prebuilds)
    .map((name) => gyp.parseTuple(name))
    .filter(gyp.matchTuple(process.platform, process.arch)) as PrebuildTuple[];
  for (const tuple of tuples.sort(gyp.compareTuples)) {
    const dir = join(prebuilds, tuple.name);
    const files = list(dir)
      .map((f) => gyp.parseTags(f))
      .filter(gyp.matchTags('node', process.versions.modules)) as PrebuildTags[];
    for (const tags of files.sort(gyp.compareTags('node'))) out.push(join(dir, tags.file));
  }
  return out;
}

/** The addon that loaded and the file it came from. */
export interface LoadedAddon<T> {
  addon: T;
  /** The binary's path relative to the package root, e.g. `prebuilds/linux-x64/gradguard.glibc.node`. */
  file: string;
  /**
   * Set when a build from source for this architecture exists but was passed over (it did not load,
   * or it is corrupt) and a prebuild runs in its place: the caller says so, or a rebuild that
   * failed (a new source file before `node-gyp configure`) would silently run older code. Null
   * otherwise, including a build for another architecture (a copied tree, an emulated run).
   */
  notice: string | null;
}

/**
 * Loads the first candidate that runs here.
 * @throws {Error} naming every candidate and why it was passed over, on one line (the fallback
 *   notice prints the first line), or saying that there is no binary for this platform.
 */
export function loadNativeAddon<T>(root: string): LoadedAddon<T> {
  const skipped: string[] = [];
  const skippedBuilds: string[] = []; // builds from source for this architecture that were passed over
  for (const file of addonCandidates(root)) {
    const name = relative(root, file);
    const fromSource = name.startsWith(`build${sep}`);
    const arch = binaryMismatch(file);
    const mismatch = arch ?? checksumMismatch(file);
    if (mismatch) {
      skipped.push(`${name} is ${mismatch}`);
      if (fromSource && !builtForOtherArch(arch)) skippedBuilds.push(skipped[skipped.length - 1]);
      continue;
    }
    try {
      const addon = require(file) as T;
      const notice = skippedBuilds.length > 0 && !fromSource ? `gradguard: ${skippedBuilds.join('; ')}; running ${name} instead (rebuild: npm run build)` : null;
      return { addon, file: name, notice };
    } catch (err) {
      skipped.push(`${name} did not load (${String((err as Error)?.message ?? err).split('\n')[0]})`);
      if (fromSource) skippedBuilds.push(skipped[skipped.length - 1]);
    }
  }
  if (skipped.length === 0) {
    throw new Error(`no native binary for ${process.platform}-${process.arch} (no prebuild, and no build from source in ${join(root, 'build')})`);
  }
  throw new Error(`no native binary loads: ${skipped.join('; ')}`);
}
