/**
 * The maintainer's loop on real faces: `photos/identities` scanned into a temporary library,
 * its Review queue answered truthfully from identities.csv, the answers exported with their
 * face crops, imported into a training set (again, cut short, from another format or model),
 * and a smoke-sized `train-seed --extra-labels` run from the shipped model on a slice of LFW
 * that reports the held-out imported labels beside LFW's validation.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createApp } from '../../src-main/core/app.js';
import { simulateUser } from '../../src-main/core/benchmarks/feedback/simulated-user.js';
import { loadTruth } from '../../src-main/core/benchmarks/folder-truth.js';
import { ensureLfwScanned } from '../../src-main/core/benchmarks/lfw/lfw-faces.js';
import { devTrainPeople, imageKey, imagePath, isValidationPerson, lfwDataset, type LfwImage } from '../../src-main/core/benchmarks/lfw/lfw-protocol.js';
import { defaultSeedModelDir } from '../../src-main/core/embedding/seed/seed-embedder.js';
import type { LabelFileHeader, LabelFilePair } from '../../src-main/core/learning/label-file.js';
import { readTrainingSet } from '../../src-main/core/learning/label-import.js';
import { trainSeed } from '../../src-main/core/training/seed/seed-trainer.js';
import { DEFAULT_TRAIN_SEED } from '../../src-main/core/training/seed/train-options.js';
import { runCli } from '../support/cli.js';
import { IDENTITIES, LFW, REPO_ROOT, tempDir } from '../support/paths.js';

const work = tempDir('labels');
const db = path.join(work, 'library.db');
const labelFile = path.join(work, 'labels.jsonl');
const NAME = 'Ada Lovelace-Testperson';
let labelsInDb = 0;

interface Summary {
  pairs: number;
  same: number;
  different: number;
  crops: number;
  skippedGone: number;
  kinds: Record<string, number>;
}

function lines(file: string): unknown[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);
}

function exportCli(args: string[]): Summary {
  const r = runCli(['labels', 'export', '--db', db, '--json', ...args]);
  if (r.code !== 0) throw new Error(`labels export failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Summary;
}

beforeAll(async () => {
  const app = createApp({ dbFile: db });
  try {
    await app.scanner.scan(IDENTITIES);
    await simulateUser(app, IDENTITIES, loadTruth(path.join(IDENTITIES, 'identities.csv')), { strategy: 'constraints', checkpoints: [0, 120] });
    labelsInDb = app.labels.list().length;
    const someone = app.faces.listAssignments().values().next().value!.personId!;
    app.edits.rename(someone, NAME);
  } finally {
    app.close();
  }
}, 900_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('facepair labels export', () => {
  it('writes every answered pair with both faces as 250x250 JPEGs, the model versions, and no names or paths', async () => {
    const s = exportCli(['--out', labelFile]);
    expect(labelsInDb).toBeGreaterThan(0);
    expect(s).toMatchObject({ pairs: labelsInDb, skippedGone: 0, kinds: { answer: labelsInDb, implied: 0 } });
    expect(s.same).toBeGreaterThan(0);
    expect(s.different).toBeGreaterThan(0);
    const [header, ...rest] = lines(labelFile) as [LabelFileHeader, ...Array<LabelFilePair | { type: 'end'; pairs: number }>];
    expect(header).toMatchObject({ type: 'header', format: 'facepair-labels', formatVersion: 1, names: false, crops: { inline: true } });
    expect(header.models.pair).toMatch(/^seed500:/);
    expect(header.facepair).toBe((JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    expect(rest.at(-1)).toEqual({ type: 'end', pairs: labelsInDb, skippedGone: 0 });
    const pairs = rest.slice(0, -1) as LabelFilePair[];
    expect(pairs).toHaveLength(labelsInDb);
    expect(new Set(pairs.map((p) => p.kind))).toEqual(new Set(['answer']));
    expect(pairs.every((p) => typeof p.labelledAt === 'string' && p.source !== null)).toBe(true);
    for (const p of pairs.slice(0, 12)) {
      for (const f of [p.a, p.b]) {
        const bytes = Buffer.from(f.jpeg!, 'base64');
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.crop);
        const meta = await sharp(bytes).metadata();
        expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 250, 250]);
        expect(f.person).toMatch(/^p\d+$/);
        expect(f).not.toHaveProperty('name');
        expect(f).not.toHaveProperty('photo');
      }
    }
    const text = readFileSync(labelFile, 'utf8');
    expect(text).not.toContain(NAME);
    expect(text).not.toContain(IDENTITIES);
    expect(text).not.toMatch(/img\d+\.jpg/);
  }, 120_000);

  it('with --with-names writes names and photo paths; with --crops-dir writes the crops as files beside it', () => {
    const named = path.join(work, 'named.jsonl');
    exportCli(['--out', named, '--with-names']);
    const text = readFileSync(named, 'utf8');
    expect(text).toContain(NAME);
    expect(text).toContain(IDENTITIES);
    expect((lines(named)[0] as LabelFileHeader).names).toBe(true);

    const out = path.join(work, 'folder', 'labels.jsonl');
    const s = exportCli(['--out', out, '--crops-dir', path.join(work, 'folder', 'crops')]);
    const pairs = lines(out).slice(1, -1) as LabelFilePair[];
    expect(pairs[0]!.a.jpeg).toBeUndefined();
    expect(pairs[0]!.a.file).toBe(`crops/${pairs[0]!.a.crop}.jpg`);
    expect(readdirSync(path.join(work, 'folder', 'crops'))).toHaveLength(s.crops);
  }, 120_000);

  it('leaves out and counts the labels of faces that are gone', () => {
    const copy = path.join(work, 'gone.db');
    const app = createApp({ dbFile: db, mustExist: true });
    const [first] = app.labels.list();
    app.db.pragma('wal_checkpoint(TRUNCATE)');
    app.close();
    copyFileSync(db, copy);
    cpSync(path.join(work, 'library.cache'), path.join(work, 'gone.cache'), { recursive: true });
    const gone = createApp({ dbFile: copy, mustExist: true });
    gone.db.prepare('UPDATE faces SET lost_at = ? WHERE id = ?').run(new Date().toISOString(), first!.faceA);
    const touching = gone.labels.list().filter((l) => l.faceA === first!.faceA || l.faceB === first!.faceA).length;
    gone.close();
    const r = runCli(['labels', 'export', '--db', copy, '--out', path.join(work, 'gone.jsonl'), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ pairs: labelsInDb - touching, skippedGone: touching });
    expect(runCli(['labels', 'export', '--db', copy, '--out', path.join(work, 'gone.jsonl')]).stdout).toContain(`${touching} labels left out: a face of theirs is gone`);
  }, 120_000);
});

describe('facepair labels export --with-implied', () => {
  it('adds the pairs the answers imply: faces the user placed in one person are the same', () => {
    const copy = path.join(work, 'placed.db');
    const app = createApp({ dbFile: db, mustExist: true });
    app.db.pragma('wal_checkpoint(TRUNCATE)');
    app.close();
    copyFileSync(db, copy);
    cpSync(path.join(work, 'library.cache'), path.join(work, 'placed.cache'), { recursive: true });
    const placed = createApp({ dbFile: copy, mustExist: true });
    // The user put every face of the largest person there (as moving them in the window does).
    const byPerson = new Map<number, number[]>();
    for (const [face, a] of placed.faces.listAssignments()) if (a.personId !== null) byPerson.set(a.personId, [...(byPerson.get(a.personId) ?? []), face]);
    const [person, faces] = [...byPerson].sort((x, y) => y[1].length - x[1].length)[0]!;
    placed.db.prepare("UPDATE faces SET assigned_by = 'user' WHERE person_id = ?").run(person);
    // Answers earlier in this file may have placed faces in other people too: theirs are implied as well.
    const placedIn = new Set((placed.db.prepare("SELECT DISTINCT person_id AS p FROM faces WHERE assigned_by = 'user' AND person_id IS NOT NULL").all() as Array<{ p: number }>).map((r) => `p${r.p}`));
    placed.close();
    expect(faces.length).toBeGreaterThanOrEqual(3);
    const out = path.join(work, 'implied.jsonl');
    const r = runCli(['labels', 'export', '--db', copy, '--out', out, '--with-implied', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as Summary;
    const implied = (lines(out).slice(1, -1) as LabelFilePair[]).filter((p) => p.kind === 'implied');
    expect(s.kinds.answer).toBe(labelsInDb);
    expect(s.kinds.implied).toBe(implied.length);
    expect(implied.length).toBeGreaterThan(0);
    for (const p of implied) {
      expect([p.same, p.source, p.weight, p.a.person]).toEqual([true, null, 1, p.b.person]);
      expect(placedIn.has(p.a.person ?? ''), `${p.a.person} holds faces the user placed`).toBe(true);
    }
    expect(implied.filter((p) => p.a.person === `p${person}`).length, 'the pairs of the person placed here').toBeGreaterThan(0);
  }, 120_000);
});

describe('facepair labels import', () => {
  const set = path.join(work, 'set');
  const importCli = (file: string, into = set) => runCli(['labels', 'import', file, '--into', into, '--json']);

  it('merges a file into a training set; the same pairs again (inline or as files) are kept once, with both imports recorded', () => {
    const first = importCli(labelFile);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ pairsRead: labelsInDb, added: labelsInDb, duplicates: 0, complete: true, badLines: [], modelNote: null });
    const again = importCli(path.join(work, 'folder', 'labels.jsonl'));
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ added: 0, duplicates: labelsInDb, totals: { pairs: labelsInDb, imports: 2 } });
    const index = readTrainingSet(set);
    expect(index.pairs.every((p) => p.sources.length === 2)).toBe(true);
    expect(index.pairs.every((p) => p.identityA?.startsWith(index.imports[0]!.library) === true)).toBe(true);
    const crops = new Set(index.pairs.flatMap((p) => [p.a, p.b]));
    expect(readdirSync(path.join(set, 'crops')).sort()).toEqual([...crops].map((c) => `${c}.jpg`).sort());
  });

  it('imports the whole pairs of a file cut short, names the cut line, and takes the rest when the whole file comes', () => {
    const text = readFileSync(labelFile, 'utf8');
    const all = text.split('\n');
    const cutAt = Math.floor(all.length / 2); // 0-based: the file ends inside this line
    const cut = path.join(work, 'cut.jsonl');
    writeFileSync(cut, all.slice(0, cutAt).join('\n') + '\n' + all[cutAt]!.slice(0, 200));
    const into = path.join(work, 'set-cut');
    const r = importCli(cut, into);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`line ${cutAt + 1}: cut off (the file ends inside this line)`);
    expect(r.stderr).toContain('cut short');
    expect(JSON.parse(r.stdout)).toMatchObject({ pairsRead: cutAt - 1, added: cutAt - 1, complete: false, badLines: [{ line: cutAt + 1 }] });
    const whole = importCli(labelFile, into);
    expect(whole.code).toBe(0);
    expect(JSON.parse(whole.stdout)).toMatchObject({ added: labelsInDb - (cutAt - 1), duplicates: cutAt - 1, totals: { pairs: labelsInDb } });
  });

  it('refuses a file of another format version, or no label file, before writing anything', () => {
    const [head, ...rest] = readFileSync(labelFile, 'utf8').split('\n');
    const v2 = path.join(work, 'v2.jsonl');
    writeFileSync(v2, [JSON.stringify({ ...(JSON.parse(head!) as object), formatVersion: 2 }), ...rest].join('\n'));
    const into = path.join(work, 'set-v2');
    const r = importCli(v2, into);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is in label format version 2; this FacePair reads version 1: import it with a newer FacePair');
    expect(existsSync(path.join(into, 'labels.json'))).toBe(false);
    const notLabels = importCli(path.join(IDENTITIES, 'identities.csv'), into);
    expect(notLabels.code).toBe(1);
    expect(notLabels.stderr).toContain('is not a FacePair label file');
  });

  it('takes labels scored by another model, and says they still train the extractor', () => {
    const [head, ...rest] = readFileSync(labelFile, 'utf8').split('\n');
    const h = JSON.parse(head!) as LabelFileHeader;
    const other = path.join(work, 'other-model.jsonl');
    writeFileSync(other, [JSON.stringify({ ...h, models: { ...h.models, seed: 'seed500:v5:000000000000', pair: 'seed500:v5:000000000000+head:00000000' } }), ...rest].join('\n'));
    const r = runCli(['labels', 'import', other, '--into', path.join(work, 'set-other')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('scored by seed model seed500:v5:000000000000+head:00000000, not the installed');
    expect(r.stdout).toContain('they still train the extractor');
  });
});

describe('facepair train-seed --extra-labels', () => {
  it('fine-tunes the shipped model on a slice of LFW plus the imported labels and reports the held-out imported labels (smoke-sized run)', async () => {
    // A slice of LFW's DevTrain as lfw-seed.test.ts takes it: 2 held-out and 3 training people.
    const ds = lfwDataset(LFW);
    const data = path.join(work, 'lfw');
    const small = devTrainPeople(ds).filter((p) => p.images >= 3 && p.images <= 4);
    const people = [...small.filter((p) => isValidationPerson(p.name)).slice(0, 2), ...small.filter((p) => !isValidationPerson(p.name)).slice(0, 3)];
    const images: LfwImage[] = people.flatMap((p) => Array.from({ length: p.images }, (_, k) => ({ name: p.name, n: k + 1 })));
    for (const img of images) {
      const to = imagePath(path.join(data, 'images'), img);
      mkdirSync(path.dirname(to), { recursive: true });
      copyFileSync(imagePath(ds.imagesDir, img), to);
    }
    for (const f of ['pairsDevTrain.txt', 'peopleDevTrain.txt', 'pairsDevTest.txt', 'peopleDevTest.txt', 'pairs.txt']) copyFileSync(path.join(LFW, f), path.join(data, f));
    const cacheDb = path.join(work, 'lfw-cache', 'lfw.db');
    await ensureLfwScanned(cacheDb, path.join(data, 'images'), images.map(imageKey), { scan: true });

    const shipped = defaultSeedModelDir();
    const digest = (): string => {
      const h = createHash('sha256');
      for (const f of readdirSync(shipped, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort()) h.update(f).update(readFileSync(f));
      return h.digest('hex');
    };
    const before = digest();
    const outDir = path.join(work, 'model');
    // The new version's card starts as its base's: the run rewrites its training section.
    mkdirSync(outDir, { recursive: true });
    copyFileSync(path.join(shipped, 'MODEL_CARD.md'), path.join(outDir, 'MODEL_CARD.md'));
    const log: string[] = [];
    const r = await trainSeed({
      ...DEFAULT_TRAIN_SEED,
      data,
      cacheDb,
      scan: false,
      workDir: path.join(work, 'train'),
      outDir,
      initFrom: shipped,
      extraLabels: path.join(work, 'set'),
      // A fine-tune's rate: Adam's first steps move every weight by about the rate.
      learningRate: 1e-5,
      batchPairs: 4,
      stepsPerEpoch: 2,
      maxEpochs: 2,
      validationPairs: 8,
      log: (l) => void log.push(l),
    });
    process.stdout.write(`train-seed --extra-labels (smoke-sized): ${JSON.stringify(r.extraLabels)}\n`);
    expect(r).toMatchObject({ stopped: 'max-epochs', epochs: 2, steps: 4 });
    const x = r.extraLabels!;
    expect(x.splitBy).toBe('identity');
    expect(x.fitPairs).toBeGreaterThan(0);
    expect(x.heldOutPairs).toBeGreaterThan(0);
    for (const f of [x.before!, x.best!]) {
      expect(f.auc).toBeGreaterThanOrEqual(0);
      expect(f.auc).toBeLessThanOrEqual(1);
      expect(f.pairs).toBe(x.heldOutPairs);
    }
    expect(log.some((l) => /^imported labels from .* pairs to train on/.test(l))).toBe(true);
    expect(log.some((l) => /^epoch 1 done: .*; held-out imported labels: auc [\d.]+ acc [\d.]+ on \d+ pairs/.test(l))).toBe(true);
    const report = JSON.parse(readFileSync(path.join(outDir, 'training.json'), 'utf8')) as { extraLabels: { heldOutPairs: number; before: { auc: number } } };
    expect(report.extraLabels).toMatchObject({ heldOutPairs: x.heldOutPairs, before: { auc: x.before!.auc } });
    const card = readFileSync(path.join(outDir, 'MODEL_CARD.md'), 'utf8');
    expect(card).toContain('Second evaluation, held-out imported labels');
    expect(card).toContain('imported held-out AUC');
    expect(digest()).toBe(before);

    // The shipped model is never the output of a fine-tune.
    const refused = runCli(['train-seed', '--data', data, '--cache', cacheDb, '--no-scan', '--extra-labels', path.join(work, 'set'), '--out', shipped]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('write the result elsewhere with --out');
  }, 900_000);
});
