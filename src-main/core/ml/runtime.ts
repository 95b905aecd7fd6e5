import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

export type Tf = typeof import('@tensorflow/tfjs');
export type FaceApi = typeof import('@vladmandic/face-api');
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface MlRuntime {
  readonly tf: Tf;
  readonly faceapi: FaceApi;
  /** The tfjs backend that actually runs: tfjs-node where it installed, else wasm, else pure-JS cpu. */
  readonly backend: BackendName;
}

let loading: Promise<MlRuntime> | undefined;

function requestedBackend(): BackendName | undefined {
  const wanted = process.env.FACEPAIR_BACKEND;
  if (wanted === undefined || wanted === '') return undefined;
  if (wanted === 'tensorflow' || wanted === 'wasm' || wanted === 'cpu') return wanted;
  throw new Error(`FACEPAIR_BACKEND must be one of tensorflow, wasm, cpu (got "${wanted}")`);
}

function tryLoadNative(): MlRuntime | undefined {
  try {
    const tf = require('@tensorflow/tfjs-node') as Tf;
    const faceapi = require('@vladmandic/face-api/dist/face-api.node.js') as FaceApi;
    return { tf, faceapi, backend: 'tensorflow' };
  } catch {
    return undefined;
  }
}

async function loadPortable(preferCpu: boolean): Promise<MlRuntime> {
  const tf = require('@tensorflow/tfjs') as Tf;
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  // face-api's node-wasm build shares this tfjs instance (it requires the same packages).
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
  if (!preferCpu) {
    // The .wasm files come from node_modules, never from a CDN.
    const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    wasm.setWasmPaths(wasmDir + path.sep);
    try {
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return { tf, faceapi, backend: 'wasm' };
      }
    } catch {
      // fall through to cpu
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { tf, faceapi, backend: 'cpu' };
}

/** Loads tfjs once per thread, choosing the fastest backend that works here. */
export function loadMlRuntime(): Promise<MlRuntime> {
  loading ??= (async () => {
    const wanted = requestedBackend();
    if (wanted === undefined || wanted === 'tensorflow') {
      const native = tryLoadNative();
      if (native) return native;
      if (wanted === 'tensorflow') throw new Error('@tensorflow/tfjs-node is not installed or failed to load');
    }
    return loadPortable(wanted === 'cpu');
  })();
  return loading;
}
