#!/usr/bin/env node
/**
 * npm run bench:group-pairs -- <folder of known people> [--db FILE] [--truth CSV]
 *   [--answers 100,200] [--bands 0.53,0.55,0.57,0.60] [--min-sizes 1,2,3,5] [--json]
 *
 * Whether a learned rule that merges two people a little beyond grouping's threshold could be
 * shown safe by the library's own answers, and what it would merge. Plays the truthful user of
 * bench:feedback (constraints only) up to each number of answers, then, by merge distance band
 * above the threshold and the smaller group's least size: the answers about two people in the
 * band ("same" / "different", and the 95 % lower bound of the share "same": the precision the
 * answers could vouch for), and the pairs of people no answer is about (no "different" answer
 * between them, no shared photo): how many, how many truly one person, and the face pairs a merge
 * would add of one person and of two.
 */
import path from 'node:path';

import { parseArgs } from 'node:util';

import { DESCRIPTOR_DIMS, DESCRIPTOR_MODEL_KEY } from '../../core/analysis/descriptor.js';
import { createApp, type FacePairApp } from '../../core/app.js';
import { groupPairEvidence, type AnsweredGroupPair, type EvidenceRow, type OpenGroupPair } from '../../core/benchmarks/feedback/group-pair-evidence.js';
import { faceIdentities, simulateUser } from '../../core/benchmarks/feedback/simulated-user.js';
import { loadTruth } from '../../core/benchmarks/folder-truth.js';
import { DEFAULT_GROUPING } from '../../core/grouping/grouping.service.js';
import { mergeDistance, type DescriptorSums } from '../../core/grouping/merge-distance.js';
import { reviewGroupAnswers } from '../../core/learning/group-answers.js';
import { copyDatabase, withPreparedScan } from './feedback-scan.js';

interface PersonGroup extends DescriptorSums {
  id: number;
  photos: Set<number>;
  identities: Map<string, number>;
}

/** Every pair of people within `upTo` of each other that grouping could merge (no "different" answer between them, no shared photo). */
function openPairs(app: FacePairApp, identity: Map<number, string>, margin: number, upTo: number): OpenGroupPair[] {
  const faces = app.faces.listForGrouping(app.faces.modelId(DESCRIPTOR_MODEL_KEY, 'descriptor', DESCRIPTOR_DIMS));
  const people = new Map<number, PersonGroup>();
  for (const f of faces) {
    if (f.personId === null) continue;
    let p = people.get(f.personId);
    if (!p) people.set(f.personId, (p = { id: f.personId, size: 0, sum: new Float64Array(DESCRIPTOR_DIMS), sumSq: 0, photos: new Set(), identities: new Map() }));
    p.size++;
    for (let d = 0; d < DESCRIPTOR_DIMS; d++) {
      p.sum[d] = p.sum[d]! + f.vector[d]!;
      p.sumSq += f.vector[d]! * f.vector[d]!;
    }
    p.photos.add(f.photoId);
    const who = identity.get(f.id) ?? `unknown:${f.id}`;
    p.identities.set(who, (p.identities.get(who) ?? 0) + 1);
  }
  const personOf = new Map(faces.map((f) => [f.id, f.personId]));
  const key = (a: number, b: number): string => (a < b ? `${a}:${b}` : `${b}:${a}`);
  const toldApart = new Set<string>();
  for (const l of app.labels.list()) {
    const a = personOf.get(l.faceA), b = personOf.get(l.faceB);
    if (!l.same && a != null && b != null) toldApart.add(key(a, b));
  }
  const list = [...people.values()];
  const out: OpenGroupPair[] = [];
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const A = list[i]!, B = list[j]!;
      const d = mergeDistance(A, B, margin);
      if (d > upTo || toldApart.has(key(A.id, B.id))) continue;
      const [small, large] = A.photos.size <= B.photos.size ? [A, B] : [B, A];
      if ([...small.photos].some((p) => large.photos.has(p))) continue;
      let truePairs = 0;
      for (const [who, n] of A.identities) truePairs += n * (B.identities.get(who) ?? 0);
      const all = A.size * B.size;
      out.push({ mergeDistance: d, sizes: [A.size, B.size], same: 2 * truePairs > all, truePairs, falsePairs: all - truePairs });
    }
  }
  return out;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      truth: { type: 'string' },
      answers: { type: 'string', default: '100,200' },
      bands: { type: 'string', default: '0.53,0.55,0.57,0.60' },
      'min-sizes': { type: 'string', default: '1,2,3,5' },
      json: { type: 'boolean', default: false },
    },
  });
  const folder = positionals[0];
  const counts = values.answers.split(',').map(Number);
  const bands = values.bands.split(',').map(Number);
  const minSizes = values['min-sizes'].split(',').map(Number);
  const sorted = (xs: number[]): boolean => xs.every((x, i) => i === 0 || x > xs[i - 1]!);
  if (!folder || !counts.every((n) => Number.isInteger(n) && n >= 0) || !sorted(counts) || !bands.every((b) => b > 0 && b < 4) || !sorted(bands) || !minSizes.every((s) => Number.isInteger(s) && s >= 1)) {
    process.stderr.write('usage: npm run bench:group-pairs -- <folder> [--db FILE] [--truth CSV] [--answers 100,200] [--bands 0.53,0.55,0.57,0.60] [--min-sizes 1,2,3,5] [--json]\n');
    process.exitCode = 2;
    return;
  }
  const truthOf = loadTruth(values.truth);
  await withPreparedScan('group-pairs', folder, values.db, async (prepared, work, log) => {
    const copy = path.join(work, 'constraints.db');
    await copyDatabase(prepared, copy);
    const app = createApp({ dbFile: copy, mustExist: true });
    const results: Array<{ answers: number; threshold: number; rows: EvidenceRow[] }> = [];
    try {
      const identity = faceIdentities(app, folder, truthOf);
      const margin = DEFAULT_GROUPING.smallGroupMargin;
      let done = 0;
      for (const target of counts) {
        if (target > done) {
          const [point] = await simulateUser(app, folder, truthOf, { strategy: 'constraints', checkpoints: [target - done] }, log);
          done += point?.answers ?? 0;
        }
        const { linkage } = await app.grouping.mergeRule();
        const answered: AnsweredGroupPair[] = reviewGroupAnswers(app.actions).map((a) => ({ mergeDistance: a.rms + margin / Math.sqrt(a.sizes[0] * a.sizes[1]), sizes: a.sizes, same: a.same }));
        const rows = groupPairEvidence(answered, openPairs(app, identity, margin, bands[bands.length - 1]!), linkage, bands, minSizes);
        results.push({ answers: done, threshold: linkage, rows });
      }
    } finally {
      app.close();
    }
    if (values.json) {
      process.stdout.write(JSON.stringify(results, null, 2) + '\n');
      return;
    }
    const lines: string[] = [];
    for (const r of results) {
      lines.push(`${r.answers} answers, threshold ${r.threshold.toFixed(3)}: band | min size | answered same / different (95 % lower bound of "same") | open pairs, truly one person, face pairs added of one person / of two`);
      for (const x of r.rows) {
        lines.push(`(${x.from.toFixed(2)}, ${x.to.toFixed(2)}] | ${x.minSize} | ${x.answered.same} / ${x.answered.different} (${x.answered.precisionLowerBound.toFixed(2)}) | ${x.open.pairs}, ${x.open.same}, ${x.open.truePairs} / ${x.open.falsePairs}`);
      }
    }
    process.stdout.write(lines.join('\n') + '\n');
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:group-pairs: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
