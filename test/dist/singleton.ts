// Plain `node --import tsx test/dist/singleton.ts`, no mpirun: MPI starts as a group of one and
// the whole dist API works on it.
import { createParamStore, dist, SGD } from '../../lib/index.js';
import { check } from './check.js';

const { rank, size } = dist.init();
check(rank === 0 && size === 1, `rank ${rank} size ${size}`);
const store = createParamStore([[4]]);
store.params.base.fill(1);
store.grads.base.fill(3);
const dp = new dist.DataParallel(new SGD(store, { lr: 0.5 }), store, { maxNorm: 1 });
const r = dp.step();
check(Math.abs(r.totalNorm - 6) < 1e-9 && !r.skipped, `norm ${r.totalNorm}`);
check(Math.abs(store.params.views[0][0] - (1 - 0.5 * 3 / 6)) < 1e-6, `param ${store.params.views[0][0]}`);
console.log(`SINGLETON OK size ${size} ${dist.libraryVersion()} thread level ${dist.threadLevel()}`);
