// A soak worker: loops over every case of async-cases.cjs through the *Async form until the deadline,
// comparing each result with the sync form's (computed once at the start) bit for bit. Posts
// { calls, mismatches: [{ name, first }] } or { error }.
const { parentPort, workerData } = require('node:worker_threads');
const gg = require(workerData.distEntry);
const { cases, syncForm, asyncForm } = require('./async-cases.cjs');

(async () => {
  const names = Object.keys(cases);
  const expected = {};
  for (const n of names) expected[n] = JSON.stringify(await cases[n](gg, syncForm));
  let calls = 0;
  const mismatches = [];
  // Several calls in flight at once per worker, so the addon's async queue holds work from every worker.
  while (Date.now() < workerData.deadline) {
    const batch = names.map(async (n) => {
      const got = JSON.stringify(await cases[n](gg, asyncForm));
      calls++;
      if (got !== expected[n] && mismatches.length < 10) mismatches.push({ name: n, first: got.slice(0, 200) });
    });
    await Promise.all(batch);
  }
  parentPort.postMessage({ calls, mismatches });
})().catch((e) => parentPort.postMessage({ error: String(e && e.stack ? e.stack : e) }));
