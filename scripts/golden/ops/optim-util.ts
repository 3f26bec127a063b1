import { decodeTensor, FormatError, type Actual, type GoldenCase } from '../format.js';
import { numbered, numParam } from './util.js';

/** An optimiser as the golden cases drive it. */
interface Steppable {
  step(): unknown;
}

/**
 * Runs `steps` optimiser steps over `num_params` tensors: before step t each gradient is set from
 * `grad{j}_step{t}`; after it each parameter is recorded as `param{j}_step{t}`.
 */
export function runSteps(c: GoldenCase, make: (params: { data: Float32Array; grad: Float32Array }[]) => Steppable): Record<string, Actual> {
  const n = numParam(c, 'num_params');
  const steps = numParam(c, 'steps');
  const init = numbered(c, 'param', n);
  const params = init.map((p) => ({ data: p.data, grad: new Float32Array(p.data.length) }));
  const opt = make(params);
  const outputs: Record<string, Actual> = {};
  for (let t = 1; t <= steps; t++) {
    for (let j = 0; j < n; j++) {
      const name = `grad${j}_step${t}`;
      if (c.inputs[name] === undefined) throw new FormatError(`input ${name} missing`);
      const g = decodeTensor(name, c.inputs[name]).data;
      if (g.length !== params[j].grad.length) throw new FormatError(`${name} has the wrong length`);
      params[j].grad.set(g);
    }
    opt.step();
    for (let j = 0; j < n; j++) outputs[`param${j}_step${t}`] = { shape: init[j].shape, data: params[j].data.slice() };
  }
  return outputs;
}
