/**
 * Gradient kernels for the tfjs wasm backend (4.22), for training the seed model.
 *
 * The only one missing for the seed model is `Conv2DBackpropFilter` (the gradient of a
 * 2-D convolution with respect to its filter): conv2d-backprop-filter.ts. `MaxPoolGrad`
 * is registered by the wasm backend but wrong (max-pool-grad.ts), and
 * `Conv2DBackpropInput` registered but slow (conv2d-backprop-input.ts): both are
 * replaced.
 *
 * Every other kernel a training step of the seed model runs (Step for the relu
 * gradient, FusedBatchNorm and the ops of its gradient, the dropout ops, Sigmoid,
 * ClipByValue/Select for the loss, the Adam update ops...) is registered by the
 * wasm backend itself; `missingWasmKernels` lets a test check the kernels a
 * profiled training step ran against the registry.
 */
import type { Tf } from '../../ml/runtime.js';
import { makeConv2DBackpropFilter } from './conv2d-backprop-filter.js';
import { makeConv2DBackpropInput } from './conv2d-backprop-input.js';
import type { KernelConfig } from './kernel-inputs.js';
import { makeMaxPoolGrad } from './max-pool-grad.js';

/** Kernel names this module provides for the wasm backend. */
export const WASM_GRAD_KERNELS = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad'] as const;

/**
 * Names in `kernelNames` (e.g. a `tf.profile` result's kernelNames) that are not
 * registered for the wasm backend. Custom-gradient op scopes, which tf.profile
 * lists as 'name__op', are not kernels and are skipped.
 */
export function missingWasmKernels(tf: Tf, kernelNames: Iterable<string>): string[] {
  const missing = new Set<string>();
  for (const name of kernelNames) {
    if (name.endsWith('__op')) continue;
    if (tf.getKernel(name, 'wasm') === undefined) missing.add(name);
  }
  return [...missing].sort();
}

const MARK = Symbol.for('facepair.seed.wasmGradKernel');

type MarkedKernelFunc = KernelConfig['kernelFunc'] & { [MARK]?: true };

function isOurs(tf: Tf, kernelName: string): boolean {
  const k = tf.getKernel(kernelName, 'wasm') as KernelConfig | undefined;
  return k !== undefined && (k.kernelFunc as MarkedKernelFunc)[MARK] === true;
}

function install(tf: Tf, kernelName: string, kernelFunc: KernelConfig['kernelFunc']): void {
  (kernelFunc as MarkedKernelFunc)[MARK] = true;
  // Replace (without registerKernel's "already registered" warning) a backend kernel.
  if (tf.getKernel(kernelName, 'wasm') !== undefined) tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
}

/**
 * Registers the gradient kernels for the wasm backend: `Conv2DBackpropFilter`
 * (missing from tfjs-backend-wasm 4.22), `Conv2DBackpropInput` (faster than the
 * backend's for strides up to 2x2, delegating to it otherwise) and `MaxPoolGrad`
 * (replaces the backend's, which is wrong for windows whose maximum is negative). Idempotent:
 * a kernel this module already installed is left alone. Returns the names it
 * (re)registered in this call. Works before or after the wasm backend is set.
 */
export function registerWasmGradKernels(tf: Tf): string[] {
  const added: string[] = [];
  if (!isOurs(tf, 'Conv2DBackpropFilter')) {
    install(tf, 'Conv2DBackpropFilter', makeConv2DBackpropFilter(tf));
    added.push('Conv2DBackpropFilter');
  }
  if (!isOurs(tf, 'Conv2DBackpropInput')) {
    const native = tf.getKernel('Conv2DBackpropInput', 'wasm') as KernelConfig | undefined;
    install(tf, 'Conv2DBackpropInput', makeConv2DBackpropInput(tf, native));
    added.push('Conv2DBackpropInput');
  }
  if (!isOurs(tf, 'MaxPoolGrad')) {
    install(tf, 'MaxPoolGrad', makeMaxPoolGrad(tf));
    added.push('MaxPoolGrad');
  }
  return added;
}
