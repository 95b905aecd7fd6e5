/**
 * Labels imported from libraries (`facepair labels import`) as extra training data for the
 * seed model: their crops join the image cache after LFW's images, kept apart from LFW's
 * people (they are never drawn into LFW's pairs, only into pairs of their own), and a part
 * of them is held out by identity for a second evaluation beside LFW's.
 *
 * The split: faces linked by a "same" label or by their library's person (`identityA/B`)
 * form one unit; each unit falls on one side, so no crop and no known person is on both. A
 * pair whose units fall on different sides is left out of both. Without any person in the
 * export the units are the crops linked by "same" labels alone (the split is then by pair
 * with crops never on both sides).
 */
import path from 'node:path';

import { readTrainingSet, TRAINING_SET_CROPS, type TrainingPair } from '../../learning/label-import.js';
import { auc } from '../../ml/pair-metrics.js';
import type { Rng } from '../../ml/rng.js';
import type { CacheSource } from './image-cache.js';
import type { Sample } from './training-data.js';

/** One imported pair, by the index of each crop among the extra images. */
export interface ExtraPair {
  a: number;
  b: number;
  same: boolean;
  weight: number;
}

export interface ExtraLabels {
  dir: string;
  /** The crops' images, in extra-image order (cache keys `extra:<sha256>`). */
  sources: CacheSource[];
  fit: ExtraPair[];
  heldOut: ExtraPair[];
  /** Pairs left out because their faces fell on both sides of the split. */
  dropped: number;
  /** 'identity': units joined by the library's people and "same" labels; 'crop': by "same" labels alone (no people in the export). */
  splitBy: 'identity' | 'crop';
  units: { fit: number; heldOut: number };
  imports: number;
}

/** Share of the units held out for the evaluation. */
export const EXTRA_HELD_OUT_SHARE = 0.3;
const SPLIT_TRIES = 32;

