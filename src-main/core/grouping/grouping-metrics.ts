export interface GroupingScores {
  items: number;
  pairwisePrecision: number;
  pairwiseRecall: number;
  pairwiseF1: number;
  bcubedPrecision: number;
  bcubedRecall: number;
  bcubedF: number;
}

function pairs(count: number): number {
  return (count * (count - 1)) / 2;
}

/**
 * Pairwise and BCubed precision/recall of a predicted grouping against the truth, over the
 * same items. Pairwise counts pairs of items put together; BCubed averages per item, so a
 * few huge groups do not dominate.
 */
export function scoreGrouping(predicted: ArrayLike<number | string>, truth: ArrayLike<number | string>): GroupingScores {
  const n = predicted.length;
  if (truth.length !== n) throw new Error('predicted and truth must label the same items');
  const cell = new Map<string, number>();
  const predSize = new Map<number | string, number>();
  const truthSize = new Map<number | string, number>();
  for (let i = 0; i < n; i++) {
    const p = predicted[i]!, t = truth[i]!;
    const key = `${p}\u0000${t}`;
    cell.set(key, (cell.get(key) ?? 0) + 1);
    predSize.set(p, (predSize.get(p) ?? 0) + 1);
    truthSize.set(t, (truthSize.get(t) ?? 0) + 1);
  }
  let tp = 0, predPairs = 0, truthPairs = 0;
  for (const c of cell.values()) tp += pairs(c);
  for (const c of predSize.values()) predPairs += pairs(c);
  for (const c of truthSize.values()) truthPairs += pairs(c);
  let bp = 0, br = 0;
  for (const [key, c] of cell) {
    const [p, t] = key.split('\u0000') as [string, string];
    const ps = predSize.get(typeof predicted[0] === 'number' ? Number(p) : p)!;
    const ts = truthSize.get(typeof truth[0] === 'number' ? Number(t) : t)!;
    // Each of the c items in this cell has c correct companions (itself included).
    bp += (c * c) / ps;
    br += (c * c) / ts;
  }
  const precision = predPairs === 0 ? 1 : tp / predPairs;
  const recall = truthPairs === 0 ? 1 : tp / truthPairs;
  const bcubedPrecision = n === 0 ? 1 : bp / n;
  const bcubedRecall = n === 0 ? 1 : br / n;
  const f = (a: number, b: number): number => (a + b === 0 ? 0 : (2 * a * b) / (a + b));
  return {
    items: n,
    pairwisePrecision: precision,
    pairwiseRecall: recall,
    pairwiseF1: f(precision, recall),
    bcubedPrecision,
    bcubedRecall,
    bcubedF: f(bcubedPrecision, bcubedRecall),
  };
}
