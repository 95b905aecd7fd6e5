/**
 * A leaner gradient for tfjs's FusedBatchNorm (4.22), for training the seed model.
 *
 * tfjs's own gradient tiles 1/sqrt(variance) to the full input shape and computes
 * dy * scale and (x - mean) * dy twice over, about a dozen full-size ops per batch-norm
 * layer; on wasm its Tile alone was ~11% of a training step. The same derivatives need
 * five: with r = 1/sqrt(variance + eps), per channel,
 *   dx = dy * (scale * r)            (broadcast, no tile)
 *   dmean = -scale * r * S1,  doffset = S1,                S1 = sum(dy)
 *   dvariance = -0.5 * scale * r^3 * S2,  dscale = r * S2,  S2 = sum(dy * (x - mean))
 * S1 and S2 are computed once for all five.
 * The maths is tfjs's; a test checks both gradients agree.
 */
import type { Tf } from '../../ml/runtime.js';

type Tensor = import('@tensorflow/tfjs').Tensor;
type GradConfig = Parameters<Tf['registerGradient']>[0];

const MARK = Symbol.for('facepair.seed.batchNormGrad');

function fusedBatchNormGrad(tf: Tf): GradConfig['gradFunc'] {
  return (dy, saved, attrs) => {
    const dyT = dy as Tensor;
    const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
    const [x, mean, variance, scale] = saved as [Tensor, Tensor, Tensor, Tensor | undefined];
    const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
    const reduce = (t: Tensor): Tensor => tf.reshape(axes.length > 0 ? tf.sum(t, axes) : t, mean.shape);
    const r = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
    const scaleR = scale == null ? r : tf.mul(scale, r);
    // Computed here, not inside the derivative closures: the engine runs each closure in a
    // tidy of its own, which would dispose a result shared between two of them.
    const s1 = reduce(dyT);
    const s2 = reduce(tf.mul(dyT, tf.sub(x, mean)));
    return {
      x: () => tf.mul(dyT, scaleR),
      mean: () => tf.neg(tf.mul(scaleR, s1)),
      variance: () => tf.mul(tf.mul(tf.mul(scaleR, tf.square(r)), tf.scalar(-0.5)), s2),
      scale: () => tf.mul(r, s2),
      offset: () => tf.clone(s1),
    };
  };
}

/** Replaces tfjs's FusedBatchNorm gradient with the leaner one (for every backend). Idempotent. */
export function registerBatchNormGradient(tf: Tf): boolean {
  const current = tf.getGradient('FusedBatchNorm') as (GradConfig & { [MARK]?: true }) | undefined;
  if (current?.[MARK] === true) return false;
  const config = { kernelName: 'FusedBatchNorm', inputsToSave: ['x', 'mean', 'variance', 'scale'], gradFunc: fusedBatchNormGrad(tf) } as GradConfig & {
    [MARK]?: true;
  };
  config[MARK] = true;
  tf.registerGradient(config);
  return true;
}
