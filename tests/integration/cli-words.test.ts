import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultSeedModelDir } from '../../src-main/core/embedding/seed/seed-embedder.js';
import { runCli } from '../support/cli.js';
import { GROUPS, IDENTITIES, tempDir } from '../support/paths.js';

// What a home user reads in the terminal: the scan's progress and summary in plain words
// (right plurals, no NaN or Infinity, a time left only when known, photos counted as photos,
// totals said to be the whole library's), the next step, `status` and `--help`.

const dir = tempDir('cli-words');
const db = path.join(dir, 'library.db');
const portraits = path.join(dir, 'portraits');
const groups = path.join(dir, 'groups');
let first: { code: number | null; stdout: string; stderr: string };
let second: { code: number | null; stdout: string; stderr: string };

/** Words that must never reach a user. */
const JARGON = /NaN|Infinity|undefined|null|ETA|NFs|LLs|ML backend|wasm\b/;
/** "1 faces", "1 photos", "1 people", "0 person"… */
const WRONG_PLURAL = /(?<![\d,.])1 (faces|photos|people|workers)\b|(?<![\d,.])(?:[02-9]|\d{2,}) (face|photo|person|worker)\b/;

beforeAll(() => {
  // One portrait: "1 face in 1 photo"; then a folder of group photos beside their XML files.
  mkdirSync(portraits);
  copyFileSync(path.join(IDENTITIES, 'id01', 'img1.jpg'), path.join(portraits, 'img1.jpg'));
  mkdirSync(groups);
  for (const f of ['deepface_couple.jpg', 'opencv-course_park_NO_FACES.jpg']) copyFileSync(path.join(GROUPS, f), path.join(groups, f));
  for (const f of ['training.xml', 'testing.xml']) copyFileSync(path.join(GROUPS, 'dlib-examples-faces', f), path.join(groups, f));
  first = runCli(['scan', portraits, '--db', db]);
  second = runCli(['scan', groups, '--db', db]);
}, 600_000);

describe('facepair scan says what it did in plain words', () => {
  it('one portrait: "1 face" in "1 photo", without NaN, Infinity or jargon', () => {
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/In this folder: 1 photo \(1 new\); 1 face found in the 1 photo read now\./);
    expect(first.stdout).not.toMatch(JARGON);
    expect(first.stdout).not.toMatch(WRONG_PLURAL);
    expect(first.stderr).not.toMatch(JARGON);
  });

  it('a second folder: counts its photos (not its XML files), and says when totals are the whole library\'s', () => {
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/In this folder: 2 photos \(2 new\)/);
    expect(second.stdout).toMatch(/In the whole library: 3 photos, \d+ faces, \d+ people/);
    // The people split as the People screen shows them, and the parts add up.
    const split = /In the whole library: .*?(\d+) people(?: \(\d+ new\))?: (\d+) named or seen at least twice, (\d+) seen only once(?:, (\d+) hidden)?\./.exec(second.stdout);
    expect(split).not.toBeNull();
    expect(Number(split![2]) + Number(split![3]) + Number(split![4] ?? 0)).toBe(Number(split![1]));
    expect(second.stdout).not.toMatch(JARGON);
    expect(second.stdout).not.toMatch(WRONG_PLURAL);
    // The progress (stderr when it is a terminal; nothing otherwise) never counts the XML files.
    expect(second.stderr).not.toMatch(/of 4 /);
    expect(second.stderr).not.toMatch(JARGON);
  });

  it('ends with what to do next', () => {
    for (const run of [first, second]) {
      const lines = run.stdout.trim().split('\n');
      expect(lines.at(-1)).toBe('Next: open the window with `npm start`, or list the people with `facepair people`.');
    }
  });

  it('says which engine found the faces in words', () => {
    expect(second.stdout).toMatch(/Faces were found with (TensorFlow|plain JavaScript|onnxruntime, every face model)/);
  });
});

describe('facepair status and people', () => {
  it('status starts with the photos, not with a bare path, and names the database', () => {
    const r = runCli(['status', '--db', db]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^Photos: 3 read, 0 waiting to be read, 0 failed, 0 no longer there$/);
    expect(lines[1]).toMatch(/^Faces: \d+, in \d+ (person|people): \d+ named or seen at least twice, \d+ seen only once$/);
    expect(r.stdout).toMatch(/^Library database: /m);
    expect(r.stdout).not.toMatch(WRONG_PLURAL);
  });

  it('people counts faces and photos with the right plurals', () => {
    const r = runCli(['people', '--db', db]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/: 1 face in 1 photo$/m);
    expect(r.stdout).not.toMatch(WRONG_PLURAL);
  });
});

describe('facepair --help', () => {
  it('lists the everyday commands first, and the model development ones after, under their own heading', () => {
    const help = runCli(['--help']).stdout;
    const everyday = help.indexOf('Everyday commands:');
    const development = help.indexOf('For model development:');
    expect(everyday).toBeGreaterThan(-1);
    expect(development).toBeGreaterThan(everyday);
    for (const c of ['scan', 'people', 'status', 'serve', 'learn']) expect(help.slice(everyday, development)).toMatch(new RegExp(`\\n  ${c} `));
    for (const c of ['train-seed', 'train-fused', 'train-seed-score', 'eval', 'eval-groups']) expect(help.slice(development)).toMatch(new RegExp(`\\n  ${c} `));
  });

  it("train-seed writes outside the app's own model folder unless told to", () => {
    const help = runCli(['train-seed', '--help']).stdout.replace(/\s+/g, ' ');
    const out = /--out <folder> (.*?)\(default: "([^"]+)"\)/.exec(help);
    expect(out).not.toBeNull();
    expect(path.resolve(out![2]!)).not.toBe(path.resolve(defaultSeedModelDir()));
  });
});
