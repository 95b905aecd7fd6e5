/**
 * Saves and loads a seed model folder: each part in the TensorFlow.js layers format
 * (model.json + weights .bin) through a small fs-backed IOHandler
 * (tf.loadLayersModel('file://...') needs tfjs-node), and seed.json beside them.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { loadMlRuntime, type Tf } from '../../ml/runtime.js';
import { MAX_SHIFT_AVERAGE } from './embedding-views.js';
import { buildSiamese, SEED_EMBEDDING_DIM, SEED_INPUT_SIZE } from './seed-architecture.js';
import { SEED_MANIFEST, type SeedManifest } from './seed-manifest.js';
import type { SeedModel } from './seed-model.js';
import { parseSeedPairScore } from './seed-pair-score.js';

type IOHandler = import('@tensorflow/tfjs').io.IOHandler;
type ModelArtifacts = import('@tensorflow/tfjs').io.ModelArtifacts;
type ModelJSON = import('@tensorflow/tfjs').io.ModelJSON;
type WeightsManifestConfig = import('@tensorflow/tfjs').io.WeightsManifestConfig;
type WeightsManifestEntry = import('@tensorflow/tfjs').io.WeightsManifestEntry;
type SaveResult = import('@tensorflow/tfjs').io.SaveResult;

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

function toArrayBuffer(buf: Buffer): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

/** An IOHandler that saves/loads a layers model to/from `dir` with node:fs. */
export function fileSystemHandler(tf: Tf, dir: string): IOHandler {
  return {
    async save(artifacts: ModelArtifacts): Promise<SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error('fileSystemHandler: binary model topologies are not supported');
      }
      await mkdir(dir, { recursive: true });
      const weightSpecs = artifacts.weightSpecs ?? [];
      const weights =
        artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const manifest: WeightsManifestConfig = [{ paths: [`./${WEIGHTS_BIN}`], weights: weightSpecs }];
      const modelJson: ModelJSON = {
        modelTopology: artifacts.modelTopology as ModelJSON['modelTopology'],
        weightsManifest: manifest,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: artifacts.convertedBy ?? null,
      };
      if (artifacts.trainingConfig !== undefined) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata !== undefined) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      await writeFile(path.join(dir, WEIGHTS_BIN), new Uint8Array(weights));
      await writeFile(path.join(dir, MODEL_JSON), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON({ ...artifacts, weightData: weights }) };
    },
    async load(): Promise<ModelArtifacts> {
      const modelJson = JSON.parse(await readFile(path.join(dir, MODEL_JSON), 'utf8')) as ModelJSON;
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest: WeightsManifestConfig) => {
        const specs: WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const file = path.resolve(dir, p);
            if (path.relative(dir, file).startsWith('..')) throw new Error(`weight path escapes the model folder: ${p}`);
            buffers.push(toArrayBuffer(await readFile(file)));
          }
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}

/**
 * Saves the model to `dir`: `dir/extractor/{model.json,weights.bin}`,
 * `dir/head/{model.json,weights.bin}` and `dir/seed.json`. (The Siamese wrapper has
 * no weights of its own; loadSeedModel rebuilds it around the two parts.)
 */
export async function saveSeedModel(
  dir: string,
  model: Pick<SeedModel, 'extractor' | 'head' | 'distill' | 'flipAverage' | 'shiftAverage' | 'pairScore'>,
  tf?: Tf,
): Promise<void> {
  const t = tf ?? (await loadMlRuntime()).tf;
  await model.extractor.save(fileSystemHandler(t, path.join(dir, 'extractor')));
  await model.head.save(fileSystemHandler(t, path.join(dir, 'head')));
  if (model.distill !== undefined) await model.distill.save(fileSystemHandler(t, path.join(dir, 'distill')));
  const inputSize = model.extractor.inputs[0]!.shape[1] ?? SEED_INPUT_SIZE;
  const embeddingDim = model.head.inputs[0]!.shape[1] ?? SEED_EMBEDDING_DIM;
  const manifest: SeedManifest = {
    format: 'facepair-seed',
    version: 1,
    inputSize,
    embeddingDim,
    extractor: 'extractor',
    head: 'head',
    ...(model.distill !== undefined ? { distill: 'distill' } : {}),
    ...(model.flipAverage === true ? { flipAverage: true } : {}),
    ...(model.shiftAverage !== undefined && model.shiftAverage > 0 ? { shiftAverage: model.shiftAverage } : {}),
    ...(model.pairScore !== undefined ? { pairScore: model.pairScore } : {}),
  };
  await writeFile(path.join(dir, SEED_MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
}

/** Loads a model saved by saveSeedModel. */
export async function loadSeedModel(dir: string, tf?: Tf): Promise<SeedModel> {
  const t = tf ?? (await loadMlRuntime()).tf;
  const manifest = JSON.parse(await readFile(path.join(dir, SEED_MANIFEST), 'utf8')) as SeedManifest;
  if (manifest.format !== 'facepair-seed' || manifest.version !== 1) {
    throw new Error(`${dir}: not a FacePair seed model (format ${manifest.format} v${manifest.version})`);
  }
  for (const part of [manifest.extractor, manifest.head, ...(manifest.distill !== undefined ? [manifest.distill] : [])]) {
    if (typeof part !== 'string' || !/^[\w.-]+$/.test(part) || part === '.' || part === '..') {
      throw new Error(`${dir}/${SEED_MANIFEST}: bad model folder name ${JSON.stringify(part)}`);
    }
  }
  const extractor = await t.loadLayersModel(fileSystemHandler(t, path.join(dir, manifest.extractor)));
  const head = await t.loadLayersModel(fileSystemHandler(t, path.join(dir, manifest.head)));
  if (manifest.flipAverage !== undefined && typeof manifest.flipAverage !== 'boolean') {
    throw new Error(`${dir}/${SEED_MANIFEST}: flipAverage must be true or false`);
  }
  const shift = manifest.shiftAverage;
  if (shift !== undefined && !(Number.isInteger(shift) && shift >= 1 && shift <= MAX_SHIFT_AVERAGE)) {
    throw new Error(`${dir}/${SEED_MANIFEST}: shiftAverage must be a whole number of pixels from 1 to ${MAX_SHIFT_AVERAGE}`);
  }
  const pairScore = manifest.pairScore !== undefined ? parseSeedPairScore(manifest.pairScore, `${dir}/${SEED_MANIFEST}`) : undefined;
  const distill = manifest.distill !== undefined ? await t.loadLayersModel(fileSystemHandler(t, path.join(dir, manifest.distill))) : undefined;
  return {
    extractor,
    head,
    siamese: buildSiamese(t, extractor, head),
    ...(distill !== undefined ? { distill } : {}),
    ...(manifest.flipAverage === true ? { flipAverage: true } : {}),
    ...(shift !== undefined ? { shiftAverage: shift } : {}),
    ...(pairScore !== undefined ? { pairScore } : {}),
  };
}
