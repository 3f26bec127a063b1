/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial 0xEDB88320), for checkpoint integrity: node:zlib's
 * native crc32 where this Node has it (20.15+), else a table-driven loop with the same result.
 */
import * as zlib from 'node:zlib';

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

let table: Uint32Array | null = null;

function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

/** CRC-32 of `data`, continuing from `crc` (0 to start): crc32(b, crc32(a)) = crc32(a ‖ b). */
export function crc32(data: Uint8Array, crc = 0): number {
  return native ? native(data, crc) : crc32Portable(data, crc);
}

/** @internal The table-driven fallback (exported so tests compare it with zlib's). */
export function crc32Portable(data: Uint8Array, crc = 0): number {
  const t = (table ??= makeTable());
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
