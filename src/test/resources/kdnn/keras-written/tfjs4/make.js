// Writes models with TensorFlow.js itself (tfjs 4, CPU backend): each as model.json and weights.bin, as
// tf.io saves them, with expected.json (its inputs and TF.js' outputs for them).
// Run from a folder where `npm install @tensorflow/tfjs@4` was run: NODE_PATH=that/node_modules node make.js
const tf = require('@tensorflow/tfjs');
const fs = require('fs');
const path = require('path');

let seed = 20261209;
function random(shape, scale = 1) {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    v[i] = ((seed / 4294967296) - 0.5) * 2 * scale;
  }
  return tf.tensor(v, shape);
}

async function save(name, model, inputs) {
  const dir = path.join(__dirname, name);
  fs.mkdirSync(dir, {recursive: true});
  // biases and statistics drawn too, so every weight counts
  model.setWeights(model.getWeights().map((w, i) => {
    const isVariance = w.shape.length === 1 && model.weights[i].name.includes('variance');
    return isVariance ? random(w.shape, 0.5).abs().add(0.5) : random(w.shape, 0.6);
  }));
  let outputs = model.predict(inputs);
  if (!Array.isArray(outputs)) outputs = [outputs];
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(artifacts.weightData));
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({
      modelTopology: artifacts.modelTopology, format: 'layers-model', generatedBy: artifacts.generatedBy,
      convertedBy: null, weightsManifest: [{paths: ['weights.bin'], weights: artifacts.weightSpecs}]}));
    return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
  }));
  const list = Array.isArray(inputs) ? inputs : [inputs];
  fs.writeFileSync(path.join(dir, 'expected.json'), JSON.stringify({
    tfjs_version: tf.version.tfjs,
    inputs: list.map(x => ({shape: x.shape, values: Array.from(x.dataSync())})),
    outputs: outputs.map(y => ({shape: y.shape, values: Array.from(y.dataSync())}))}));
}

async function main() {
  await tf.setBackend('cpu');
  // 1. a CNN: the convolution families, batch norm, pooling, a softmax head
  let x = tf.input({shape: [10, 10, 3], name: 'img'});
  let h = tf.layers.conv2d({filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv'}).apply(x);
  h = tf.layers.depthwiseConv2d({kernelSize: 3, strides: 2, depthMultiplier: 2, name: 'dw'}).apply(h);
  h = tf.layers.separableConv2d({filters: 5, kernelSize: 2, padding: 'same', activation: 'elu', name: 'sep'}).apply(h);
  h = tf.layers.batchNormalization({name: 'bn'}).apply(h);
  h = tf.layers.maxPooling2d({poolSize: 2, name: 'pool'}).apply(h);
  h = tf.layers.globalAveragePooling2d({name: 'gap'}).apply(h);
  h = tf.layers.dense({units: 3, activation: 'softmax', name: 'head'}).apply(h);
  await save('cnn', tf.model({inputs: x, outputs: h}), random([2, 10, 10, 3]));

  // 2. text: an Embedding's mask through a Bidirectional LSTM's sequences into a GRU, a head
  x = tf.input({shape: [6], name: 'ids'});
  h = tf.layers.embedding({inputDim: 12, outputDim: 4, maskZero: true, name: 'emb'}).apply(x);
  h = tf.layers.bidirectional({layer: tf.layers.lstm({units: 3, returnSequences: true}), name: 'bi'}).apply(h);
  h = tf.layers.gru({units: 2, name: 'gru'}).apply(h);
  h = tf.layers.dense({units: 2, name: 'out'}).apply(h);
  const ids = tf.tensor([[3, 5, 1, 7, 2, 4], [6, 2, 8, 0, 0, 0], [9, 0, 0, 0, 0, 0]], [3, 6]);
  await save('text_masked', tf.model({inputs: x, outputs: h}), ids);

  // 3. ConvLSTM2D, every step's state
  x = tf.input({shape: [3, 6, 6, 2], name: 'clip'});
  h = tf.layers.convLstm2d({filters: 2, kernelSize: 3, padding: 'same', returnSequences: true, name: 'clstm'}).apply(x);
  await save('convlstm2d', tf.model({inputs: x, outputs: h}), random([2, 3, 6, 6, 2]));

  // 4. branches: a dilated Conv1D, pooling and a dense projection per step, a concatenation, PReLU and LeakyReLU
  x = tf.input({shape: [8, 3], name: 'seq'});
  const a = tf.layers.conv1d({filters: 4, kernelSize: 3, padding: 'same', dilationRate: 2, name: 'dilated'}).apply(x);
  const b = tf.layers.dense({units: 2, name: 'proj'}).apply(
      tf.layers.averagePooling1d({poolSize: 3, strides: 1, padding: 'same', name: 'avg'}).apply(x));
  h = tf.layers.concatenate({name: 'cat'}).apply([a, b]);
  h = tf.layers.prelu({name: 'prelu'}).apply(h);
  h = tf.layers.leakyReLU({alpha: 0.2, name: 'leaky'}).apply(h);
  await save('branches', tf.model({inputs: x, outputs: h}), random([2, 8, 3]));

  // 5. a Sequential decoder: dense, reshape, transposed and plain convolutions, upsampling, padding, cropping, norms
  const seq = tf.sequential({name: 'decoder'});
  seq.add(tf.layers.dense({inputShape: [6], units: 32, activation: 'relu', name: 'fc'}));
  seq.add(tf.layers.reshape({targetShape: [4, 4, 2], name: 'shape'}));
  seq.add(tf.layers.conv2dTranspose({filters: 3, kernelSize: 3, strides: 2, padding: 'same', name: 'up1'}));
  seq.add(tf.layers.upSampling2d({size: [2, 2], name: 'up2'}));
  seq.add(tf.layers.zeroPadding2d({padding: [[1, 0], [0, 2]], name: 'pad'}));
  seq.add(tf.layers.cropping2D({cropping: [[2, 1], [1, 1]], name: 'crop'}));
  seq.add(tf.layers.conv2d({filters: 2, kernelSize: 3, activation: 'sigmoid', name: 'conv'}));
  seq.add(tf.layers.layerNormalization({name: 'ln'}));
  seq.add(tf.layers.averagePooling2d({poolSize: 2, name: 'avg'}));
  seq.add(tf.layers.flatten({name: 'flat'}));
  await save('sequential_decoder', seq, random([2, 6]));

  // 6. the RNN layer over cells: a stack (LSTM, GRU, SimpleRNN) backwards, and one LSTM cell
  x = tf.input({shape: [6, 3], name: 'seq'});
  const stack = tf.layers.rnn({cell: [tf.layers.lstmCell({units: 4}), tf.layers.gruCell({units: 3}),
    tf.layers.simpleRNNCell({units: 2})], returnSequences: true, goBackwards: true, name: 'stack'}).apply(x);
  const single = tf.layers.rnn({cell: tf.layers.lstmCell({units: 3, recurrentActivation: 'sigmoid'}),
    name: 'single'}).apply(x);
  await save('rnn_cells', tf.model({inputs: x, outputs: [stack, single]}), random([2, 6, 3]));
}
main();
