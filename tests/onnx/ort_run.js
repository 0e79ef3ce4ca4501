// ort_run.js -- run an ONNX file in onnxruntime (Node binding), for the
// ONNX tests and the latency figures of docs/onnx.md.
//   node ort_run.js MODULE_DIR MODEL IN.json OUT.json
//     IN.json {"d": d, "rows": [[...], ...]}; OUT.json gets the outputs of
//     one batch of all rows ("batch") and of each row alone ("single"):
//     {"batch": {"probabilities": [...], "label": [...]}, "single": [...]}
//   node ort_run.js MODULE_DIR MODEL IN.json --time REPS [EMPTY_MODEL]
//     prints the median microseconds of one batch-1 call over REPS calls,
//     and of the same call on EMPTY_MODEL (an Identity graph) when given.
'use strict';
const path = require('path');
const fs = require('fs');
const ort = require(path.resolve(process.argv[2], 'node_modules', 'onnxruntime-node'));

function flat(out) {
  const r = {};
  for (const k of Object.keys(out))
    r[k] = Array.from(out[k].data, (v) => (typeof v === 'bigint' ? Number(v) : v));
  return r;
}

async function main() {
  const [, , , modelPath, inPath, mode, reps, emptyPath] = process.argv;
  const inp = JSON.parse(fs.readFileSync(inPath, 'utf8'));
  const d = inp.d, rows = inp.rows;
  const opts = { intraOpNumThreads: 1, interOpNumThreads: 1 };
  const sess = await ort.InferenceSession.create(modelPath, opts);
  const name = sess.inputNames[0];
  const tensor = (rs) => new ort.Tensor('float32', Float32Array.from(rs.flat()), [rs.length, d]);
  if (mode === '--time') {
    const n = parseInt(reps, 10);
    const time = async (s) => {
      const x = tensor([rows[0]]), t = [];
      for (let i = 0; i < 200; i++) await s.run({ [s.inputNames[0]]: x });
      for (let i = 0; i < n; i++) {
        const t0 = process.hrtime.bigint();
        await s.run({ [s.inputNames[0]]: x });
        t.push(Number(process.hrtime.bigint() - t0) / 1000);
      }
      t.sort((a, b) => a - b);
      return t[Math.floor(n / 2)];
    };
    const model = await time(sess);
    let line = `onnxruntime ${model.toFixed(2)} us`;
    if (emptyPath) {
      const empty = await ort.InferenceSession.create(emptyPath, opts);
      line += ` identity ${(await time(empty)).toFixed(2)} us`;
    }
    console.log(line);
    return;
  }
  const out = { batch: flat(await sess.run({ [name]: tensor(rows) })), single: [] };
  for (const r of rows) out.single.push(flat(await sess.run({ [name]: tensor([r]) })));
  fs.writeFileSync(mode, JSON.stringify(out));
}
main().catch((e) => { console.error(e.message || e); process.exit(1); });
