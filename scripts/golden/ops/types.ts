import type { Actual, GoldenCase } from '../format.js';

/** What running one case produced. `raised` holds the error when the library threw. */
export interface CaseRun {
  outputs: Record<string, Actual>;
  raised?: unknown;
}

/** One op family of the golden files. */
export interface OpHandler {
  /** Parameter names the handler understands (any other is a failure). */
  params: readonly string[];
  /** Extra case-level keys of this file (beyond name, params, inputs, outputs, rtol, atol, note). */
  caseKeys?: readonly string[];
  /** Whether an input/output name is one this op has. */
  input: RegExp;
  output: RegExp;
  /** Runs the case on the current backend; inputs are fresh copies it may modify. */
  run(c: GoldenCase): CaseRun;
  /** The expected outputs and whether the call must throw (default: c.outputs, c.raises === true). */
  expect?(c: GoldenCase): { outputs: GoldenCase['outputs']; raises: boolean };
}
