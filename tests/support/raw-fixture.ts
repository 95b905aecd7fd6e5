import { writeFileSync } from 'node:fs';

/**
 * A minimal DNG made at test time (no camera's file is ever committed): a little-endian TIFF
 * whose IFD0 is a 4×4 RGB thumbnail carrying the DNG version, make, model and orientation,
 * with one sub-IFD holding the given JPEG as the full preview (NewSubfileType 1, compression
 * 7: what ExifTool calls PreviewImage) and an EXIF IFD with the capture time. With `sensor`, a
 * second sub-IFD declares the sensor's image (its size, no real data): FacePair reads RAW files
 * through their preview, and their size from that declaration.
 */
export function writeDng(
  file: string,
  options: {
    preview: Buffer;
    previewWidth: number;
    previewHeight: number;
    orientation?: number;
    takenAt?: string;
    make?: string;
    model?: string;
    /**
     * The sensor's raw image, as a camera's DNG declares it (a second sub-IFD, NewSubfileType 0,
     * with its DefaultCropSize when `crop` is given); its data is a few bytes, never a picture.
     */
    sensor?: { width: number; height: number; crop?: [number, number] };
  },
): void {
  type Entry = { tag: number; type: 1 | 2 | 3 | 4; values: number[] | string };
  const ascii = (s: string): string => s + '\0';
  const thumb = Buffer.alloc(4 * 4 * 3, 128);
  const make = options.make ?? 'FacePair Test', model = options.model ?? 'Fixture DNG';

  // Layout: header, IFD0, sub-IFD, EXIF IFD, then every out-of-line value and the image data.
  const ifd0: Entry[] = [
    { tag: 254, type: 4, values: [1] },
    { tag: 256, type: 4, values: [4] },
    { tag: 257, type: 4, values: [4] },
    { tag: 258, type: 3, values: [8, 8, 8] },
    { tag: 259, type: 3, values: [1] },
    { tag: 262, type: 3, values: [2] },
    { tag: 271, type: 2, values: ascii(make) },
    { tag: 272, type: 2, values: ascii(model) },
    { tag: 273, type: 4, values: [0] }, // thumbnail offset, patched
    { tag: 274, type: 3, values: [options.orientation ?? 1] },
    { tag: 277, type: 3, values: [3] },
    { tag: 278, type: 4, values: [4] },
    { tag: 279, type: 4, values: [thumb.length] },
    { tag: 284, type: 3, values: [1] },
    { tag: 330, type: 4, values: [0] }, // sub-IFD offset, patched
    { tag: 34665, type: 4, values: [0] }, // EXIF IFD offset, patched
    { tag: 50706, type: 1, values: [1, 4, 0, 0] },
    { tag: 50708, type: 2, values: ascii(`${make} ${model}`) },
  ];
  const sub: Entry[] = [
    { tag: 254, type: 4, values: [1] },
    { tag: 256, type: 4, values: [options.previewWidth] },
    { tag: 257, type: 4, values: [options.previewHeight] },
    { tag: 258, type: 3, values: [8, 8, 8] },
    { tag: 259, type: 3, values: [7] },
    { tag: 262, type: 3, values: [6] },
    { tag: 273, type: 4, values: [0] }, // preview offset, patched
    { tag: 277, type: 3, values: [3] },
    { tag: 278, type: 4, values: [options.previewHeight] },
    { tag: 279, type: 4, values: [options.preview.length] },
  ];
  const sensor = options.sensor;
  const raw: Entry[] = sensor
    ? [
        { tag: 254, type: 4, values: [0] },
        { tag: 256, type: 4, values: [sensor.width] },
        { tag: 257, type: 4, values: [sensor.height] },
        { tag: 258, type: 3, values: [16] },
        { tag: 259, type: 3, values: [1] },
        { tag: 262, type: 3, values: [32803] },
        { tag: 273, type: 4, values: [0] }, // data offset, patched (the thumbnail's bytes: no real sensor data)
        { tag: 277, type: 3, values: [1] },
        { tag: 278, type: 4, values: [sensor.height] },
        { tag: 279, type: 4, values: [4 * 4 * 3] },
        ...(sensor.crop
          ? [
              { tag: 50719, type: 4 as const, values: [Math.floor((sensor.width - sensor.crop[0]) / 2), Math.floor((sensor.height - sensor.crop[1]) / 2)] },
              { tag: 50720, type: 4 as const, values: [...sensor.crop] },
            ]
          : []),
      ]
    : [];
  const exif: Entry[] = options.takenAt ? [{ tag: 36867, type: 2, values: ascii(options.takenAt) }] : [{ tag: 41728, type: 1, values: [3] }];

  const size = { 1: 1, 2: 1, 3: 2, 4: 4 } as const;
  const byteLength = (e: Entry): number => (typeof e.values === 'string' ? e.values.length : e.values.length) * size[e.type];
  const ifdLength = (entries: Entry[]): number => 2 + 12 * entries.length + 4;
  if (sensor) ifd0.find((e) => e.tag === 330)!.values = [0, 0];
  const ifd0At = 8, subAt = ifd0At + ifdLength(ifd0), rawAt = subAt + ifdLength(sub), exifAt = rawAt + (sensor ? ifdLength(raw) : 0);
  let dataAt = exifAt + ifdLength(exif);
  const extra: Array<{ at: number; entry: Entry }> = [];
  for (const e of [...ifd0, ...sub, ...raw, ...exif]) {
    if (byteLength(e) > 4) {
      extra.push({ at: dataAt, entry: e });
      dataAt += byteLength(e) + (byteLength(e) % 2);
    }
  }
  const thumbAt = dataAt, previewAt = thumbAt + thumb.length;
  ifd0.find((e) => e.tag === 273)!.values = [thumbAt];
  ifd0.find((e) => e.tag === 330)!.values = sensor ? [subAt, rawAt] : [subAt];
  ifd0.find((e) => e.tag === 34665)!.values = [exifAt];
  sub.find((e) => e.tag === 273)!.values = [previewAt];
  if (sensor) raw.find((e) => e.tag === 273)!.values = [thumbAt];

  const out = Buffer.alloc(previewAt + options.preview.length);
  out.write('II', 0, 'latin1');
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(ifd0At, 4);
  const writeValues = (e: Entry, at: number): void => {
    if (typeof e.values === 'string') out.write(e.values, at, 'latin1');
    else e.values.forEach((v, k) => (e.type === 1 ? out.writeUInt8(v, at + k) : e.type === 3 ? out.writeUInt16LE(v, at + 2 * k) : out.writeUInt32LE(v, at + 4 * k)));
  };
  const writeIfd = (entries: Entry[], at: number): void => {
    out.writeUInt16LE(entries.length, at);
    entries.forEach((e, k) => {
      const p = at + 2 + 12 * k;
      out.writeUInt16LE(e.tag, p);
      out.writeUInt16LE(e.type, p + 2);
      out.writeUInt32LE(typeof e.values === 'string' ? e.values.length : e.values.length, p + 4);
      const far = extra.find((x) => x.entry === e);
      if (far) out.writeUInt32LE(far.at, p + 8);
      else writeValues(e, p + 8);
    });
    out.writeUInt32LE(0, at + 2 + 12 * entries.length);
  };
  writeIfd(ifd0, ifd0At);
  writeIfd(sub, subAt);
  if (sensor) writeIfd(raw, rawAt);
  writeIfd(exif, exifAt);
  for (const x of extra) writeValues(x.entry, x.at);
  thumb.copy(out, thumbAt);
  options.preview.copy(out, previewAt);
  writeFileSync(file, out);
}
