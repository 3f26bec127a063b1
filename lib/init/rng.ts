/**
 * A small, fast, seedable PRNG for weight initialisation: xoshiro128** 1.1 (Blackman & Vigna, 2018;
 * 128-bit state, period 2^128 − 1, 32-bit outputs), its state filled from the seed by SplitMix32
 * (so nearby seeds give unrelated streams). Pure integer arithmetic in TypeScript: the same seed
 * gives the same numbers on every platform and backend. Not for cryptography.
 * @see https://prng.di.unimi.it/xoshiro128starstar.c
 */
import { invalidArg } from '../errors.js';

const TWO_NEG_24 = 2 ** -24;
const TWO_NEG_53 = 2 ** -53;

/**
 * Seedable PRNG, xoshiro128** 1.1 seeded by SplitMix32: the same seed gives the same numbers on
 * every platform and backend. Pass one as `rng` to the initialisers to draw several tensors from
 * one stream. Not for cryptography.
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /**
   * Seeds the state by SplitMix32.
   * @param seed any integer in [0, 2^53); equal seeds give equal streams. Default 0.
   * @throws {TypeError|RangeError} for any other seed.
   */
  constructor(seed = 0) {
    if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) invalidArg('seed', 'an integer from 0 to 2^53 - 1', seed, typeof seed === 'number' ? 'range' : 'type');
    // SplitMix32 over the seed's low and high 32-bit halves.
    let x = (seed >>> 0) ^ Math.imul(Math.floor(seed / 2 ** 32) | 0, 0x9e3779b9);
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const s1 = this.s1;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r;
  }

  /** A float64 in [0, 1) with 53 random bits. */
  nextDouble(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) * TWO_NEG_53;
  }

  /** A float in [0, 1) with 24 random bits (exactly representable in float32). */
  nextFloat24(): number {
    return (this.nextUint32() >>> 8) * TWO_NEG_24;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
