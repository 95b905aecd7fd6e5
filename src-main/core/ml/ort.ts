import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
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
    extra: {
      session: {
        ...(threads > 1 ? { intra_op: { allow_spinning: '0' } } : {}),
        // The weights saved beside the graph, in a file onnxruntime maps into memory when it loads it.
        ...(optimizedModelFilePath ? { optimized_model_external_initializers_file_name: OPTIMIZED_DATA, optimized_model_external_initializers_min_size_in_bytes: '1024' } : {}),
      },
    },
  });
  const kept = optimizedDir === null ? null : await optimizedEntry(ort, file, optimizedDir).catch(() => null);
  if (kept === null) return ort.InferenceSession.create(file, options('all'));
  try {
    // Already optimised on this machine by this onnxruntime: loaded as it is.
    return await ort.InferenceSession.create(path.join(kept, OPTIMIZED_GRAPH), options('disabled'));
  } catch {
    // Not there yet, or unreadable (then removed): optimised from the model, and saved for the next time.
    if (existsSync(kept)) await rm(kept, { recursive: true, force: true }).catch(() => undefined);
  }
  // Written into a folder of its own, renamed whole: the graph and its weights appear together,
  // and a file in use (mapped by a session) is never written again, only removed.
  const part = `${kept}.${process.pid}-${threadId}.part`;
  try {
    await mkdir(part, { recursive: true });
    const session = await ort.InferenceSession.create(file, options('all', path.join(part, OPTIMIZED_GRAPH)));
    await rename(part, kept).catch(() => rm(part, { recursive: true, force: true }));
    await dropOtherVersions(kept);
    return session;
  } catch {
    await rm(part, { recursive: true, force: true }).catch(() => undefined);
    return ort.InferenceSession.create(file, options('all'));
  }
}

/** The optimised graph's file, and its weights' file (`optimized_model_external_initializers_file_name`), in each kept folder. */
const OPTIMIZED_GRAPH = 'model.onnx';
const OPTIMIZED_DATA = 'model.onnx.data';

/**
 * Where createOrtSession keeps the models it optimised (null: nowhere, each session optimises
 * its model again). Creating a session optimises the model's graph (fused operators, the
 * convolutions' weights laid out for this CPU's vector width): for the five models of a scan's
 * worker that is about 600 ms of CPU and 140 MB of fresh memory. The graph saved after that
 * optimisation gives the same outputs bit for bit; with its weights in a file of their own,
 * which onnxruntime maps into memory instead of reading them into fresh memory, loading it
 * takes 5-7 ms for the descriptor net (22 MB of weights) against about 200 ms for the same
 * graph saved in one file. Such a graph holds operators for this CPU's vector width only, so
 * its folder is named after the CPU's instruction sets, the onnxruntime version and the
 * model file's path, size and time.
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

/** The same model's graphs optimised before (another model file, onnxruntime or CPU, or the older one-file layout): not read again. */
async function dropOtherVersions(kept: string): Promise<void> {
  const dir = path.dirname(kept), name = path.basename(kept);
  const prefix = name.slice(0, name.lastIndexOf('-') + 1);
  const names = await readdir(dir).catch(() => [] as string[]);
  const sameModel = (n: string): boolean => n.startsWith(prefix) && /^[0-9a-f]{16}(\.onnx)?$/.test(n.slice(prefix.length));
  await Promise.all(names.filter((n) => n !== name && sameModel(n)).map((n) => rm(path.join(dir, n), { recursive: true, force: true }).catch(() => undefined)));
}

/** The folder that holds `file`'s optimised graph and weights. */
async function optimizedEntry(ort: Ort, file: string, dir: string): Promise<string> {
  const { size, mtimeMs } = await stat(file);
  const key = createHash('sha256')
    .update([path.resolve(file), size, mtimeMs, ort.env.versions.node ?? ort.env.versions.common, cpuSignature()].join('\n'))
    .digest('hex')
    .slice(0, 16);
  return path.join(dir, `${path.basename(file, '.onnx')}-${key}`);
}
