// What the command line says, in plain words: counts with their right plural, times only when
// known, and the backends by what they mean for the user.
import os from 'node:os';
import path from 'node:path';
import type { PeopleCounts } from '../core/db/people.repository.js';
import type { ScanSummary } from '../core/scan/scan-pipeline.js';

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

/** "12 s", "3 min", "1 h 5 min"; null when the time is not known (no rate yet, or not finite). */
export function timeLeft(seconds: number | null | undefined): string | null {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return null;
  if (seconds < 1) return 'less than a second';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.round(seconds / 60);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** A path under the home folder written with `~`, as the user would type it. */
export function homePath(p: string): string {
  const home = os.homedir();
  return p === home ? '~' : p.startsWith(home + path.sep) ? `~${p.slice(home.length)}` : p;
}

/** "1 named or seen at least twice, 3 seen only once, 1 hidden": the people as the window's People screen splits them. */
export function peopleSplit(c: PeopleCounts): string {
  const times = (n: number): string => (n === 2 ? 'twice' : `${n.toLocaleString('en')} times`);
  const parts = [
    `${c.people.toLocaleString('en')} named or seen at least ${times(c.minFaces)}`,
    `${c.others.toLocaleString('en')} seen ${c.minFaces === 2 ? 'only once' : `fewer than ${times(c.minFaces)}`}`,
  ];
  if (c.hidden > 0) parts.push(`${c.hidden.toLocaleString('en')} hidden`);
  return parts.join(', ');
}

/** What ran the face models, for a user ('wasm+onnxruntime': the landmark and descriptor nets on onnxruntime; 'onnxruntime': every net there, TF.js's second look never needed). */
export function backendWords(backend: string): string {
  const [tfjs = '', ...others] = backend.split('+');
  if (tfjs === 'onnxruntime') return 'onnxruntime, every face model (TensorFlow was not needed)';
  const words = tfjsWords(tfjs);
  return others.includes('onnxruntime') ? `${words}, landmarks and descriptors on onnxruntime` : words;
}

function tfjsWords(backend: string): string {
  switch (backend) {
    case 'tensorflow':
      return 'TensorFlow (native, fast)';
    case 'wasm':
      return 'TensorFlow in WebAssembly (works everywhere; the native TensorFlow package would be faster)';
    case 'cpu':
      return 'plain JavaScript (slow: neither native TensorFlow nor WebAssembly could load)';
    default:
      return backend;
  }
}

/** Which face detector ran, for a user. */
export function detectorWords(detector: string): string {
  switch (detector) {
    case 'blazeface':
      return 'BlazeFace on onnxruntime (whole photo and 2x2 tiles)';
    case 'ssd':
      return 'SSD MobileNet v1 on TensorFlow.js';
    default:
      return detector;
  }
}

export const NEXT_STEP = 'Next: open the window with `npm start`, or list the people with `facepair people`.';

/** The scan's summary: this folder first, then the whole library (said so), then what to do next. */
export function scanSummaryText(s: ScanSummary): string {
  const i = s.index;
  const inFolder = i.added + i.changed + i.moved + i.unchanged;
  const news = [
    i.added > 0 ? `${i.added.toLocaleString('en')} new` : '',
    i.changed > 0 ? `${i.changed.toLocaleString('en')} changed` : '',
    i.moved > 0 ? `${i.moved.toLocaleString('en')} moved` : '',
    i.gone > 0 ? `${i.gone.toLocaleString('en')} no longer there` : '',
  ].filter((x) => x !== '');
  const a = s.analysis;
  const lines = [
    `Scanned ${s.folders.map(homePath).join(', ')} in ${timeLeft(s.seconds) ?? 'no time'}.`,
    `  In ${s.folders.length === 1 ? 'this folder' : 'these folders'}: ${plural(inFolder, 'photo')}${news.length > 0 ? ` (${news.join(', ')})` : ''}; ` +
      (a.done > 0 ? `${plural(a.faces, 'face')} found in the ${plural(a.done, 'photo')} read now.` : 'nothing new to read.'),
    `  In the whole library: ${plural(s.photos, 'photo')}, ${plural(s.faces, 'face')}, ${plural(s.people, 'person', 'people')}` +
      `${s.grouping.newPeople > 0 ? ` (${s.grouping.newPeople.toLocaleString('en')} new)` : ''}${s.people > 0 ? `: ${peopleSplit(s.peopleCounts)}` : ''}.`,
  ];
  if (a.copies > 0) lines.push(`  ${plural(a.copies, 'photo')} ${a.copies === 1 ? 'is an exact copy' : 'are exact copies'} of one already read: its faces were reused, not looked for again.`);
  if (s.errors > 0) lines.push(`  ${plural(s.errors, 'photo')} could not be read: \`facepair status\` lists them with the reason.`);
  if (s.tags && s.tags.regions + s.tags.errors.length > 0) {
    const t = s.tags;
    lines.push(
      `  Names from XMP tags: ${plural(t.regions, 'face region')} in ${plural(t.photosRead, 'photo')}: ${plural(t.named, 'face')} named, ${t.already.toLocaleString('en')} already so, ` +
        `${t.keptYours.toLocaleString('en')} kept as you named them, ${t.unmatched.toLocaleString('en')} not matched to a face found${t.unmatched > 0 ? ' (`facepair status` lists them)' : ''}.`,
    );
    for (const e of t.errors) lines.push(`  Cannot read the XMP of ${homePath(e.file)}: ${e.error}`);
  }
  if (a.backend) {
    const detector = a.detector ? `; detector: ${detectorWords(a.detector)}` : '';
    lines.push(`  Faces were found with ${backendWords(a.backend)}, ${plural(a.workers, 'worker')} at once${detector}.`);
  }
  lines.push(NEXT_STEP);
  return lines.join('\n') + '\n';
}
