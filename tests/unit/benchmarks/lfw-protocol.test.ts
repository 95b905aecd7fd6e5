import { describe, expect, it } from 'vitest';

import {
  devTestPeople,
  devTrainPairs,
  devTrainPeople,
  imageKey,
  isValidationPerson,
  lfwDataset,
  parsePairs,
  parsePeople,
  testPairs,
} from '../../../src-main/core/benchmarks/lfw/lfw-protocol.js';
import { LFW } from '../../support/paths.js';

describe('LFW protocol files', () => {
  it('parses a View 2 style file: folds of matched then mismatched pairs', () => {
    const text = '2\t1\nAnn\t1\t2\nBob\t1\tCid\t3\nDee\t2\t4\nEve\t1\tFay\t1\n';
    const { folds, perFold, pairs } = parsePairs(text);
    expect({ folds, perFold }).toEqual({ folds: 2, perFold: 1 });
    expect(pairs).toEqual([
      { a: { name: 'Ann', n: 1 }, b: { name: 'Ann', n: 2 }, same: true, fold: 0 },
      { a: { name: 'Bob', n: 1 }, b: { name: 'Cid', n: 3 }, same: false, fold: 0 },
      { a: { name: 'Dee', n: 2 }, b: { name: 'Dee', n: 4 }, same: true, fold: 1 },
      { a: { name: 'Eve', n: 1 }, b: { name: 'Fay', n: 1 }, same: false, fold: 1 },
    ]);
    expect(imageKey(pairs[0]!.a)).toBe('Ann/Ann_0001.jpg');
  });

  it('refuses a file whose pair kinds or counts do not match its header', () => {
    expect(() => parsePairs('1\nBob\t1\tCid\t3\nAnn\t1\t2\n')).toThrow(/mismatched pair where/);
    expect(() => parsePairs('2\nAnn\t1\t2\n')).toThrow(/expected 5 lines/);
    expect(() => parsePairs('1\nAnn\tx\t2\nBob\t1\tCid\t3\n')).toThrow(/bad image number/);
  });

  it('parses people files, including people.txt with one block per fold', () => {
    expect(parsePeople('2\nAnn\t3\nBob\t1\n1\nCid\t2\n')).toEqual([
      { name: 'Ann', images: 3 },
      { name: 'Bob', images: 1 },
      { name: 'Cid', images: 2 },
    ]);
  });

  it('reads the real files: 6000 View 2 pairs in 10 folds, 1000 DevTest and 2200 DevTrain pairs', () => {
    const ds = lfwDataset(LFW);
    const v2 = testPairs(ds, 'view2');
    expect(v2).toHaveLength(6000);
    expect(new Set(v2.map((p) => p.fold)).size).toBe(10);
    expect(v2.filter((p) => p.same)).toHaveLength(3000);
    expect(testPairs(ds, 'view1')).toHaveLength(1000);
    expect(devTrainPairs(ds)).toHaveLength(2200);
  });

  it('keeps View 1 people apart: DevTrain and DevTest share nobody, validation people are a stable tenth', () => {
    const ds = lfwDataset(LFW);
    const train = devTrainPeople(ds);
    const test = new Set(devTestPeople(ds).map((p) => p.name));
    expect(train).toHaveLength(4038);
    expect(train.reduce((s, p) => s + p.images, 0)).toBe(9525);
    expect(train.filter((p) => test.has(p.name))).toEqual([]);
    for (const p of testPairs(ds, 'view1')) {
      expect(test.has(p.a.name) && test.has(p.b.name)).toBe(true);
    }
    const val = train.filter((p) => isValidationPerson(p.name));
    expect(val.length / train.length).toBeGreaterThan(0.08);
    expect(val.length / train.length).toBeLessThan(0.12);
    expect(isValidationPerson(val[0]!.name)).toBe(true);
  });
});
