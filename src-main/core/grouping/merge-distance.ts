// Pure: what average-linkage grouping measures between two groups of faces.

/** Running sums of a group's descriptors: enough for exact average linkage in O(dims). */
export interface DescriptorSums {
  size: number;
  sum: Float64Array;
  sumSq: number;
}

/** When average-linkage grouping merges two groups: when their `mergeDistance` is at most `linkage`. */
export interface MergeRule {
  /**
   * Two groups merge when the root mean square distance over all pairs of their faces is at
   * most this (average linkage on squared distances, exact, from running sums).
   */
  linkage: number;
  /**
   * Subtracted from `linkage`, divided by sqrt(|A|·|B|): two single faces must be this much
   * closer than two large groups, whose mean over many pairs is a surer estimate.
   */
  smallGroupMargin: number;
}

/** Root mean square distance over all cross pairs of two groups: mean|a|² + mean|b|² − 2 μa·μb. */
export function rmsDistance(a: DescriptorSums, b: DescriptorSums): number {
  let dot = 0;
  for (let d = 0; d < a.sum.length; d++) dot += a.sum[d]! * b.sum[d]!;
  const ms = a.sumSq / a.size + b.sumSq / b.size - (2 * dot) / (a.size * b.size);
  return Math.sqrt(Math.max(0, ms));
}

/** The distance grouping compares with `linkage` to merge two groups (the margin added, rather than subtracted from the threshold). */
export function mergeDistance(a: DescriptorSums, b: DescriptorSums, smallGroupMargin: number): number {
  return rmsDistance(a, b) + smallGroupMargin / Math.sqrt(a.size * b.size);
}

/** The sums of each group's rows of a row-major n × dims matrix (rows in no group left out). */
export function sumsByGroup(vectors: Float32Array, dims: number, groupOf: ReadonlyArray<number | null>): Map<number, DescriptorSums> {
  const out = new Map<number, DescriptorSums>();
  groupOf.forEach((group, i) => {
    if (group === null) return;
    let s = out.get(group);
    if (!s) {
      s = { size: 0, sum: new Float64Array(dims), sumSq: 0 };
      out.set(group, s);
    }
    s.size++;
    for (let d = 0; d < dims; d++) {
      const v = vectors[i * dims + d]!;
      s.sum[d] = s.sum[d]! + v;
      s.sumSq += v * v;
    }
  });
  return out;
}
