import { parentPort } from 'node:worker_threads';
import { loadMlRuntime } from '../../ml/runtime.js';
import { registerBatchNormGradient } from '../kernels/batchnorm-grad.js';
import { buildDistillHead, buildExtractor, buildPairHead } from '../../embedding/seed/seed-architecture.js';
import { registerWasmGradKernels } from '../kernels/wasm-grad-kernels.js';
import type { GradReply, GradRequest } from './grad-protocol.js';
import { seedShardLoss, trainableVariables, type LossSettings, type SeedLossModels } from './seed-loss.js';

// A second tfjs backend on its own thread (wasm runs one thread in Node): it computes the
// gradients of its shard of each batch with the weights the main thread sends.
const port = parentPort;
if (!port) throw new Error('grad.worker must run in a worker thread');

let ready: Promise<{ tf: Awaited<ReturnType<typeof loadMlRuntime>>['tf']; models: SeedLossModels; settings: LossSettings }> | undefined;

port.on('message', (msg: GradRequest) => {
  if (msg.kind === 'init') {
    ready = (async () => {
      const { tf, backend } = await loadMlRuntime();
      if (backend === 'wasm') registerWasmGradKernels(tf);
      registerBatchNormGradient(tf);
      const models = { extractor: buildExtractor(tf), head: buildPairHead(tf), distill: buildDistillHead(tf) };
      port.postMessage({ kind: 'ready', backend } satisfies GradReply);
      return { tf, models, settings: msg.settings };
    })();
    return;
  }
  void (async () => {
    try {
      if (!ready) throw new Error('grad.worker: grads before init');
      const { tf, models, settings } = await ready;
      const vars = trainableVariables(models, settings);
      if (msg.weights.length !== vars.length) throw new Error(`grad.worker: ${msg.weights.length} weights for ${vars.length} variables`);
      tf.tidy(() => vars.forEach((v, k) => v.assign(tf.tensor(msg.weights[k]!, v.shape))));
      let probs: Float32Array = new Float32Array(0);
      const { value, grads } = tf.variableGrads(() => {
        const r = seedShardLoss(tf, models, settings, msg.shard);
        probs = r.probs;
        return r.loss;
      }, vars);
      const out = vars.map((v) => grads[v.name]!.dataSync() as Float32Array);
      const loss = value.dataSync()[0]!;
      value.dispose();
      Object.values(grads).forEach((g) => g.dispose());
      port.postMessage({ kind: 'grads', id: msg.id, grads: out, loss, probs } satisfies GradReply, out.map((g) => g.buffer as ArrayBuffer));
    } catch (err) {
      port.postMessage({ kind: 'error', id: msg.id, message: (err as Error).message } satisfies GradReply);
    }
  })();
});
