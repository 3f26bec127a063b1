/**
 * The environment settings gradguard reads, in one place: their accepted values, and the check that
 * runs once when the backend is first chosen. A malformed value or a misspelt GRADGUARD_ name is a
 * GradGuardError (`ERR_GRADGUARD_CONFIG`) naming the variable, the value and what is accepted: a typo
 * in a job's configuration must not quietly run something else.
 */
import { GradGuardError } from './errors.js';
import { closest } from './validate/suggest.js';

/** Every GRADGUARD_ variable gradguard or its build reads, and what it accepts. */
const SETTINGS: Record<string, string> = {
  GRADGUARD_BACKEND: '"native" or "js"',
  GRADGUARD_ISA: 'an ISA name this CPU runs (supportedIsas())',
  GRADGUARD_THREADS: 'an integer from 1 to 1024',
  GRADGUARD_QUIET: '"1" (or "0")',
  GRADGUARD_SKIP_BUILD: '"1" (or "0"; read by the install step)',
  GRADGUARD_DIST_TIMEOUT_MS: 'a number >= 0 or "Infinity" (gradguard.dist)',
  GRADGUARD_DIST_DISABLE: '"1" (or "0"; gradguard.dist)',
  GRADGUARD_DEVTOOLS: '"1" (or "0"; development builds)',
  // scripts/arm64-node.mjs and scripts/test-arm64.mjs (the ARM64 suites under qemu)
  GRADGUARD_ARM64_SYSROOT: 'the folder of the arm64 sysroot',
  GRADGUARD_ARM64_BUDGET_S: 'seconds for the whole ARM64 stage',
  GRADGUARD_ARM64_BENCH_S: 'seconds for the ARM64 bench',
  GRADGUARD_ARM64_RESULT: 'a file for the ARM64 stage\'s counts',
  GRADGUARD_ARM64_NODE: 'the emulated arm64 node wrapper (set by the ARM64 stage)',
};

function configError(name: string, value: string, accepted: string): never {
  throw new GradGuardError(`${name}=${JSON.stringify(value)} is not valid: expected ${accepted}`, 'ERR_GRADGUARD_CONFIG');
}

const FLAGS = ['GRADGUARD_QUIET', 'GRADGUARD_SKIP_BUILD', 'GRADGUARD_DIST_DISABLE', 'GRADGUARD_DEVTOOLS'];

/**
 * Checks every GRADGUARD_ variable in `env` whose value this module can judge without the addon
 * (the addon judges GRADGUARD_ISA against its ISA list and this CPU: isaEnvError()).
 * @throws {GradGuardError} `ERR_GRADGUARD_CONFIG`: an unknown GRADGUARD_ name (with the closest known
 *   one), or a value a setting does not accept.
 */
export function checkEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('GRADGUARD_') || value === undefined) continue;
    if (!(name in SETTINGS)) {
      const near = closest(name, Object.keys(SETTINGS));
      throw new GradGuardError(
        `${name} is not a gradguard setting${near ? ` (did you mean ${near}?)` : ''}; the settings are ${Object.keys(SETTINGS).join(', ')}`,
        'ERR_GRADGUARD_CONFIG',
      );
    }
    if (value === '') continue;
    if (FLAGS.includes(name) && value !== '0' && value !== '1') configError(name, value, SETTINGS[name]);
    if (name === 'GRADGUARD_BACKEND' && value !== 'native' && value !== 'js') configError(name, value, SETTINGS[name]);
    if (name === 'GRADGUARD_THREADS' && !(/^[1-9]\d{0,3}$/.test(value) && Number(value) <= 1024)) configError(name, value, SETTINGS[name]);
    if (name === 'GRADGUARD_DIST_TIMEOUT_MS' && !(Number(value) >= 0)) configError(name, value, SETTINGS[name]);
  }
}
