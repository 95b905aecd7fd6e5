#!/usr/bin/env node
// npm run bench -- <folder>: end-to-end throughput of FacePair's scan against face-api's own
// chained pipeline on the same photos. A benchmark, not a test: it prints figures only.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createApp } from '../../core/app.js';
import { loadFaceNets } from '../../core/analysis/face-models.js';
import { MAX_PIXELS } from '../../core/analysis/decode.js';
import { trace } from '../../core/trace.js';
trace('bench imported');

const ms = (v: number): string => `${v.toFixed(1)} ms`;

async function faceApiBaseline(files: string[]): Promise<{ seconds: number; faces: number; photos: number }> {
  const { tf, faceapi } = await loadFaceNets();
  const options = new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 });
  let faces = 0, photos = 0;
  const t0 = performance.now();
  for (const file of files) {
    try {
      // What an app built on face-api does: decode the whole photo, run the chained pipeline.
      const { data, info } = await sharp(file, { limitInputPixels: MAX_PIXELS }).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const input = tf.tensor3d(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), [info.height, info.width, 3], 'int32');
      try {
        const result = await faceapi.detectAllFaces(input as never, options).withFaceLandmarks().withFaceDescriptors();
        faces += result.length;
        photos++;
      } finally {
        input.dispose();
      }
    } catch {
      // unreadable file: skipped by both
    }
  }
  return { seconds: (performance.now() - t0) / 1000, faces, photos };
}

async function main(): Promise<void> {
  const folder = process.argv[2];
  const workersArg = process.argv.indexOf('--workers');
  const workers = workersArg > 0 ? Number(process.argv[workersArg + 1]) : undefined;
  if (!folder) {
    process.stderr.write('usage: npm run bench -- <folder> [--workers N] [--no-baseline]\n');
    process.exitCode = 2;
    return;
  }
  const work = mkdtempSync(path.join(os.tmpdir(), 'facepair-bench-'));
  const app = createApp({ dbFile: path.join(work, 'bench.db'), workers });
  try {
    trace('app created');
    const cpu0 = process.cpuUsage();
    const s = await app.scanner.scan(folder);
    const cpu = process.cpuUsage(cpu0);
    trace('scan returned');
    const n = s.analysis.done;
    const perPhoto = (v: number): string => ms(n > 0 ? v / n : 0);
    const rate = n / s.seconds;
    const out: string[] = [];
    out.push(`FacePair on ${path.resolve(folder)}: ${n} photos, ${s.faces} faces, ${s.people} people, ${s.errors} errors`);
    out.push(`  detector ${s.analysis.detector}, backend ${s.analysis.backend} on ${s.analysis.workers} worker threads (${os.availableParallelism()} cores)`);
    out.push(`  end to end: ${s.seconds.toFixed(2)} s = ${rate.toFixed(2)} photos/s`);
    // Less moved by other jobs on the machine than the wall time: what the scan itself cost.
    out.push(`  CPU time (all threads, user + system): ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s (system ${(cpu.system / 1e6).toFixed(2)} s)`);
    out.push(`  per photo, summed over workers: decode ${perPhoto(s.analysis.stageMs.decodeMs)}, detect ${perPhoto(s.analysis.stageMs.detectMs)}, ` +
      `landmarks ${perPhoto(s.analysis.stageMs.landmarksMs)}, align ${perPhoto(s.analysis.stageMs.alignMs)}, embed ${perPhoto(s.analysis.stageMs.embedMs)}, ` +
      `crops ${perPhoto(s.analysis.stageMs.cropsMs)}`);
    const seed = s.seedEmbedding;
    out.push(`  seed embedding (${seed.model ?? 'no seed model'}${seed.runtime ? ` on ${seed.runtime}` : ''}): ${seed.embedded} faces, ` +
      `${perPhoto(seed.workerMs)} per photo in the workers, ${ms(seed.ms)} in the stage after analysis`);
    out.push(`  group (kNN + clustering, whole library): ${ms(s.grouping.ms)}`);
    out.push(`  peak memory (RSS, all threads): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
    process.stdout.write(out.join('\n') + '\n');

    if (!process.argv.includes('--no-baseline')) {
      const files = app.photos.listUnder(path.resolve(folder) + path.sep).filter((p) => p.status === 'done').map((p) => p.path);
      const b = await faceApiBaseline(files);
      const baseRate = b.photos / b.seconds;
      process.stdout.write(
        `face-api chained pipeline (detectAllFaces().withFaceLandmarks().withFaceDescriptors(), one thread, full-size decode):\n` +
          `  ${b.photos} photos, ${b.faces} faces in ${b.seconds.toFixed(2)} s = ${baseRate.toFixed(2)} photos/s (${ms((1000 * b.seconds) / Math.max(1, b.photos))} per photo)\n` +
          `ratio: FacePair ${(rate / baseRate).toFixed(2)}x face-api's throughput\n`,
      );
    }
  } finally {
    app.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
