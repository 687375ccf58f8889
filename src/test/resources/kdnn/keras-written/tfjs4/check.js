// Reads with TensorFlow.js 4 the TF.js folders kdnn wrote of make.js' models (/tmp/kd_NAME, e.g. by
// kdnn.io.Models.save(Models.load(NAME/model.json), /tmp/kd_NAME)) and prints the largest difference from
// TF.js' own outputs in NAME/expected.json. Run with NODE_PATH pointing at a node_modules holding @tensorflow/tfjs@4.
const tf = require('@tensorflow/tfjs'); const fs = require('fs');
async function check(name) {
  const j = JSON.parse(fs.readFileSync(`/tmp/kd_${name}/model.json`));
  const w = fs.readFileSync(`/tmp/kd_${name}/weights.bin`);
  const m = await tf.loadLayersModel(tf.io.fromMemory({modelTopology: j.modelTopology, weightSpecs: j.weightsManifest[0].weights,
      weightData: w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength)}));
  const e = JSON.parse(fs.readFileSync(`${__dirname}/${name}/expected.json`));
  const ins = e.inputs.map(x => tf.tensor(x.values, x.shape));
  let out = m.predict(ins.length === 1 ? ins[0] : ins); if (!Array.isArray(out)) out = [out];
  let max = 0; const got = out[0].dataSync(); e.outputs[0].values.forEach((v, i) => max = Math.max(max, Math.abs(v - got[i])));
  console.log(name, 'TF.js reading kdnn\'s file: max abs diff', max);
}
(async () => { await tf.setBackend('cpu'); for (const n of ['convlstm2d', 'text_masked', 'cnn', 'branches', 'sequential_decoder']) await check(n); })();
