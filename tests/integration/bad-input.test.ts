import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../support/cli.js';
import { copyInto, writeBadFiles } from '../support/bad-files.js';
import { IDENTITIES, tempDir } from '../support/paths.js';

describe('a scan over bad files', () => {
  it('records each bad file with a clear message and goes on with the good ones', () => {
    const root = tempDir('bad');
    const lib = path.join(root, 'photos');
    const bad = writeBadFiles(path.join(lib, 'junk'), path.join(IDENTITIES, 'id01/img1.jpg'));
    copyInto(lib, path.join(IDENTITIES, 'id01/img2.jpg'), 'good-1.jpg');
    copyInto(lib, path.join(IDENTITIES, 'id03/img47.jpg'), 'webp-named-jpg.jpg');
    const db = path.join(root, 'library.db');
    const scan = runCli(['scan', lib, '--db', db, '--json']);
    expect(scan.code).toBe(0);
    const status = runCliJson<{ photos: Record<string, number>; errors: Array<{ path: string; error: string }> }>(['status', '--db', db]);
    expect(status.photos.done).toBe(2);
    const errorOf = (name: string): string | undefined => status.errors.find((e) => e.path.endsWith(name))?.error;
    expect(errorOf(bad.empty!)).toMatch(/empty/);
    expect(errorOf(bad.truncated!)).toMatch(/truncated|corrupt/);
    expect(errorOf(bad.corrupt!)).toMatch(/corrupt|truncated/);
    expect(errorOf(bad.text!)).toMatch(/not an image|not a supported image/);
    expect(errorOf(bad.huge!)).toMatch(/too large/);
    expect(status.errors).toHaveLength(5); // notes.txt is not a photo: ignored, not an error
  });
});
