/** onnxruntime-node, loaded once per thread; null where it cannot load (a platform it ships no library for). */
type Ort = typeof import('onnxruntime-node');

let ortModule: Promise<Ort | null> | undefined;

export function loadOrt(): Promise<Ort | null> {
  ortModule ??= import('onnxruntime-node').then(
    (m) => m as Ort,
    () => null,
  );
  return ortModule;
}
