/** Interleaved 8-bit RGB pixels, row-major, as sharp's raw output gives them. */
export interface RgbImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export function assertRgbImage(img: RgbImage): void {
  if (img.data.length !== img.width * img.height * 3) {
    throw new Error(`RGB buffer of ${img.data.length} bytes does not match ${img.width}x${img.height}x3`);
  }
}
