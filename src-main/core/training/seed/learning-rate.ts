/** The learning rate over training time: constant or cosine decay, after an optional warm-up. */
import type { TrainSeedOptions } from './train-options.js';

/** The learning rate after `minutes` of training (over all resumed runs). */
export function learningRateAt(
  o: Pick<TrainSeedOptions, 'learningRate' | 'schedule' | 'scheduleMinutes'> & { warmupMinutes?: number },
  minutes: number,
): number {
  const warm = o.warmupMinutes !== undefined && o.warmupMinutes > 0 ? Math.min(1, (minutes + 0.05) / o.warmupMinutes) : 1;
  if (o.schedule === 'constant') return o.learningRate * warm;
  const t = Math.min(1, Math.max(0, minutes / o.scheduleMinutes));
  return o.learningRate * warm * (0.02 + 0.98 * 0.5 * (1 + Math.cos(Math.PI * t)));
}
