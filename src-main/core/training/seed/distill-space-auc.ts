/**
 * How well the distillation space ranks every pair of the given images: AUC of minus the
 * squared Euclidean distance, same person = positive. Measured on all pairs rather than a
 * sample of a few hundred: model selection on 600 sampled pairs moved by ±0.005 from epoch
 * to epoch, as much as a whole cosine cycle of training improves it.
 */
import { auc } from '../../ml/pair-metrics.js';

export function distillSpaceAuc(proj: Float32Array, dim: number, persons: readonly number[]): number {
  const n = persons.length;
  if (proj.length !== n * dim) throw new Error(`distillSpaceAuc: ${proj.length} values for ${n} images of ${dim} dimensions`);
  const pairs = (n * (n - 1)) / 2;
  const closeness = new Float64Array(pairs);
  const same = new Array<boolean>(pairs);
  let k = 0;
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++, k++) {
      let d2 = 0;
      for (let d = 0, pa = a * dim, pb = b * dim; d < dim; d++) d2 += (proj[pa + d]! - proj[pb + d]!) ** 2;
      closeness[k] = -d2;
      same[k] = persons[a] === persons[b];
    }
  }
  return auc(closeness, same);
}
