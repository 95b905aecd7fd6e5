import type { LossSettings, Shard } from './seed-loss.js';

/** Main thread -> gradient worker. */
export type GradRequest =
  | { kind: 'init'; settings: LossSettings }
  | { kind: 'grads'; id: number; weights: Float32Array[]; shard: Shard };

/** Gradient worker -> main thread. */
export type GradReply =
  | { kind: 'ready'; backend: string }
  | { kind: 'grads'; id: number; grads: Float32Array[]; loss: number; probs: Float32Array }
  | { kind: 'error'; id: number; message: string };
