import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { fileSha256 } from '../../../src-main/core/ml/file-sha256.js';
import { tempDir } from '../../support/paths.js';

const sha = (bytes: string): string => createHash('sha256').update(bytes).digest('hex');

describe('fileSha256', () => {
  it("is the file's sha256, and a changed file's new one", async () => {
    const file = path.join(tempDir('file-sha256'), 'weights.bin');
    writeFileSync(file, 'first weights');
    expect(await fileSha256(file)).toBe(sha('first weights'));
    expect(await fileSha256(file)).toBe(sha('first weights'));
    writeFileSync(file, 'other weights, longer');
    expect(await fileSha256(file)).toBe(sha('other weights, longer'));
  });

  it('fails for a missing file, and reads it once it is there', async () => {
    const file = path.join(tempDir('file-sha256-missing'), 'weights.bin');
    await expect(fileSha256(file)).rejects.toThrow();
    writeFileSync(file, 'now here');
    expect(await fileSha256(file)).toBe(sha('now here'));
  });

  // A fresh copy of the module: a new thread's (or run's) empty memory of hashes.
  const freshModule = async (): Promise<typeof import('../../../src-main/core/ml/file-sha256.js')> => {
    vi.resetModules();
    return import('../../../src-main/core/ml/file-sha256.js');
  };

  it('keeps hashes between runs where asked, used only for the same state of the same file', async () => {
    const dir = tempDir('file-sha256-store');
    const store = path.join(dir, 'hashes.json');
    const file = path.join(dir, 'weights.bin');
    writeFileSync(file, 'first weights');
    const first = await freshModule();
    first.keepFileHashesIn(store);
    expect(await first.fileSha256(file)).toBe(sha('first weights'));
    const kept = JSON.parse(readFileSync(store, 'utf8')) as Record<string, { sha256: string }>;
    expect(kept[path.resolve(file)]?.sha256).toBe(sha('first weights'));

    // A later run takes the kept hash without reading the file: shown by a kept hash changed by hand.
    kept[path.resolve(file)]!.sha256 = sha('what the store says');
    writeFileSync(store, JSON.stringify(kept));
    const second = await freshModule();
    second.keepFileHashesIn(store);
    expect(await second.fileSha256(file)).toBe(sha('what the store says'));

    // The file written again (same size): its new state is not the kept one, so it is read.
    writeFileSync(file, 'other weights');
    const third = await freshModule();
    third.keepFileHashesIn(store);
    expect(await third.fileSha256(file)).toBe(sha('other weights'));

    // Without a store nothing kept is used.
    const fourth = await freshModule();
    expect(await fourth.fileSha256(file)).toBe(sha('other weights'));
  });

  it('reads the file when the store is damaged, and writes a good one', async () => {
    const dir = tempDir('file-sha256-damaged');
    const store = path.join(dir, 'hashes.json');
    const file = path.join(dir, 'weights.bin');
    writeFileSync(file, 'weights');
    writeFileSync(store, '{"half a');
    const m = await freshModule();
    m.keepFileHashesIn(store);
    expect(await m.fileSha256(file)).toBe(sha('weights'));
    expect((JSON.parse(readFileSync(store, 'utf8')) as Record<string, { sha256: string }>)[path.resolve(file)]?.sha256).toBe(sha('weights'));
  });
});
