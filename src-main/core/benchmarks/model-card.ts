import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';

/**
 * Replaces the text between `<!-- NAME:begin ... -->` and `<!-- NAME:end -->` in a model card
 * (the markers stay). Returns false when the file or its markers are missing.
 */
export async function replaceCardSection(file: string, name: string, body: string): Promise<boolean> {
  if (!existsSync(file)) return false;
  const text = await readFile(file, 'utf8');
  const begin = new RegExp(`<!-- ${name}:begin[^>]*-->`);
  const m = begin.exec(text);
  const endMarker = `<!-- ${name}:end -->`;
  const e = text.indexOf(endMarker);
  if (m === null || e < m.index) return false;
  const head = text.slice(0, m.index + m[0].length);
  await writeFile(file, `${head}\n${body.trim()}\n${text.slice(e)}`);
  return true;
}
