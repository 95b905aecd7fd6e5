import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { threadId } from 'node:worker_threads';

/**
 * onnxruntime-node, loaded once per thread, or null where it cannot load (a platform its
 * package ships no library for, such as macOS x64): callers then fall back to TF.js.
 */
export type Ort = typeof import('onnxruntime-node');
export type OrtSession = import('onnxruntime-node').InferenceSession;

let ortModule: Promise<Ort | null> | undefined;

/** onnxruntime-node, or null where it cannot load. */
export function loadOrt(): Promise<Ort | null> {
  ortModule ??= import('onnxruntime-node').then(
    (m) => m as Ort,
    () => null,
  );
  return ortModule;
}

/**
 * A CPU session with `threads` intra-op threads (one by default: the scan runs one worker per
 * core); warnings about the model's unused initialisers are not printed. With more than one
 * thread, the threads sleep rather than spin between parallel sections: on a busy machine a
 * spinning thread holds a core the other one waits for. The candidate search of a 150,000-face
 * regroup (thousands of short Gemm runs) took 16.5-17.9 s with spinning and 8.8-10.0 s without
 * for 20,000 faces, at load 10, with the same neighbours.
 */
export async function createOrtSession(ort: Ort, file: string, threads = 1): Promise<OrtSession> {
  const options = (level: 'all' | 'disabled', optimizedModelFilePath?: string): import('onnxruntime-node').InferenceSession.SessionOptions => ({
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: level,
    logSeverityLevel: 3,
    ...(optimizedModelFilePath ? { optimizedModelFilePath } : {}),
    ...(threads > 1 ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
  });
  const cached = optimizedDir === null ? null : await optimizedFile(ort, file, optimizedDir).catch(() => null);
  if (cached === null) return ort.InferenceSession.create(file, options('all'));
  try {
    // Already optimised on this machine by this onnxruntime: loaded as it is.
    return await ort.InferenceSession.create(cached, options('disabled'));
  } catch {
    // Not there yet (or unreadable): optimised from the model, and saved for the next time.
  }
  const part = `${cached}.${process.pid}-${threadId}.part`;
  try {
    await mkdir(path.dirname(cached), { recursive: true });
    const session = await ort.InferenceSession.create(file, options('all', part));
    await rename(part, cached).catch(() => rm(part, { force: true }));
    await dropOtherVersions(cached);
    return session;
  } catch {
    await rm(part, { force: true }).catch(() => undefined);
    return ort.InferenceSession.create(file, options('all'));
  }
}

/**
 * Where createOrtSession keeps the models it optimised (null: nowhere, each session optimises
 * its model again). Creating a session optimises the model's graph (fused operators, the
 * convolutions' weights laid out for this CPU's vector width): for the five models of a scan's
 * worker that is about 600 ms of CPU and 140 MB of fresh memory, against about 330 ms and 75 MB
 * to load the graph saved after that optimisation, which gives the same outputs bit for bit.
 * Such a graph holds operators for this CPU's vector width only, so the file is named after
 * the CPU's instruction sets, the onnxruntime version and the model file's size and time.
 */
let optimizedDir: string | null = null;

export function keepOptimizedModelsIn(dir: string | null): void {
  optimizedDir = dir;
}

let cpuKey: string | undefined;

/** The CPU's model name and, where the system lists them (Linux), its instruction-set flags. */
function cpuSignature(): string {
  if (cpuKey === undefined) {
    let flags = '';
    try {
      flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '';
    } catch {
      // not Linux: the model name stands for the instruction sets
    }
    cpuKey = `${process.platform}|${process.arch}|${os.cpus()[0]?.model ?? ''}|${flags.trim()}`;
  }
  return cpuKey;
}

/** The same model's graphs optimised before (another model file, onnxruntime or CPU): not read again. */
async function dropOtherVersions(kept: string): Promise<void> {
  const dir = path.dirname(kept), name = path.basename(kept);
  const prefix = name.slice(0, name.lastIndexOf('-') + 1);
  const names = await readdir(dir).catch(() => [] as string[]);
  const sameModel = (n: string): boolean => n.startsWith(prefix) && /^[0-9a-f]{16}\.onnx$/.test(n.slice(prefix.length));
  await Promise.all(names.filter((n) => n !== name && sameModel(n)).map((n) => rm(path.join(dir, n), { force: true }).catch(() => undefined)));
}

async function optimizedFile(ort: Ort, file: string, dir: string): Promise<string> {
  const { size, mtimeMs } = await stat(file);
  const key = createHash('sha256')
    .update([path.resolve(file), size, mtimeMs, ort.env.versions.node ?? ort.env.versions.common, cpuSignature()].join('\n'))
    .digest('hex')
    .slice(0, 16);
  return path.join(dir, `${path.basename(file, '.onnx')}-${key}.onnx`);
}
