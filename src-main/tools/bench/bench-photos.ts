/**
 * The photo browser's queries on a library of 100,000 photos (150,000 faces of 500 people, a
 * fifth of the photos without a taken date), written into a temporary database: a window of
 * 120 photos at the start, middle and end, by offset and by keyset, the count and the month
 * outline, and a two-person filter; the peer is the same first window without the date index
 * (a sort of every photo). `node dist/src-main/tools/bench/bench-photos.js [--photos N]`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../core/db/database.js';
import { PHOTO_DATE_SQL, type PhotoFilter } from '../../core/db/photo-listing.repository.js';
import { PhotoFinder } from '../../core/people/photo-finder.js';
import { Rng } from '../../core/ml/rng.js';

const arg = process.argv.indexOf('--photos');
const N = arg > 0 ? Number(process.argv[arg + 1]) : 100_000;
const dir = mkdtempSync(path.join(os.tmpdir(), 'facepair-bench-photos-'));
const db = openDatabase(path.join(dir, 'library.db'));
const rng = new Rng(1);
const now = new Date().toISOString();
db.transaction(() => {
  const photo = db.prepare(
    `INSERT INTO photos (path, size, mtime_ms, content_hash, format, width, height, taken_at, status, analyzer_version, added_at, updated_at)
     VALUES (?, 1, ?, ?, 'jpeg', 4000, 3000, ?, 'done', 1, ?, ?)`,
  );
  for (let i = 0; i < N; i++) {
    const t = Date.UTC(2005, 0, 1) + Math.floor(rng.next() * 20 * 365 * 86_400_000);
    photo.run(`/p/${i}.jpg`, t, `h${i}`, rng.next() < 0.2 ? null : new Date(t).toISOString(), now, now);
  }
  const person = db.prepare('INSERT INTO people (name, created_at, updated_at) VALUES (?, ?, ?)');
  for (let i = 0; i < 500; i++) person.run(i < 50 ? `Person ${i}` : null, now, now);
  const face = db.prepare(
    `INSERT INTO faces (photo_id, idx, x, y, w, h, score, shape_error, landmarks, crop_file, aligned_file, person_id, assigned_by, created_at)
     VALUES (?, ?, 1, 1, 10, 10, 0.9, 0, x'00', 'c', 'a', ?, 'auto', ?)`,
  );
  // A few people on many photos, most on few (the square skews towards the first ids).
  for (let i = 0; i < N * 1.5; i++) face.run(1 + Math.floor(rng.next() * N), i, 1 + Math.floor(rng.next() ** 2 * 500), now);
})();

const finder = new PhotoFinder(db);
const figures: Record<string, number> = {};
function time(name: string, fn: () => unknown, reps = 7): void {
  fn();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const s = performance.now();
    fn();
    t.push(performance.now() - s);
  }
  figures[name] = Number(t.sort((a, b) => a - b)[Math.floor(reps / 2)]!.toFixed(2));
}
const all: PhotoFilter = {};
const two = finder.filterByName({ with: ['Person 0', 'Person 3'] });
time('windowStartMs', () => finder.page(all, { offset: 0 }, 120));
time('windowMiddleMs', () => finder.page(all, { offset: Math.floor(N / 2) }, 120));
time('windowEndMs', () => finder.page(all, { offset: N - 120 }, 120));
const mid = finder.page(all, { offset: Math.floor(N / 2) }, 1)[0]!;
time('windowMiddleKeysetMs', () => finder.page(all, { after: { date: mid.date, id: mid.id } }, 120));
time('countMs', () => finder.count(all));
time('monthsMs', () => finder.months(all), 3);
time('twoPeopleWindowMs', () => finder.page(two, { offset: 0 }, 120));
time('twoPeopleMonthsMs', () => finder.months(two), 3);
db.prepare('DROP INDEX photos_by_date').run();
const peer = db.prepare(`SELECT id, ${PHOTO_DATE_SQL} AS d FROM photos WHERE status = 'done' ORDER BY d DESC, id DESC LIMIT 120`);
time('peerWindowStartWithoutIndexMs', () => peer.all());
db.close();
rmSync(dir, { recursive: true, force: true });
const ratio = figures.peerWindowStartWithoutIndexMs! / figures.windowStartMs!;
process.stdout.write(JSON.stringify({ photos: N, ...figures, firstWindowSpeedupOverSort: Number(ratio.toFixed(1)) }, null, 2) + '\n');