/** A number in [0, 1) from a hex string and a salt, the same on every run. */
function hashToUnit(hex: string, salt: number): number {
  let h = (parseInt(hex.slice(0, 8), 16) ^ Math.imul(salt, 0x632be5ab)) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

/** Splits pairs by unit (see the file's comment); of a few seeded splits, the first with both kinds of pair on both sides. */
export function splitExtraPairs(pairs: readonly TrainingPair[], heldOutShare = EXTRA_HELD_OUT_SHARE): { fit: TrainingPair[]; heldOut: TrainingPair[]; dropped: number; splitBy: ExtraLabels['splitBy']; units: ExtraLabels['units'] } {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  const union = (a: string, b: string): void => {
    const ra = find(a), rb = find(b);
    if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  };
  const splitBy = pairs.some((p) => p.identityA !== null || p.identityB !== null) ? 'identity' : 'crop';
  for (const p of pairs) {
    find(p.a);
    find(p.b);
    if (p.identityA !== null) union(p.a, `person:${p.identityA}`);
    if (p.identityB !== null) union(p.b, `person:${p.identityB}`);
    if (p.same) union(p.a, p.b);
  }
  // A unit's name: its smallest crop hash (person names sort after hex).
  const unitOf = (crop: string): string => find(crop);
  const cropUnits = new Map<string, string>();
  for (const p of pairs) for (const c of [p.a, p.b]) if (!cropUnits.has(c)) cropUnits.set(c, unitOf(c));
  const unitHex = new Map<string, string>();
  for (const [crop, unit] of cropUnits) if (!unitHex.has(unit) || crop < unitHex.get(unit)!) unitHex.set(unit, crop);

  const splitWith = (salt: number): { fit: TrainingPair[]; heldOut: TrainingPair[]; dropped: number; units: ExtraLabels['units'] } => {
    const held = (crop: string): boolean => hashToUnit(unitHex.get(cropUnits.get(crop)!)!, salt) < heldOutShare;
    const fit: TrainingPair[] = [], heldOut: TrainingPair[] = [];
    let dropped = 0;
    for (const p of pairs) {
      const a = held(p.a), b = held(p.b);
      if (a !== b) dropped++;
      else (a ? heldOut : fit).push(p);
    }
    let heldUnits = 0;
    for (const hex of unitHex.values()) if (hashToUnit(hex, salt) < heldOutShare) heldUnits++;
    return { fit, heldOut, dropped, units: { fit: unitHex.size - heldUnits, heldOut: heldUnits } };
  };
  const bothKinds = (part: readonly TrainingPair[]): boolean => part.some((p) => p.same) && part.some((p) => !p.same);
  let chosen = splitWith(0);
  for (let salt = 1; salt < SPLIT_TRIES && !(bothKinds(chosen.fit) && bothKinds(chosen.heldOut)); salt++) {
    const next = splitWith(salt);
    if (bothKinds(next.fit) && bothKinds(next.heldOut)) chosen = next;
  }
  return { ...chosen, splitBy };
}

/** The training set in `dir`, split for training: refuses one without both kinds of pair to learn from and to evaluate on. */
export function loadExtraLabels(dir: string, heldOutShare = EXTRA_HELD_OUT_SHARE): ExtraLabels {
  const set = readTrainingSet(dir);
  if (set.pairs.length === 0) throw new Error(`${dir} holds no imported labels: \`facepair labels import FILE.jsonl --into ${dir}\` first`);
  const split = splitExtraPairs(set.pairs, heldOutShare);
  const both = (part: readonly TrainingPair[]): boolean => part.some((p) => p.same) && part.some((p) => !p.same);
  if (!both(split.fit) || !both(split.heldOut)) {
    throw new Error(
      `the ${set.pairs.length} imported pairs in ${dir} cannot be split by person into a part to train on and a part to evaluate on that both hold "same" and "different" pairs ` +
        `(${split.fit.length} / ${split.heldOut.length} pairs): import more answers, over more people`,
    );
  }
  const index = new Map<string, number>();
  const sources: CacheSource[] = [];
  const at = (crop: string): number => {
    let i = index.get(crop);
    if (i === undefined) {
      i = sources.length;
      index.set(crop, i);
      sources.push({ key: `extra:${crop}`, file: path.join(dir, TRAINING_SET_CROPS, `${crop}.jpg`) });
    }
    return i;
  };
  const toExtra = (p: TrainingPair): ExtraPair => ({ a: at(p.a), b: at(p.b), same: p.same, weight: p.weight });
  return { dir, sources, fit: split.fit.map(toExtra), heldOut: split.heldOut.map(toExtra), dropped: split.dropped, splitBy: split.splitBy, units: split.units, imports: set.imports.length };
}

/**
 * `n` pairs of the imported fit pairs, half "same" and half "different" where both exist,
 * each kept with the probability of its weight (weak evidence is drawn less often); `offset`
 * is where the extra images start in the image cache. Their person is -1: never LFW's.
 */
export function sampleExtraPairs(fit: readonly ExtraPair[], rng: Rng, n: number, offset: number): Array<[Sample, Sample, boolean]> {
  const same = fit.filter((p) => p.same), different = fit.filter((p) => !p.same);
  const out: Array<[Sample, Sample, boolean]> = [];
  while (out.length < n) {
    const pool = same.length > 0 && (different.length === 0 || out.length % 2 === 0) ? same : different;
    const p = rng.pick(pool);
    if (p.weight < 1 && rng.next() >= p.weight) continue;
    const [x, y] = rng.next() < 0.5 ? [p.a, p.b] : [p.b, p.a];
    out.push([{ i: offset + x, person: -1 }, { i: offset + y, person: -1 }, p.same]);
  }
  return out;
}

/** How the pair head ranks and decides the held-out imported pairs. */
export interface ExtraFigures {
  pairs: number;
  auc: number;
  /** At P(same) 0.5. */
  accuracy: number;
}

/** The figures of probabilities (the mean of both orders) against the held-out pairs' answers. */
export function extraFigures(prob: Float32Array, pairs: readonly ExtraPair[]): ExtraFigures {
  let right = 0;
  pairs.forEach((p, k) => (right += (prob[k]! >= 0.5) === p.same ? 1 : 0));
  return { pairs: pairs.length, auc: auc(prob, pairs.map((p) => p.same)), accuracy: pairs.length > 0 ? right / pairs.length : NaN };
}
