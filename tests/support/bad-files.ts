import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/** A valid PNG header claiming width x height, with almost no pixel data: a decompression bomb's shape. */
export function hugePng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(Buffer.alloc(64))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Writes every kind of bad input a library holds into `dir`; returns the file names by kind. */
export function writeBadFiles(dir: string, goodJpeg: string): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  const jpeg = readFileSync(goodJpeg);
  const files = {
    empty: 'empty.jpg',
    truncated: 'truncated.jpg',
    corrupt: 'corrupt.jpg',
    text: 'not-a-photo.jpg',
    huge: 'huge.png',
  };
  writeFileSync(path.join(dir, files.empty), Buffer.alloc(0));
  writeFileSync(path.join(dir, files.truncated), jpeg.subarray(0, Math.floor(jpeg.length / 3)));
  const corrupt = Buffer.from(jpeg);
  for (let i = 600; i < corrupt.length - 2; i += 7) corrupt[i] = (corrupt[i]! * 31 + 17) & 0xff;
  writeFileSync(path.join(dir, files.corrupt), corrupt);
  writeFileSync(path.join(dir, files.text), 'these are my holiday notes, not a photo\n');
  writeFileSync(path.join(dir, files.huge), hugePng(20_000, 20_000));
  // Not image files by name or content: ignored, not errors.
  writeFileSync(path.join(dir, 'notes.txt'), 'shopping list\n');
  return files;
}

export function copyInto(dir: string, file: string, name = path.basename(file)): string {
  mkdirSync(dir, { recursive: true });
  const out = path.join(dir, name);
  copyFileSync(file, out);
  return out;
}
