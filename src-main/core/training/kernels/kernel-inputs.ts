/** Kernel inputs as Tensors, for kernels written with tfjs ops. */
import type { Tf } from '../../ml/runtime.js';

type Tensor = import('@tensorflow/tfjs').Tensor;
type TensorInfo = import('@tensorflow/tfjs').TensorInfo;
export type KernelConfig = Parameters<Tf['registerKernel']>[0];

export function asTensor(tf: Tf, info: TensorInfo): { t: Tensor; owned: boolean } {
  // Ops pass real Tensors as kernel inputs; wrap a bare TensorInfo just in case.
  if ((info as Partial<Tensor>).rank !== undefined) return { t: info as Tensor, owned: false };
  return { t: tf.engine().makeTensorFromTensorInfo(info), owned: true };
}
