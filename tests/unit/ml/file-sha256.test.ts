import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
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
});
