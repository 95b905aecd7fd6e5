/**
 * Logistic regression over a handful of features (the fused head, the seed pair score):
 * standardised features, L2 penalty, Newton's method. Pure arithmetic.
 */

/** A fitted model: z = bias + sum_k weights[k] * (x[k] - mean[k]) / std[k], P = sigmoid(z). */
export interface LogisticFit {
  mean: number[];
  std: number[];
  weights: number[];
  bias: number;
}

/** log(p / (1 - p)) with p kept within [1e-6, 1 - 1e-6] (a float32 sigmoid saturates). */
export function probabilityLogit(prob: number): number {
  const p = prob < 1e-6 ? 1e-6 : prob > 1 - 1e-6 ? 1 - 1e-6 : prob;
  return Math.log(p / (1 - p));
}

/** P = sigmoid(z) of one row of raw features. */
export function logisticProbability(fit: LogisticFit, x: readonly number[]): number {
  let z = fit.bias;
  for (let k = 0; k < x.length; k++) z += fit.weights[k]! * ((x[k]! - fit.mean[k]!) / fit.std[k]!);
  return 1 / (1 + Math.exp(-z));
}

/** The fit's z with the standardisation folded into the weights: [bias, w_0, w_1, ...] on raw features. */
export function rawLinear(fit: LogisticFit): { bias: number; weights: number[] } {
  const weights = fit.weights.map((v, k) => v / fit.std[k]!);
  return { bias: fit.bias - weights.reduce((s, v, k) => s + v * fit.mean[k]!, 0), weights };
}

/** How a fit may be pulled towards an earlier model instead of towards zero. */
export interface LogisticPrior {
  /** The earlier model: its standardisation is kept and its weights and bias are the centre of the penalty. */
  fit: LogisticFit;
  /** Penalty strength in pseudo-rows: (strength / 2)·Σ(w − w_prior)², the bias included. */
  strength: number;
}

export interface LogisticOptions {
  /** Weight of each row (class balance, weak labels); 1 each by default. */
  rowWeights?: readonly number[];
  /** Regularise towards this model rather than towards zero (and keep its standardisation). */
  prior?: LogisticPrior;
}

/**
 * L2-regularised logistic regression by Newton's method (a handful of features).
 * X is n rows of `dims` features; returns standardisation, weights and bias.
 */
export function fitLogistic(X: readonly number[][], y: readonly boolean[], l2 = 1e-3, iterations = 50, options: LogisticOptions = {}): LogisticFit {
  const n = X.length;
  if (n === 0) throw new Error('no training pairs');
  const dims = X[0]!.length;
  const { prior, rowWeights } = options;
  if (prior && prior.fit.weights.length !== dims) throw new Error(`the prior has ${prior.fit.weights.length} features, the data ${dims}`);
  const mean = prior ? [...prior.fit.mean] : Array.from({ length: dims }, (_, k) => X.reduce((s, r) => s + r[k]!, 0) / n);
  const std = prior ? [...prior.fit.std] : Array.from({ length: dims }, (_, k) => Math.sqrt(X.reduce((s, r) => s + (r[k]! - mean[k]!) ** 2, 0) / n) || 1);
  const Z = X.map((r) => [...r.map((v, k) => (v - mean[k]!) / std[k]!), 1]);
  const m = dims + 1;
  const centre = prior ? [...prior.fit.weights, prior.fit.bias] : new Array<number>(m).fill(0);
  let w = [...centre];
  for (let it = 0; it < iterations; it++) {
    const g = new Array<number>(m).fill(0);
    const H = Array.from({ length: m }, () => new Array<number>(m).fill(0));
    for (let i = 0; i < n; i++) {
      const z = Z[i]!;
      const wi = rowWeights?.[i] ?? 1;
      let s = 0;
      for (let k = 0; k < m; k++) s += w[k]! * z[k]!;
      const p = 1 / (1 + Math.exp(-s));
      const r = wi * (p - (y[i] ? 1 : 0));
      const c = wi * Math.max(p * (1 - p), 1e-9);
      for (let a = 0; a < m; a++) {
        g[a]! += r * z[a]!;
        for (let b = 0; b < m; b++) H[a]![b]! += c * z[a]! * z[b]!;
      }
    }
    // Towards zero: the weights alone, scaled with n. Towards a prior: the bias too, a fixed strength.
    const penalised = prior ? m : dims;
    const lambda = prior ? prior.strength : l2 * n;
    for (let a = 0; a < penalised; a++) {
      g[a]! += lambda * (w[a]! - centre[a]!);
      H[a]![a]! += lambda;
    }
    const step = solve(H, g);
    w = w.map((v, k) => v - step[k]!);
    if (Math.max(...step.map(Math.abs)) < 1e-8) break;
  }
  return { mean, std, weights: w.slice(0, dims), bias: w[dims]! };
}

/** Gaussian elimination with partial pivoting. */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[piv]![c]!)) piv = r;
    [M[c], M[piv]] = [M[piv]!, M[c]!];
    const d = M[c]![c]! || 1e-12;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r]![c]! / d;
      for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  return M.map((row, i) => row[n]! / (row[i]! || 1e-12));
}

