import { copyFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrtSession, keepOptimizedModelsIn, loadOrt, type Ort, type OrtSession } from '../../../src-main/core/ml/ort.js';
import { REPO_ROOT, tempDir } from '../../support/paths.js';

const MODEL = path.join(REPO_ROOT, 'models/blazeface/face_detection_back_256x256_barracuda.onnx');

async function outputs(ort: Ort, session: OrtSession): Promise<Float32Array[]> {
  const x = new Float32Array(256 * 256 * 3);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37) * 0.9;
  const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', x, [1, 256, 256, 3]) });
  return session.outputNames.map((n) => out[n]!.data as Float32Array);
}

describe('onnxruntime sessions from optimised models kept on disk', () => {
  const dirs: string[] = [];
  afterEach(() => {
    keepOptimizedModelsIn(null);
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('saves the optimised graph once, loads it next time, and gives the same outputs bit for bit', async () => {
    const ort = await loadOrt();
    if (ort === null) return; // no onnxruntime on this platform: sessions are never created
    const dir = tempDir('ort-opt');
    dirs.push(dir);
    const plain = await createOrtSession(ort, MODEL);
    const expected = await outputs(ort, plain);
    await plain.release();

    keepOptimizedModelsIn(path.join(dir, 'opt'));
    const first = await createOrtSession(ort, MODEL);
    const saved = readdirSync(path.join(dir, 'opt'));
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatch(/^face_detection_back_256x256_barracuda-[0-9a-f]{16}$/);
    // The graph, and its weights in a file of their own (mapped into memory when loaded).
    expect(readdirSync(path.join(dir, 'opt', saved[0]!)).sort()).toEqual(['model.onnx', 'model.onnx.data']);
    expect(await outputs(ort, first)).toEqual(expected);
    await first.release();
    const file = path.join(dir, 'opt', saved[0]!, 'model.onnx.data');
    const made = statSync(file);
    expect(made.size).toBeGreaterThan(100_000);

    const second = await createOrtSession(ort, MODEL);
    // Read, not written again.
    expect(readdirSync(path.join(dir, 'opt'))).toEqual(saved);
    expect(statSync(file).mtimeMs).toBe(made.mtimeMs);
    expect(statSync(file).ino).toBe(made.ino);
    expect(await outputs(ort, second)).toEqual(expected);
    await second.release();
  });

  it('optimises again, and drops the old one, when the model file changes; an unreadable or half-missing saved graph is replaced', async () => {
    const ort = await loadOrt();
    if (ort === null) return;
    const dir = tempDir('ort-opt');
    dirs.push(dir);
    const model = path.join(dir, 'model.onnx');
    copyFileSync(MODEL, model);
    keepOptimizedModelsIn(path.join(dir, 'opt'));
    const a = await createOrtSession(ort, model);
    const expected = await outputs(ort, a);
    await a.release();
    const [before] = readdirSync(path.join(dir, 'opt'));

    // Another model whose name begins like this one's: its optimised graph is not this one's to drop;
    // this model's graph saved in the older one-file layout is.
    const other = 'model-copy-0123456789abcdef.onnx';
    writeFileSync(path.join(dir, 'opt', other), 'another model');
    const older = 'model-fedcba9876543210.onnx';
    writeFileSync(path.join(dir, 'opt', older), 'this model, saved before in one file');
    utimesSync(model, new Date(), new Date(Date.now() + 60_000));
    const b = await createOrtSession(ort, model);
    const left = readdirSync(path.join(dir, 'opt'));
    expect(left).toHaveLength(2);
    expect(left).toContain(other);
    expect(left).not.toContain(before);
    const after = left.find((n) => n !== other);
    expect(await outputs(ort, b)).toEqual(expected);
    await b.release();

    writeFileSync(path.join(dir, 'opt', after!, 'model.onnx'), 'not a model');
    const c = await createOrtSession(ort, model);
    expect(await outputs(ort, c)).toEqual(expected);
    await c.release();
    expect(statSync(path.join(dir, 'opt', after!, 'model.onnx')).size).toBeGreaterThan(1_000);
    const d = await createOrtSession(ort, model);
    expect(await outputs(ort, d)).toEqual(expected);
    await d.release();

    rmSync(path.join(dir, 'opt', after!, 'model.onnx.data'));
    const e = await createOrtSession(ort, model);
    expect(await outputs(ort, e)).toEqual(expected);
    await e.release();
    expect(statSync(path.join(dir, 'opt', after!, 'model.onnx.data')).size).toBeGreaterThan(100_000);
    expect(readdirSync(path.join(dir, 'opt')).filter((n) => n.endsWith('.part'))).toEqual([]);
  });
});
