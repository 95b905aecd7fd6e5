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
  return ort.InferenceSession.create(file, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    ...(threads > 1 ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
  });
}
