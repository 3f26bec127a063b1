// Part 3's two networks, of the same depth: 20 convolutions 3×3 on 28×28 digits, built from `nn`
// modules. Layout: a stride-2 stem 1→C1 (28→14), `blocks1` pairs of C1→C1 convolutions at 14×14, a
// stride-2 transition C1→C2 (14→7), `blocks2` pairs of C2→C2 at 7×7, then AdaptiveAvgPool2d to 3×3
// (measured: 97.3% after 4 epochs against 96.1% with global pooling, which leaves the head only 16
// features), Flatten and a Linear head to 10 classes. Channels stay small (8 and 16) and the resolution drops
// early, so a training step is cheap enough for the 2-minute budget.
// (a) plain: conv → ReLU only, weights ~ N(0, std²) with a poor std, zero biases.
// (b) cured: Kaiming (He) initialisation, BatchNorm2d after every convolution, and each pair of
//     convolutions inside a residual connection (He et al. 2016: relu(x + bn(conv(relu(bn(conv(x))))))).
import { kaimingNormal, nn, normal, type Rng } from '../../lib/index.js';

export interface CnnShape {
  /** Channels at 14×14 and at 7×7. */
  channels: [number, number];
  /** Residual pairs (two convolutions each) at 14×14 and at 7×7. */
  blocks: [number, number];
  /** AdaptiveAvgPool2d's output side before the head (1: global average pooling). */
  pool: number;
}

/** 1 + 2·3 + 1 + 2·6 = 20 convolutions. */
export const DEMO_SHAPE: CnnShape = { channels: [8, 16], blocks: [3, 6], pool: 3 };

export const convCount = (s: CnnShape): number => 2 + 2 * (s.blocks[0] + s.blocks[1]);

/** The network and the names of its convolution weights, first to last (for the per-layer picture). */
export interface CnnModel {
  model: nn.Sequential;
  convWeights: string[];
}

function convWeightNames(model: nn.Module): string[] {
  return model.namedParameters().filter(([n, p]) => n.endsWith('weight') && p.shape.length === 4).map(([n]) => n);
}

/** (a) conv → ReLU ×20, weights ~ N(0, std²), biases 0. */
export function plainCnn(s: CnnShape, std: number, rng: Rng): CnnModel {
  const [c1, c2] = s.channels;
  const layers: nn.Module[] = [];
  const conv = (cin: number, cout: number, stride: number) => {
    const c = new nn.Conv2d(cin, cout, 3, { stride, padding: 1, rng });
    normal(c.weight.data, c.weight.shape, { std, rng });
    c.bias?.data.fill(0);
    layers.push(c, new nn.ReLU());
  };
  conv(1, c1, 2);
  for (let i = 0; i < 2 * s.blocks[0]; i++) conv(c1, c1, 1);
  conv(c1, c2, 2);
  for (let i = 0; i < 2 * s.blocks[1]; i++) conv(c2, c2, 1);
  const model = new nn.Sequential(...layers, new nn.AdaptiveAvgPool2d(s.pool), new nn.Flatten(), new nn.Linear(c2 * s.pool * s.pool, 10, { rng }));
  return { model, convWeights: convWeightNames(model) };
}

/** (b) Kaiming init, conv → BatchNorm2d, residual pairs. */
export function curedCnn(s: CnnShape, rng: Rng): CnnModel {
  const [c1, c2] = s.channels;
  const conv = (cin: number, cout: number, stride: number) => {
    // No bias: the BatchNorm after it has its own (β).
    const c = new nn.Conv2d(cin, cout, 3, { stride, padding: 1, bias: false, rng });
    kaimingNormal(c.weight.data, c.weight.shape, { nonlinearity: 'relu', rng });
    return c;
  };
  const block = (c: number) => {
    // The block's last BatchNorm starts with γ = 0 (Goyal et al. 2017): each block begins as the
    // identity, so the signal crosses all 20 layers unchanged at step 0.
    const last = new nn.BatchNorm2d(c);
    last.weight!.data.fill(0);
    return [new nn.Residual(new nn.Sequential(conv(c, c, 1), new nn.BatchNorm2d(c), new nn.ReLU(), conv(c, c, 1), last)), new nn.ReLU()];
  };
  const layers: nn.Module[] = [conv(1, c1, 2), new nn.BatchNorm2d(c1), new nn.ReLU()];
  for (let i = 0; i < s.blocks[0]; i++) layers.push(...block(c1));
  layers.push(conv(c1, c2, 2), new nn.BatchNorm2d(c2), new nn.ReLU());
  for (let i = 0; i < s.blocks[1]; i++) layers.push(...block(c2));
  const model = new nn.Sequential(...layers, new nn.AdaptiveAvgPool2d(s.pool), new nn.Flatten(), new nn.Linear(c2 * s.pool * s.pool, 10, { rng }));
  return { model, convWeights: convWeightNames(model) };
}
