import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PhotoFinder, UnknownPersonError, type FoundPhoto } from '../../../src-main/core/people/photo-finder.js';
import { PHOTO_DATE_SQL } from '../../../src-main/core/db/photo-listing.repository.js';
import { FaceDb, vec } from '../../support/face-db.js';

// The queries behind `facepair photos` and the Photos screen, on a real SQLite library written
// directly: who is in each photo decides whether it is listed, newest first.

let lib: FaceDb;
let finder: PhotoFinder;
let photo: Record<string, number>;
let person: Record<string, number>;

beforeEach(() => {
  lib = new FaceDb('photo-finder');
  finder = new PhotoFinder(lib.db);
  person = {
    anna: lib.addPerson({ name: 'Anna' }),
    ben: lib.addPerson({ name: 'Ben' }),
    cleo: lib.addPerson({ name: 'Cléo' }),
    stranger: lib.addPerson(),
    hiddenStranger: lib.addPerson({ hidden: true }),
  };
  // Photos are dated one day apart in the order they are added.
  photo = {};
  const add = (name: string, people: string[]): void => {
    photo[name] = lib.addPhoto();
    for (const p of people) lib.addFace(vec([0, 1]), { person: person[p]!, photo: photo[name] });
  };
  add('annaBen', ['anna', 'ben']);
  add('anna', ['anna']);
  add('annaBenCleo', ['anna', 'ben', 'cleo']);
  add('benStranger', ['ben', 'stranger']);
  add('empty', []);
  add('hiddenOnly', ['hiddenStranger']);
  add('gone', ['anna', 'ben']);
  lib.setPhotoStatus(photo.gone!, 'gone');
  add('benLost', ['anna', 'ben']);
  // Ben's face there was not found again by a re-analysis: it no longer puts Ben in the photo.
  lib.db.prepare('UPDATE faces SET lost_at = ? WHERE photo_id = ? AND person_id = ?').run(new Date().toISOString(), photo.benLost, person.ben);
});

afterEach(() => lib.close());

const ids = (photos: Iterable<FoundPhoto>): number[] => [...photos].map((p) => p.id);
const find = (query: Parameters<PhotoFinder['filterByName']>[0]): number[] => ids(finder.all(finder.filterByName(query)));

describe('photos by who is in them', () => {
  it('lists every present photo newest first, faces or not', () => {
    const all = [...finder.all({})];
    expect(ids(all)).toEqual([photo.benLost, photo.hiddenOnly, photo.empty, photo.benStranger, photo.annaBenCleo, photo.anna, photo.annaBen]);
    expect(all.map((p) => p.date)).toEqual([...all.map((p) => p.date)].sort().reverse());
    expect(finder.count({})).toBe(7);
  });

  it('--with A --with B: only photos of both together', () => {
    expect(find({ with: ['Anna', 'Ben'] })).toEqual([photo.annaBenCleo, photo.annaBen]);
    expect(find({ with: ['Anna'] })).toEqual([photo.benLost, photo.annaBenCleo, photo.anna, photo.annaBen]);
  });

  it('--without leaves out photos showing that person', () => {
    expect(find({ with: ['Anna', 'Ben'], without: ['Cléo'] })).toEqual([photo.annaBen]);
    expect(find({ with: ['Anna'], without: ['Ben'] })).toEqual([photo.benLost, photo.anna]);
  });

  it('--unnamed: photos with a face nobody has named, hidden people aside', () => {
    expect(find({ unnamed: true })).toEqual([photo.benStranger]);
  });

  it('--no-faces: photos where no face was found', () => {
    expect(find({ noFaces: true })).toEqual([photo.empty]);
    expect(find({ noFaces: true, with: ['Anna'] })).toEqual([]);
  });

  it('matches names without regard to case or accents, and counts everyone who carries a name', () => {
    expect(find({ with: ['  anna '] })).toEqual(find({ with: ['Anna'] }));
    expect(find({ with: ['CLEO'] })).toEqual([photo.annaBenCleo]);
    const secondBen = lib.addPerson({ name: 'ben' });
    const p = lib.addPhoto();
    lib.addFace(vec([0, 1]), { person: secondBen, photo: p });
    lib.addFace(vec([0, 1]), { person: person.anna!, photo: p });
    expect(find({ with: ['Anna', 'Ben'] })).toEqual([p, photo.annaBenCleo, photo.annaBen]);
  });

  it('says which names come close when a name matches nobody', () => {
    let err: unknown;
    try {
      finder.filterByName({ with: ['Anna', 'Anan'] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnknownPersonError);
    expect((err as UnknownPersonError).suggestions).toEqual(['Anna']);
    expect((err as Error).message).toBe('Nobody is named "Anan": did you mean "Anna"?');
    expect(() => finder.filterByName({ without: ['Zebedee'] })).toThrow(/Nobody is named "Zebedee": see `facepair people`/);
    expect(() => finder.filterByName({ with: ['cle'] })).toThrow(/did you mean "Cléo"/);
  });

  it('tells who is in each photo, named people by name and the rest as a count', () => {
    const byId = new Map([...finder.all({})].map((p) => [p.id, p]));
    expect(byId.get(photo.annaBenCleo!)).toMatchObject({ faces: 3, unnamedFaces: 0, people: [{ name: 'Anna' }, { name: 'Ben' }, { name: 'Cléo' }] });
    expect(byId.get(photo.benStranger!)).toMatchObject({ faces: 2, unnamedFaces: 1, people: [{ id: person.ben, name: 'Ben' }] });
    expect(byId.get(photo.benLost!)).toMatchObject({ faces: 1, people: [{ name: 'Anna' }] });
    expect(byId.get(photo.empty!)).toMatchObject({ faces: 0, unnamedFaces: 0, people: [] });
  });

  it('dates a photo without a taken date by its file time, in the same order', () => {
    const later = Date.UTC(2031, 5, 1, 12, 30);
    lib.db.prepare('UPDATE photos SET taken_at = NULL, mtime_ms = ? WHERE id = ?').run(later, photo.anna);
    const first = [...finder.all({})][0]!;
    expect(first).toMatchObject({ id: photo.anna, takenAt: null, dateSource: 'file', date: '2031-06-01T12:30:00.000Z' });
    expect(finder.months({}).slice(0, 1)).toEqual([{ month: '2031-06', photos: 1 }]);
  });

  it('pages by keyset and by offset give the same order as one page', () => {
    const whole = ids(finder.page({}, { offset: 0 }, 100));
    expect(ids(finder.all({}, 2))).toEqual(whole);
    expect(ids(finder.page({}, { offset: 3 }, 2))).toEqual(whole.slice(3, 5));
    expect(finder.months({}).reduce((n, m) => n + m.photos, 0)).toBe(whole.length);
  });

  it('reads photos by date through the index of migration 12, without sorting them', () => {
    const plan = lib.db
      .prepare(`EXPLAIN QUERY PLAN SELECT id FROM photos INDEXED BY photos_by_date WHERE status = 'done' ORDER BY ${PHOTO_DATE_SQL} DESC, id DESC LIMIT 10`)
      .all() as Array<{ detail: string }>;
        expect(plan.map((r) => r.detail).join('\n')).not.toMatch(/TEMP B-TREE/);
  });
});
