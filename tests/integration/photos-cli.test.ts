import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FoundPhoto } from '../../src-main/core/people/photo-finder.js';
import { runCli, runCliJson } from '../support/cli.js';
import { FaceDb, vec } from '../support/face-db.js';

// `facepair photos` and `facepair people --csv` on a library written directly (no ML): what a
// user reads on the terminal or hands to a spreadsheet.

let lib: FaceDb;
const photo: Record<string, number> = {};

beforeAll(() => {
  lib = new FaceDb('photos-cli');
  const anna = lib.addPerson({ name: 'Anna' });
  // A name that needs quoting in CSV: a comma, quotes and a line break.
  const ben = lib.addPerson({ name: 'Ben "Benno", Jr.\nthe second' });
  const stranger = lib.addPerson();
  const add = (name: string, people: number[]): void => {
    photo[name] = lib.addPhoto();
    for (const p of people) lib.addFace(vec([0, 1]), { person: p, photo: photo[name] });
  };
  add('together', [anna, ben]);
  add('annaAlone', [anna]);
  add('withStranger', [ben, stranger]);
  add('noFaces', []);
  lib.db.prepare('UPDATE photos SET taken_at = NULL, mtime_ms = ? WHERE id = ?').run(Date.UTC(2019, 4, 2, 8, 15), photo.noFaces);
  lib.db.close();
});

afterAll(() => lib.close());

const photos = (...args: string[]): FoundPhoto[] => runCliJson<FoundPhoto[]>(['photos', '--db', lib.file, ...args]);

describe('facepair photos', () => {
  it('lists every photo newest first with its date and people, and filters by who is in it', () => {
    const all = photos();
    expect(all.map((p) => p.id)).toEqual([photo.withStranger, photo.annaAlone, photo.together, photo.noFaces]);
    expect(all[3]).toMatchObject({ path: '/photos/p4.jpg', dateSource: 'file', date: '2019-05-02T08:15:00.000Z', faces: 0 });
    expect(photos('--with', 'anna', '--with', 'Ben "Benno", Jr.\nthe second').map((p) => p.id)).toEqual([photo.together]);
    expect(photos('--with', 'Anna', '--without', 'Ben "Benno", Jr.\nthe second').map((p) => p.id)).toEqual([photo.annaAlone]);
    expect(photos('--unnamed').map((p) => p.id)).toEqual([photo.withStranger]);
    expect(photos('--no-faces').map((p) => p.id)).toEqual([photo.noFaces]);
  });

  it('prints one line per photo for people to read', () => {
    const r = runCli(['photos', '--db', lib.file, '--with', 'Anna']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^2020-01-03 00:00 {2}\/photos\/p2\.jpg {2}Anna$/);
    expect(lines[2]).toBe('2 photos');
    expect(runCli(['photos', '--db', lib.file, '--no-faces']).stdout).toContain('2019-05-02 08:15 (file time)  /photos/p4.jpg  no faces');
  });

  it('refuses a name nobody has, suggesting the close ones', () => {
    const r = runCli(['photos', '--db', lib.file, '--with', 'Ana']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('facepair: Nobody is named "Ana": did you mean "Anna"?\n');
    expect(r.stdout).toBe('');
  });
});

describe('facepair people --csv', () => {
  it('writes one quoted line per face that a CSV reader splits back into the same fields', () => {
    const r = runCli(['people', '--db', lib.file, '--csv']);
    expect(r.code).toBe(0);
    const rows = parseCsv(r.stdout);
    expect(rows[0]).toEqual(['person_id', 'name', 'face_id', 'photo', 'x', 'y', 'width', 'height', 'score']);
    const names = rows.slice(1).map((row) => row[1]);
    expect(names.filter((n) => n === 'Ben "Benno", Jr.\nthe second')).toHaveLength(2);
    expect(names.filter((n) => n === 'Anna')).toHaveLength(2);
    expect(names.filter((n) => n === '')).toHaveLength(1);
    expect(rows.slice(1).every((row) => row.length === 9)).toBe(true);
    expect(runCli(['people', '--db', lib.file, '--csv', '--json']).stderr).toContain('Choose one of --json and --csv');
  });
});

/** A strict RFC 4180 reader (quoted fields, doubled quotes, CRLF), independent of the writer. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else if (c === '\n') {
      throw new Error(`a bare line feed outside quotes at ${i}`);
    } else {
      field += c;
    }
  }
  if (field !== '' || row.length > 0) throw new Error('the last line does not end with CRLF');
  return rows;
}
