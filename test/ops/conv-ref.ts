// A float64 direct-loop convolution (the formulas of ../shared/golden/README.md §conv2d), the
// reference the conv tests compare every backend and ISA with.
export interface Geo {
  n: number;
  ci: number;
  co: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
  g: number;
}

export const outSize = (s: Geo): [number, number] => [
  Math.floor((s.h + 2 * s.ph - s.dh * (s.kh - 1) - 1) / s.sh) + 1,
  Math.floor((s.w + 2 * s.pw - s.dw * (s.kw - 1) - 1) / s.sw) + 1,
];

/** Calls f(n, o, i, j, xIndex, wIndex) for every in-bounds term of y[n,o,i,j]. */
function terms(s: Geo, f: (yi: number, xi: number, wi: number) => void): void {
  const [oh, ow] = outSize(s);
  const cg = s.ci / s.g;
  const og = s.co / s.g;
  for (let n = 0; n < s.n; n++)
    for (let o = 0; o < s.co; o++) {
      const q = Math.floor(o / og);
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          const yi = ((n * s.co + o) * oh + i) * ow + j;
          for (let c = 0; c < cg; c++)
            for (let a = 0; a < s.kh; a++) {
              const hh = i * s.sh + a * s.dh - s.ph;
              if (hh < 0 || hh >= s.h) continue;
              for (let b = 0; b < s.kw; b++) {
                const ww = j * s.sw + b * s.dw - s.pw;
                if (ww < 0 || ww >= s.w) continue;
                f(yi, ((n * s.ci + q * cg + c) * s.h + hh) * s.w + ww, ((o * cg + c) * s.kh + a) * s.kw + b);
              }
            }
        }
    }
}

export function refForward(s: Geo, x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number> | null): Float64Array {
  const [oh, ow] = outSize(s);
  const y = new Float64Array(s.n * s.co * oh * ow);
  if (bias) for (let k = 0; k < y.length; k++) y[k] = bias[Math.floor(k / (oh * ow)) % s.co];
  terms(s, (yi, xi, wi) => (y[yi] += w[wi] * x[xi]));
  return y;
}

export function refBackward(s: Geo, x: ArrayLike<number>, w: ArrayLike<number>, gy: ArrayLike<number>): { gx: Float64Array; gw: Float64Array; gb: Float64Array } {
  const [oh, ow] = outSize(s);
  const gx = new Float64Array(s.n * s.ci * s.h * s.w);
  const gw = new Float64Array(s.co * (s.ci / s.g) * s.kh * s.kw);
  const gb = new Float64Array(s.co);
  for (let k = 0; k < gy.length; k++) gb[Math.floor(k / (oh * ow)) % s.co] += gy[k];
  terms(s, (yi, xi, wi) => {
    gx[xi] += gy[yi] * w[wi];
    gw[wi] += gy[yi] * x[xi];
  });
  return { gx, gw, gb };
}

export const opts2d = (s: Geo) => ({
  batch: s.n,
  inChannels: s.ci,
  outChannels: s.co,
  height: s.h,
  width: s.w,
  kernelSize: [s.kh, s.kw] as [number, number],
  stride: [s.sh, s.sw] as [number, number],
  padding: [s.ph, s.pw] as [number, number],
  dilation: [s.dh, s.dw] as [number, number],
  groups: s.g,
});

/** A geometry from a short spec; unspecified fields are 1 (strides, dilations, groups) or 0 (padding). */
export function geo(p: Partial<Geo> & Pick<Geo, 'n' | 'ci' | 'co' | 'h' | 'w' | 'kh' | 'kw'>): Geo {
  return { sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1, g: 1, ...p };
}

export const lengths = (s: Geo) => {
  const [oh, ow] = outSize(s);
  return { x: s.n * s.ci * s.h * s.w, w: s.co * (s.ci / s.g) * s.kh * s.kw, y: s.n * s.co * oh * ow };
};

/** Shapes covering every path: 1×1, 3×3 pad 1, stride, dilation, groups, depthwise, odd sizes, batch 0. */
export const SHAPES: [string, Geo][] = [
  ['1x1', geo({ n: 2, ci: 5, co: 3, h: 4, w: 7, kh: 1, kw: 1 })],
  ['1x1 stride 2', geo({ n: 2, ci: 4, co: 3, h: 5, w: 5, kh: 1, kw: 1, sh: 2, sw: 2 })],
  ['3x3 pad 1', geo({ n: 2, ci: 3, co: 4, h: 8, w: 9, kh: 3, kw: 3, ph: 1, pw: 1 })],
  ['3x3 pad 1, 17 out channels', geo({ n: 1, ci: 5, co: 17, h: 7, w: 11, kh: 3, kw: 3, ph: 1, pw: 1 })],
  ['5x5 stride 2 pad 2 (LeNet-like)', geo({ n: 3, ci: 1, co: 6, h: 13, w: 12, kh: 5, kw: 5, sh: 2, sw: 2, ph: 2, pw: 2 })],
  ['dilation 2', geo({ n: 2, ci: 3, co: 2, h: 9, w: 10, kh: 3, kw: 3, ph: 2, pw: 2, dh: 2, dw: 2 })],
  ['groups 2', geo({ n: 2, ci: 4, co: 6, h: 6, w: 5, kh: 3, kw: 3, ph: 1, pw: 1, g: 2 })],
  ['depthwise', geo({ n: 2, ci: 6, co: 6, h: 7, w: 9, kh: 3, kw: 3, ph: 1, pw: 1, g: 6 })],
  ['depthwise multiplier 2, stride 2', geo({ n: 2, ci: 3, co: 6, h: 9, w: 8, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1, g: 3 })],
  ['combined', geo({ n: 2, ci: 6, co: 4, h: 9, w: 11, kh: 3, kw: 2, sh: 2, sw: 1, ph: 2, pw: 1, dh: 2, dw: 3, g: 2 })],
  ['padding beyond the kernel', geo({ n: 1, ci: 2, co: 3, h: 3, w: 4, kh: 1, kw: 1, ph: 2, pw: 1 })],
  ['output 1x1', geo({ n: 3, ci: 2, co: 5, h: 4, w: 4, kh: 4, kw: 4 })],
  ['batch 0', geo({ n: 0, ci: 3, co: 4, h: 5, w: 5, kh: 3, kw: 3, ph: 1, pw: 1 })],
  ['1-D like (height 1)', geo({ n: 2, ci: 3, co: 4, h: 1, w: 31, kh: 1, kw: 5, sw: 2, pw: 2 })],
  ['wide 40x40 (several GEMM tiles)', geo({ n: 2, ci: 20, co: 33, h: 13, w: 14, kh: 3, kw: 3, ph: 1, pw: 1 })],
];
