/**
 * The aligned face as every model stage reads it (scan, training, evaluation): a face crop
 * file (or an LFW image, already framed like one) decoded to 250x250 RGB, uint8. One decode
 * for all of them, so that a model sees at scan time the same bytes it was trained and
 * evaluated on.
 */
import sharp from 'sharp';

import { rawRgb } from '../rgb-image.js';

export const FACE_INPUT_SIDE = 250;
/** Bytes of one face input (250 x 250 x 3). */
export const FACE_INPUT_BYTES = FACE_INPUT_SIDE * FACE_INPUT_SIDE * 3;

/** Decodes an image file (or its bytes: the same pixels) to the face input: stretched to 250x250, RGB. */
export async function readFaceInput(file: string | Buffer): Promise<Uint8Array> {
  const fail = (message: string): never => {
    throw new Error(`${typeof file === 'string' ? file : 'face crop'}: ${message}`);
  };
  const { data, width, height } = await rawRgb(sharp(file).resize(FACE_INPUT_SIDE, FACE_INPUT_SIDE, { fit: 'fill' }), fail);
  if (data.length !== FACE_INPUT_BYTES) fail(`decoded to ${width}x${height}, not ${FACE_INPUT_SIDE}x${FACE_INPUT_SIDE}`);
  return data;
}

/** readFaceInput, or null for a crop that cannot be read (lost from the cache): its face keeps no seed embedding until it is analysed again. */
export async function readFaceInputOrNull(file: string | Buffer): Promise<Uint8Array | null> {
  try {
    return await readFaceInput(file);
  } catch {
    return null;
  }
}
