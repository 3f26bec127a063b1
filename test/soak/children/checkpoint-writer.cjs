// Saves checkpoints of one model to argv[2] in a loop until killed: before save k every parameter
// holds the value k and the Adam state is that of k steps, and meta says k, so a reader can tell a
// whole checkpoint from a mixed or torn one. Prints "ready" once the first save is on disk.
const gg = require(process.argv[3]);

const path = process.argv[2];
const model = new gg.nn.Sequential(new gg.nn.Linear(512, 1024, { seed: 1 }), new gg.nn.Linear(1024, 64, { seed: 2 }));
const store = model.paramStore();
const opt = new gg.Adam(store, { lr: 1e-3 });
for (let k = 1; ; k++) {
  store.grads.base.fill(1);
  opt.step();
  for (const p of model.parameters()) p.data.fill(k);
  gg.nn.saveCheckpoint(path, model, opt, { meta: { k } });
  if (k === 1) process.stdout.write('ready\n');
}
