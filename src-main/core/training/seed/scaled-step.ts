import type { Tf } from '../../ml/runtime.js';

type Tensor = import('@tensorflow/tfjs').Tensor;
type Variable = import('@tensorflow/tfjs').Variable;
type Optimizer = import('@tensorflow/tfjs').Optimizer;

/**
 * One optimizer step in which the `slow` variables move `scale` times as far as the
 * optimizer would move them: a per-layer learning rate for an optimizer that has one rate.
 * The optimizer's state (Adam's moments) still sees the whole gradient, so this is exactly
 * Adam with a smaller learning rate for those variables. Call inside tf.tidy.
 */
export function applyGradientsScaled(tf: Tf, optimizer: Optimizer, grads: Record<string, Tensor>, slow: readonly Variable[], scale: number): void {
  const before = scale === 1 ? [] : slow.map((v) => v.clone());
  optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
  if (scale === 1) return;
  slow.forEach((v, k) => v.assign(tf.add(before[k]!, tf.mul(tf.sub(v, before[k]!), scale))));
}
