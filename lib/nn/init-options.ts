/** Seeding of a module's initial weights: one generator per module, so `seed` reproduces them. */
import { invalidArg } from '../errors.js';
import { Rng } from '../init/rng.js';
import type { RandomOptions } from '../init/init.js';
import { optionKeys } from '../validate/index.js';

/** How a module seeds its initial weights (by default from init's default generator, see `manualSeed`). */
export interface InitOptions {
  /** Seed for this module's weights (a fresh generator drawn from in parameter order). */
  seed?: number;
  /** A generator to draw from (shared across modules to seed a whole model from one seed). */
  rng?: Rng;
}

/** The keys of InitOptions, part of every module's options. */
export const INIT_OPTION_KEYS = optionKeys<InitOptions>()(['seed', 'rng']);

/** The RandomOptions to pass to lib/init: one Rng for the whole module, else the default generator. */
export function randomOptions(where: string, o: InitOptions | undefined): RandomOptions {
  if (o?.seed !== undefined) return { rng: new Rng(o.seed) };
  if (o?.rng !== undefined) {
    if (!(o.rng instanceof Rng)) invalidArg(`${where} options.rng`, 'an Rng', o.rng);
    return { rng: o.rng };
  }
  return {};
}

/** An integer size argument >= min (default 1). */
export function checkSize(name: string, v: unknown, min = 1): number {
  if (typeof v !== 'number') invalidArg(name, `an integer >= ${min}`, v);
  if (!Number.isSafeInteger(v) || v < min) invalidArg(name, `an integer >= ${min}`, v, 'range');
  return v;
}
