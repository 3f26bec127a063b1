// The monitor's measured precision and recall (issue 17): healthy runs must raise no warning or error;
// every planted fault must be flagged at warning or error within 5 steps of its onset, naming the right
// layer. Prints the table (runs × events × levels) that docs/monitor.md quotes; exit code 1 on a miss.
// Run: npx tsx bench/monitor-eval.ts [--quick]   (part of npm run bench; --quick = the CI settings:
// shorter healthy runs. test/monitor/eval.test.ts runs the same with --quick settings.)
import { backendInfo, setNumThreads } from '../lib/index.js';
import { evaluate, table } from './monitor-eval/evaluate.js';

const short = process.argv.includes('--quick');
setNumThreads(1);
const info = backendInfo();
console.log(`\nMonitor evaluation (${short ? 'short' : 'full'} settings; ${info.backend}/${info.isa}, 1 thread)`);
const results = evaluate({ short }, undefined, (r) => console.error(`  ${r.name}: ${r.pass ? 'pass' : 'FAIL'} (${r.seconds.toFixed(1)} s)`));
console.log(table(results));
const healthy = results.filter((r) => r.healthy);
const faults = results.filter((r) => !r.healthy);
console.log(`\nhealthy runs without a warning or error: ${healthy.filter((r) => r.pass).length}/${healthy.length}; faults caught within 5 steps naming the right layer: ${faults.filter((r) => r.pass).length}/${faults.length}`);
process.exitCode = results.every((r) => r.pass) ? 0 : 1;
