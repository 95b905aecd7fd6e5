/** Euclidean distance between a[aOffset .. aOffset + dims) and b[bOffset .. bOffset + dims). */
export function euclidean(a: Float32Array, aOffset: number, b: Float32Array, bOffset: number, dims: number): number {
  let s = 0;
  for (let k = 0; k < dims; k++) {
    const d = a[aOffset + k]! - b[bOffset + k]!;
    s += d * d;
  }
  return Math.sqrt(s);
}

/** Euclidean distance between rows i and j of a row-major matrix of `dims` columns. */
export function euclideanRows(rows: Float32Array, i: number, j: number, dims: number): number {
  return euclidean(rows, i * dims, rows, j * dims, dims);
}
