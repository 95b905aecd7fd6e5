// Pure: how the user's own answers read the shipped head's P(same) of the review's questions.

/** Answers of each kind needed before they recalibrate anything. */
export const CALIBRATION_MIN_EACH = 5;
/** How hard the calibration is held to the head as shipped (slope 1, offset 0), in pseudo-answers. */
export const CALIBRATION_PRIOR = 10;
/** The newest review answers read. */
export const CALIBRATION_ANSWERS = 1000;

const logit = (p: number): number => {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
};

/**
 * A Platt recalibration of P(same) on the answered questions: P' = σ(a·logit(P) + b), fitted to
 * the answers and to CALIBRATION_PRIOR pseudo-answers that say what the head as shipped says
 * (soft labels P at the answered pairs), so that a few answers move it a little; a never below
 * 0 (a head whose ranking the answers contradict is read as saying nothing, never the
 * reverse). The shipped head is overconfident on the pairs a review asks about (the ones the
 * grouping found hard): most get 0.9–0.99, and the user's answers show which of those are
 * likely. With fewer than CALIBRATION_MIN_EACH answers of either kind, P is left as it is.
 */
export function calibrateSame(answers: ReadonlyArray<{ p: number; same: boolean }>): (p: number) => number {
  const same = answers.filter((x) => x.same).length;
  if (same < CALIBRATION_MIN_EACH || answers.length - same < CALIBRATION_MIN_EACH) return (p) => p;
  // Each answer twice: as answered (weight 1), and as the head says (weight PRIOR / n, label P).
  const z = answers.map((x) => logit(x.p));
  const soft = CALIBRATION_PRIOR / answers.length;
  const rows = answers.flatMap((x, k) => [
    { z: z[k]!, y: x.same ? 1 : 0, w: 1 },
    { z: z[k]!, y: Math.min(1, Math.max(0, x.p)), w: soft },
  ]);
  const loss = (a: number, b: number): number =>
    rows.reduce((s, r) => {
      const t = a * r.z + b;
      // -[y log σ(t) + (1 - y) log(1 - σ(t))], stably.
      return s + r.w * (Math.max(t, 0) - r.y * t + Math.log1p(Math.exp(-Math.abs(t))));
    }, 0);
  let a = 1, b = 0, current = loss(a, b);
  for (let it = 0; it < 100; it++) {
    let ga = 0, gb = 0, haa = 1e-6, hab = 0, hbb = 1e-6;
    for (const r of rows) {
      const q = 1 / (1 + Math.exp(-(a * r.z + b)));
      const c = r.w * Math.max(q * (1 - q), 1e-12);
      ga += r.w * (q - r.y) * r.z;
      gb += r.w * (q - r.y);
      haa += c * r.z * r.z;
      hab += c * r.z;
      hbb += c;
    }
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    const da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
    // Newton's step, halved until the loss falls.
    let step = 1, next = loss(a - da, b - db);
    while (next > current && step > 1e-6) {
      step /= 2;
      next = loss(a - step * da, b - step * db);
    }
    if (!(next <= current)) break;
    a -= step * da;
    b -= step * db;
    const gain = current - next;
    current = next;
    if (gain < 1e-10) break;
  }
  const slope = Math.max(0, a), offset = slope === a ? b : logit(same / answers.length);
  return (p) => 1 / (1 + Math.exp(-(slope * logit(p) + offset)));
}
