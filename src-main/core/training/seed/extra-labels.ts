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
 *
 * "Different" pairs: a review queue over a well-grouped library asks few of them (4 of 95
 * answers on photos/identities), so, as LFW's different-person pairs are drawn, two faces of
 * two units known by their library's people are taken for two people: training draws such
 * pairs beside the answered ones, and the held-out evaluation adds, for two held-out units,
 * as many pairs as the smaller has crops (the report says how many are answers, how many drawn).
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

/** A unit of the split known by a library's person: its crops (extra-image indices). */
export type ExtraUnit = number[];

export interface ExtraLabels {
  dir: string;
  /** The crops' images, in extra-image order (cache keys `extra:<sha256>`). */
  sources: CacheSource[];
  fit: ExtraPair[];
  /** The fit side's units known by a person: training draws "different" pairs across them. */
  fitUnits: ExtraUnit[];
  /** The held-out pairs: the answered ones, then "different" pairs drawn across two held-out units known by a person. */
  heldOut: ExtraPair[];
  /** Of heldOut, how many are answered (the rest are drawn across units). */
  heldOutAnswered: number;
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
export interface ExtraSplit {
  fit: TrainingPair[];
  heldOut: TrainingPair[];
  /** Units known by a person on each side, as lists of crop hashes. */
  fitUnits: string[][];
  heldOutUnits: string[][];
  dropped: number;
  splitBy: ExtraLabels['splitBy'];
  units: ExtraLabels['units'];
}

export function splitExtraPairs(pairs: readonly TrainingPair[], heldOutShare = EXTRA_HELD_OUT_SHARE): ExtraSplit {
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

  // Units known by a person: those a "person:" node joined.
  const personUnits = new Set<string>();
  for (const p of pairs) for (const id of [p.identityA, p.identityB]) if (id !== null) personUnits.add(find(`person:${id}`));
  const splitWith = (salt: number): Omit<ExtraSplit, 'splitBy'> => {
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
    const known = new Map<string, string[]>();
    for (const [crop, unit] of [...cropUnits].sort((x, y) => (x[0] < y[0] ? -1 : 1))) if (personUnits.has(unit)) known.set(unit, [...(known.get(unit) ?? []), crop]);
    const fitUnits: string[][] = [], heldOutUnits: string[][] = [];
    for (const crops of known.values()) (held(crops[0]!) ? heldOutUnits : fitUnits).push(crops);
    return { fit, heldOut, fitUnits, heldOutUnits, dropped, units: { fit: unitHex.size - heldUnits, heldOut: heldUnits } };
  };
  const usable = (s: Omit<ExtraSplit, 'splitBy'>): boolean => hasBothKinds(s.fit, s.fitUnits) && hasBothKinds(s.heldOut, s.heldOutUnits);
  let chosen = splitWith(0);
  for (let salt = 1; salt < SPLIT_TRIES && !usable(chosen); salt++) {
    const next = splitWith(salt);
    if (usable(next)) chosen = next;
  }
  return { ...chosen, splitBy };
}

/** A side of the split can teach and measure: "same" pairs, and "different" ones answered or drawn across two units. */
function hasBothKinds(part: readonly TrainingPair[], units: readonly string[][]): boolean {
  return part.some((p) => p.same) && (part.some((p) => !p.same) || units.length >= 2);
}

/** The training set in `dir`, split for training: refuses one without both kinds of pair to learn from and to evaluate on. */
export function loadExtraLabels(dir: string, heldOutShare = EXTRA_HELD_OUT_SHARE): ExtraLabels {
  const set = readTrainingSet(dir);
  if (set.pairs.length === 0) throw new Error(`${dir} holds no imported labels: \`facepair labels import FILE.jsonl --into ${dir}\` first`);
  const split = splitExtraPairs(set.pairs, heldOutShare);
  if (!hasBothKinds(split.fit, split.fitUnits) || !hasBothKinds(split.heldOut, split.heldOutUnits)) {
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
  const heldOut = split.heldOut.map(toExtra);
  // Drawn "different" pairs across two held-out units: crop k of one with crop k of the other, as many as the smaller has.
  const units = split.heldOutUnits.map((u) => u.map(at));
  for (let i = 0; i < units.length; i++) {
    for (let j = i + 1; j < units.length; j++) {
      for (let k = 0; k < Math.min(units[i]!.length, units[j]!.length); k++) heldOut.push({ a: units[i]![k]!, b: units[j]![k]!, same: false, weight: 1 });
    }
  }
  return {
    dir,
    sources,
    fit: split.fit.map(toExtra),
    fitUnits: split.fitUnits.map((u) => u.map(at)),
    heldOut,
    heldOutAnswered: split.heldOut.length,
    dropped: split.dropped,
    splitBy: split.splitBy,
    units: split.units,
    imports: set.imports.length,
  };
}

/**
 * `n` pairs from the imported fit side, half "same" and half "different": "same" from the
 * answered pairs, "different" from the answered ones or (half the time, or always without
 * any) drawn across two units known by a person. Answered pairs are kept with the probability
 * of their weight (weak evidence is drawn less often). `offset` is where the extra images
 * start in the image cache. Their person is -1: never one of LFW's.
 */
export function sampleExtraPairs(extra: Pick<ExtraLabels, 'fit' | 'fitUnits'>, rng: Rng, n: number, offset: number): Array<[Sample, Sample, boolean]> {
  const same = extra.fit.filter((p) => p.same), different = extra.fit.filter((p) => !p.same);
  const units = extra.fitUnits;
  const out: Array<[Sample, Sample, boolean]> = [];
  while (out.length < n) {
    const wantSame = same.length > 0 && out.length % 2 === 0;
    if (!wantSame && units.length >= 2 && (different.length === 0 || rng.next() < 0.5)) {
      const u = rng.int(units.length);
      let v = rng.int(units.length - 1);
      if (v >= u) v++;
      out.push([{ i: offset + rng.pick(units[u]!), person: -1 }, { i: offset + rng.pick(units[v]!), person: -1 }, false]);
      continue;
    }
    const p = rng.pick(wantSame || different.length === 0 ? same : different);
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
