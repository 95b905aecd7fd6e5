import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** SHA-256 of the file's bytes: how a moved or renamed photo is recognised. */
export function hashFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')));
  });
}
