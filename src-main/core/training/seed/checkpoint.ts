/**
 * The checkpoint of a seed training run: all weights, Adam's state, and the run's state
 * (run-state.ts: step, epoch, the sampler's random state, early stopping, history), written
 * atomically to `checkpoint.bin` and `checkpoint.json` in the work folder; the next run with
 * the same work folder resumes from it.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { Rng } from '../../ml/rng.js';
import type { Tf } from '../../ml/runtime.js';
import type { CheckpointState } from './run-state.js';
import type { TrainSeedOptions } from './train-options.js';

type LayersModel = import('@tensorflow/tfjs').LayersModel;
type Optimizer = import('@tensorflow/tfjs').AdamOptimizer;
type LayerVariable = LayersModel['weights'][number];

export async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await writeFile(`${file}.tmp`, data);
  await rename(`${file}.tmp`, file);
}

export interface CheckpointFiles {
  json: string;
  bin: string;
}

export function checkpointFiles(workDir: string): CheckpointFiles {
  return { json: path.join(workDir, 'checkpoint.json'), bin: path.join(workDir, 'checkpoint.bin') };
}

/** What a checkpoint is read into and written from. */
export interface CheckpointContext {
  tf: Tf;
  files: CheckpointFiles;
  optimizer: Optimizer;
  /** The model's weights, in the order the checkpoint holds them. */
  modelWeights: LayerVariable[];
}

/** The state of a run that starts afresh. */
export function newCheckpointState(o: TrainSeedOptions): CheckpointState {
  return {
    format: 'facepair-seed-checkpoint',
    version: 1,
    step: 0,
    epoch: 0,
    rng: o.seed,
    bestValLoss: Infinity,
    bestEpoch: -1,
    badEpochs: 0,
    trainSeconds: 0,
    history: [],
    config: {
      distill: o.distill,
      distillWeight: o.distillWeight,
      pairWeight: o.pairWeight,
      schedule: o.schedule,
      scheduleMinutes: Number.isFinite(o.scheduleMinutes) ? o.scheduleMinutes : undefined,
      warmupMinutes: o.warmupMinutes,
      maxShift: o.maxShift,
      embeddingLrScale: o.embeddingLrScale,
      ...(o.extraLabels !== undefined ? { extraShare: o.extraShare } : {}),
      batchPairs: o.batchPairs,
      learningRate: o.learningRate,
      stepsPerEpoch: o.stepsPerEpoch,
      ...(o.initFrom !== undefined ? { initFrom: o.initFrom } : {}),
    },
    tensors: [],
    savedAt: '',
  };
}

/**
 * The state of the checkpoint in the work folder, its weights and Adam's state written into
 * the model and the optimizer; null where there is none to resume from (or `fresh` says to
 * ignore it).
 */
export async function resumeFromCheckpoint(
  ctx: CheckpointContext,
  o: Pick<TrainSeedOptions, 'fresh' | 'distill' | 'log'>,
): Promise<CheckpointState | null> {
  const { tf, optimizer, modelWeights } = ctx;
  const { json: ckptJson, bin: ckptBin } = ctx.files;
  if (!o.fresh && existsSync(ckptJson) && existsSync(ckptBin)) {
    const state = JSON.parse(await readFile(ckptJson, 'utf8')) as CheckpointState;
    if (state.format !== 'facepair-seed-checkpoint' || state.version !== 1) throw new Error(`${ckptJson}: not a seed training checkpoint`);
    if (state.config.distill !== o.distill) throw new Error(`${ckptJson} was trained with distill=${state.config.distill}; pass the same setting or --fresh`);
    const bin = await readFile(ckptBin);
    const f32 = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
    const modelT = state.tensors.filter((t) => t.group === 'model');
    if (modelT.length !== modelWeights.length) throw new Error(`${ckptJson}: ${modelT.length} model tensors, the model has ${modelWeights.length}`);
    modelT.forEach((t, k) => {
      const w = modelWeights[k]!;
      if (w.shape.join(',') !== t.shape.join(',')) throw new Error(`${ckptJson}: ${t.name} has shape ${t.shape}, the model ${w.shape}`);
      w.write(tf.tensor(f32.subarray(t.offset, t.offset + t.length), t.shape));
    });
    const optT = state.tensors.filter((t) => t.group === 'optimizer');
    if (optT.length > 0) {
      await optimizer.setWeights(optT.map((t) => ({ name: t.name, tensor: tf.tensor(f32.slice(t.offset, t.offset + t.length), t.shape) })));
    }
    o.log(`resumed from ${ckptJson}: epoch ${state.epoch}, step ${state.step}, ${(state.trainSeconds / 60).toFixed(1)} min trained, best selection value ${state.bestValLoss.toFixed(4)} (epoch ${state.bestEpoch})`);
    return state;
  } else if (!o.fresh && existsSync(ckptJson)) {
    throw new Error(`${ckptJson} exists without its checkpoint.bin`);
  }
  return null;
}

/** Writes the model's weights, Adam's state and `state` (with the sampler's random state `rng`). */
export async function saveCheckpoint(ctx: CheckpointContext, state: CheckpointState, rng: Rng): Promise<void> {
  const { optimizer, modelWeights } = ctx;
  const opt = await optimizer.getWeights();
  const parts: Array<{ group: 'model' | 'optimizer'; name: string; shape: number[]; data: Float32Array }> = [
    ...modelWeights.map((w) => ({ group: 'model' as const, name: w.name, shape: w.shape as number[], data: w.read().dataSync() as Float32Array })),
    ...opt.map((n) => ({ group: 'optimizer' as const, name: n.name, shape: n.tensor.shape, data: n.tensor.dataSync() as Float32Array })),
  ];
  let offset = 0;
  state.tensors = parts.map((p) => {
    const t = { group: p.group, name: p.name, shape: p.shape, offset, length: p.data.length };
    offset += p.data.length;
    return t;
  });
  const all = new Float32Array(offset);
  parts.forEach((p, k) => all.set(p.data, state.tensors[k]!.offset));
  state.rng = rng.state;
  state.savedAt = new Date().toISOString();
  await writeAtomic(ctx.files.bin, new Uint8Array(all.buffer));
  await writeAtomic(ctx.files.json, JSON.stringify(state, null, 1));
}
