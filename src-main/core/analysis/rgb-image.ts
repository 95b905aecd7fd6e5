import type sharp from 'sharp';

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

const throwError = (message: string): never => {
  throw new Error(message);
};

/**
 * Ends a sharp pipeline in the pixels everything downstream reads: alpha dropped, sRGB, raw
 * 8-bit RGB. `fail` makes the error where the result is not 3 channels (the caller's error
 * type and context).
 */
export async function rawRgb(pipeline: sharp.Sharp, fail: (message: string) => never = throwError): Promise<RgbImage> {
  const { data, info } = await pipeline.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) fail(`unexpected ${info.channels} colour channels after conversion`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}
