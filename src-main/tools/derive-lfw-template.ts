#!/usr/bin/env node
// Derives the 5-point LFW alignment template (src-main/core/faces/lfw-template.ts) from a
// database in which LFW's deep-funneled images were scanned:
//   facepair scan ../shared/datasets/lfw/images --db lfw.db
//   node dist/src-main/cli/derive-lfw-template.js lfw.db
// Deep-funneled images are already aligned, so the mean landmark positions of their central
// faces are where an LFW-like crop puts the eyes, nose and mouth.
import { createApp } from '../core/app.js';
import { fromBlob } from '../core/db/blobs.js';
import { fivePoints } from '../core/analysis/align/lfw-template.js';

const dbFile = process.argv[2];
if (!dbFile) {
  process.stderr.write('usage: derive-lfw-template <lfw.db>\n');
  process.exit(2);
}
const app = createApp({ dbFile, mustExist: true });
const rows = app.db
  .prepare<[], { landmarks: Buffer; x: number; y: number; w: number; h: number; width: number; height: number }>(
    `SELECT f.landmarks, f.x, f.y, f.w, f.h, p.width, p.height FROM faces f JOIN photos p ON p.id = f.photo_id
     WHERE p.status = 'done' AND p.width = 250 AND p.height = 250`,
  )
  .all();
// The face nearest the centre of each 250x250 image, and only if it is the one LFW is about.
const sums = Array.from({ length: 5 }, () => ({ x: 0, y: 0 }));
let n = 0;
for (const r of rows) {
  const cx = r.x + r.w / 2 - 125, cy = r.y + r.h / 2 - 125;
  if (Math.hypot(cx, cy) > 20) continue;
  const lm = fromBlob(r.landmarks);
  const points = Array.from({ length: 68 }, (_, i) => ({ x: lm[2 * i]!, y: lm[2 * i + 1]! }));
  fivePoints(points).forEach((p, i) => {
    sums[i]!.x += p.x;
    sums[i]!.y += p.y;
  });
  n++;
}
app.close();
const names = ['left eye centre (landmarks 36..41)', 'right eye centre (42..47)', 'nose tip (30)', 'mouth left corner (48)', 'mouth right corner (54)'];
process.stdout.write(`// Mean of ${n} central faces of LFW deep-funneled images.\n`);
sums.forEach((s, i) => process.stdout.write(`  { x: ${(s.x / n).toFixed(2)}, y: ${(s.y / n).toFixed(2)} }, // ${names[i]}\n`));
