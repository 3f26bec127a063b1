// The ELF machine of a binary, for the development scripts that check a prebuild's architecture
// before using it (lib/addon-loader.ts does the same for the library, with the truncation check).
import { closeSync, openSync, readSync } from 'node:fs';

/** ELF `e_machine` numbers of the architectures gradguard prebuilds for. */
export const ELF_MACHINE = { x64: 62, arm64: 183 };

/** The ELF machine number of `file`, or -1 when it is not an ELF file. */
export function elfMachine(file) {
  const b = Buffer.alloc(20);
  const fd = openSync(file, 'r');
  try {
    if (readSync(fd, b, 0, 20, 0) < 20) return -1;
  } finally {
    closeSync(fd);
  }
  return b.readUInt32BE(0) === 0x7f454c46 ? b.readUInt16LE(18) : -1;
}
