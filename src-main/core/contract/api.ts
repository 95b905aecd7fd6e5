// The one API between the window and the main process: each method's parameters and result
// as zod schemas, and the events pushed to the window. The HTTP server and Electron's IPC are
// two transports for it; the renderer imports only the types from here.
import { z } from 'zod';

const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const none = z.object({}).strict();
/** [x, y, width, height] in pixels of the upright photo. */
const box = z.tuple([z.number(), z.number(), z.number(), z.number()]);

export const personSummary = z.object({
  id,
  name: z.string().nullable(),
  hidden: z.boolean(),
  /** The face shown for the person: the one the user chose, else the clearest. */
  coverFaceId: id,
  faces: z.number().int().nonnegative(),
  photos: z.number().int().nonnegative(),
});

export const personFace = z.object({
  faceId: id,
  photoId: id,
  box,
  score: z.number(),
  takenAt: z.string().nullable(),
});

export const photoFace = z.object({
  faceId: id,
  box,
  personId: id.nullable(),
  personName: z.string().nullable(),
});

export const photoDetails = z.object({
  id,
  fileName: z.string(),
  /** Folder of the photo relative to the library (empty at its root); for display only. */
  folder: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  takenAt: z.string().nullable(),
  /** takenAt, else the file's time: the date the Photos screen files it under. */
  date: z.string(),
  faces: z.array(photoFace),
  /** Null when the window can show the photo; else why not (its file moved or deleted, or outside the library's folders). */
  unavailable: z.string().nullable(),
});

/** Which photos the photo browser shows; every filter given narrows the list. */
const photoFilter = z
  .object({
    /** Photos showing all of these people together. */
    withPeople: z.array(id).max(50, 'At most 50 people at once').optional(),
    /** Photos showing none of these people. */
    withoutPeople: z.array(id).max(50, 'At most 50 people at once').optional(),
    /** Photos with a face of nobody named (hidden people aside). */
    unnamed: z.boolean().optional(),
    /** Photos where no face was found. */
    noFaces: z.boolean().optional(),
  })
  .strict();

export const photoSummary = z.object({
  id,
  fileName: z.string(),
  /** When it was taken, else the file's time (ISO, UTC): what the photos are ordered by, newest first. */
  date: z.string(),
  dateSource: z.enum(['taken', 'file']),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  faces: z.number().int().nonnegative(),
  /** The named people in it. */
  people: z.array(z.object({ id, name: z.string() })),
  unnamedFaces: z.number().int().nonnegative(),
});

export const reviewFace = z.object({
  faceId: id,
  photoId: id,
  box,
  photoWidth: z.number().int().positive(),
  photoHeight: z.number().int().positive(),
  personId: id.nullable(),
  personName: z.string().nullable(),
  personFaces: z.number().int().nonnegative(),
});

/** Why the review asks about a pair, in what an answer changes (the window words it). */
export const reviewReason = z.discriminatedUnion('kind', [
  /** Two groups look alike: "same" merges them, "different" keeps them apart; `photos`: both groups', what one answer merges or separates. */
  z.object({ kind: z.literal('may-be-one-person'), photos: z.number().int().nonnegative() }),
  /**
   * The two faces are the weakest link of one person, who is on `otherPhotos` more photos:
   * "different" cuts the person there, and the `apart` photos on the far side leave together.
   */
  z.object({ kind: z.literal('may-be-two-people'), otherPhotos: z.number().int().nonnegative(), apart: z.number().int().nonnegative() }),
]);

export const reviewPair = z.object({
  a: reviewFace,
  b: reviewFace,
  /** Descriptor distance of the two faces; the grouping links faces below `threshold`. */
  distance: z.number(),
  threshold: z.number(),
  samePerson: z.boolean(),
  reason: reviewReason,
});

export const actionSummary = z.object({
  id,
  kind: z.string(),
  summary: z.string(),
  createdAt: z.string(),
});

export const scanState = z.object({
  status: z.enum(['idle', 'running', 'pausing', 'paused', 'cancelling']),
  /** The stage running, or where a paused scan stopped (null when idle). */
  stage: z.enum(['index', 'analyze', 'embed', 'group']).nullable(),
  /**
   * Progress of the stage: files checked (index); photos analysed in this library so far, of all
   * photos known (analyse); faces given their seed embedding, of those that need one (embed).
   */
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** While analysing: faces on the library's read photos so far (the Library's "faces" figure, live). */
  faces: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  /** Estimated seconds left in the analysis or embedding stage; null until there is a rate to go by. */
  etaSeconds: z.number().nonnegative().nullable(),
  startedAt: z.string().nullable(),
  /** The last finished (or stopped) scan. */
  last: z
    .object({
      finishedAt: z.string(),
      outcome: z.enum(['finished', 'paused', 'cancelled', 'failed']),
      photos: z.number().int().nonnegative(),
      faces: z.number().int().nonnegative(),
      people: z.number().int().nonnegative(),
      errors: z.number().int().nonnegative(),
      seconds: z.number().nonnegative(),
      message: z.string().nullable(),
    })
    .nullable(),
  /**
   * The scan shown runs in another process (a command-line `facepair scan`, another window) that
   * holds the library: its progress is shown here, it is paused or cancelled only there; null
   * for this window's own scan, or none.
   */
  elsewhere: z
    .object({
      pid: z.number().int().positive(),
      /** Its host when not this machine (a library on a shared disk), else null. */
      host: z.string().nullable(),
      /** How it was started, e.g. `facepair scan ~/Pictures`. */
      command: z.string(),
      fromCommandLine: z.boolean(),
    })
    .nullable(),
});

export const libraryFolder = z.object({
  /** Its real path. */
  path: z.string(),
  /** Photos of the library in it (analysed, waiting or failed). */
  photos: z.number().int().nonnegative(),
  /** Null when it can be read; else why not (a disk not plugged in, a folder refused as a library). */
  problem: z.string().nullable(),
});

export const folderMark = z.enum(['reference', 'preferred']);

/** A folder the user marked for the duplicates (a library folder or one inside it). */
export const markedFolder = z.object({
  /** Its real path. */
  path: z.string(),
  /** reference: its photos are never proposed for the trash; preferred: kept first among equal copies. */
  mark: folderMark,
  photos: z.number().int().nonnegative(),
});

export const libraryInfo = z.object({
  /** The folders the user added, in that order: scans read them, the window shows photos from them only. */
  folders: z.array(libraryFolder),
  /** Folders marked reference or preferred, by path. */
  marks: z.array(markedFolder),
  photos: z.object({
    done: z.number().int().nonnegative(),
    pending: z.number().int().nonnegative(),
    error: z.number().int().nonnegative(),
    /** No longer on disk, or in a removed folder. */
    gone: z.number().int().nonnegative(),
    /** Kept from removed folders (names and decisions included): back when their folder is added again. */
    removed: z.number().int().nonnegative(),
  }),
  faces: z.number().int().nonnegative(),
  people: z.number().int().nonnegative(),
  /** Files that failed, relative to their library folder (named first when there are several). */
  failures: z.array(z.object({ file: z.string(), error: z.string() })),
  scan: scanState,
});

const count = z.number().int().nonnegative();

/** How a recognition decided the answered pairs set aside for checking (never learned from). */
const heldOutFigures = z.object({
  /** How well it ranks the pairs by P(same person), 0.5 chance to 1 perfect; null when not measurable. */
  auc: z.number().nullable(),
  /** "Different" pairs it would put together. */
  falseMerges: count,
  /** "Same" pairs it would keep apart. */
  missedMerges: count,
});

const rocPoint = z.object({ fpr: z.number().min(0).max(1), tpr: z.number().min(0).max(1) });

export const learnedVersion = z.object({
  id,
  createdAt: z.string(),
  /** It measured no worse than the recognition before it, and was put to use when learned. */
  promoted: z.boolean(),
  active: z.boolean(),
  /** Learned on the installed model: only such a version can be put to use. */
  usable: z.boolean(),
  /** One sentence: why it was or was not put to use. */
  reason: z.string(),
  /** What it learned from: answers of each kind, pairs they imply, people, how the pairs were split, and answers left out (about faces no longer in the library). */
  labels: z.object({ same: count, different: count, implied: count, people: count, fit: count, heldOut: count, ignored: count }),
  /** The recognition in use when it was learned (version null: the shipped model), on the same held-out pairs. */
  before: heldOutFigures.extend({ version: id.nullable(), linkage: z.number() }),
  after: heldOutFigures.extend({ linkage: z.number() }),
  /** ROC curves of before and after on the held-out pairs; null for a version recorded without them. */
  roc: z.object({ before: z.array(rocPoint), after: z.array(rocPoint) }).nullable(),
});

const answerCounts = z.object({ same: count, different: count });

/** Faces no user decision covers, grouped again with the recognition now in use. */
const regrouping = z.object({ faces: count, newPeople: count, joinedExisting: count });

/** "Improve recognition" running in the background: its stage, and how the last run ended. */
export const learningJob = z.object({
  status: z.enum(['idle', 'running', 'cancelling']),
  /** The stage running: collecting the answers, fitting the head, calibrating the threshold, checking on the answers set aside, regrouping and saving. */
  stage: z.enum(['collecting', 'fitting', 'calibrating', 'evaluating', 'regrouping']).nullable(),
  /** The stage's place, 1 to `steps` (0 before the first). */
  step: count,
  steps: count,
  startedAt: z.string().nullable(),
  last: z
    .object({
      outcome: z.enum(['finished', 'cancelled', 'failed']),
      finishedAt: z.string(),
      /** Why the version was or was not put to use, or why the run stopped, in a sentence. */
      message: z.string(),
      versionId: id.nullable(),
      promoted: z.boolean(),
      regrouped: regrouping.nullable(),
    })
    .nullable(),
});

export const learningState = z.object({
  /** The user's answers (the labels table) by kind, and by where they were given. */
  answers: answerCounts.extend({
    bySource: z.array(answerCounts.extend({ source: z.enum(['review', 'merge', 'not-this-person', 'xmp-tags', 'other']) })),
  }),
  /** The fewest answers of each kind learning works from. */
  minimum: answerCounts,
  /** Improve recognition (or a switch of version) is running now. */
  running: z.boolean(),
  /** Improve recognition's background run: its stage now, or how the last one ended. */
  job: learningJob,
  /** Null when Improve recognition can run; else why not, in one sentence. */
  blockedBecause: z.string().nullable(),
  /** The version in use; null: the shipped model. */
  active: learnedVersion.nullable(),
  /** Every learned version, newest first. */
  versions: z.array(learnedVersion),
});

const answerSourceEnum = z.enum(['review', 'merge', 'not-this-person', 'xmp-tags', 'other']);
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'A date is YYYY-MM-DD');
const personRef = z.object({ id, name: z.string().nullable() }).nullable();

/** One answer (a labelled face pair), with the action that wrote it and the people its faces are in now. */
export const answerItem = z.object({
  id,
  faceA: id,
  faceB: id,
  same: z.boolean(),
  source: answerSourceEnum,
  createdAt: z.string(),
  /** The edit that wrote it (null for an answer from before actions were kept). */
  action: z.object({ id, summary: z.string() }).nullable(),
  personA: personRef,
  personB: personRef,
});

const personName = z
  .string()
  .max(200, 'A name has at most 200 characters')
  .transform((s) => s.trim().replace(/\s+/g, ' '))
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'A name cannot hold control characters');

const folder = z
  .string()
  .min(1, 'Give a folder')
  .max(4096, 'The folder path is too long')
  .refine((s) => !s.includes('\0'), 'The folder path cannot hold a NUL character');

const sidecarOutcomes = z.object({ created: count, merged: count, updated: count, unchanged: count, skipped: count });

/** What an export of the names as XMP sidecars did (or, in a dry run, would do). */
const tagsExportResult = z.object({
  dryRun: z.boolean(),
  destination: z.enum(['mirror', 'beside']),
  /** The mirror folder; null beside the photos. */
  out: z.string().nullable(),
  photos: count,
  regions: count,
  counts: sidecarOutcomes,
  /** Sidecars left alone, and why (changed by another program since the last export, a name clash). */
  skipped: z.array(z.object({ sidecar: z.string(), reason: z.string() })),
});

const faceIds = z.array(id).min(1, 'Choose at least one face').max(10_000, 'At most 10,000 faces at once');

/** Every method: its parameters and its result. */
/** Duplicates (exact, same, edited), similar shots, and RAW+JPEG of one shot (kept together, never trashed). */
export const duplicateClass = z.enum(['exact', 'same', 'edited', 'similar', 'raw-jpeg']);
const groupId = z.string().regex(/^[a-z][0-9a-f]{11}$/, 'A duplicate group id is a letter and 11 hex digits');

export const duplicateFile = z.object({
  photoId: id,
  fileName: z.string(),
  /** Folder relative to the library (empty at its root; absolute when outside it); for display only. */
  folder: z.string(),
  width: z.number().int().nonnegative(),
  height: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  format: z.string().nullable(),
  takenAt: z.string().nullable(),
  camera: z.string().nullable(),
  /** Why it is kept, or why it may go, in words. */
  reason: z.string(),
  /** In a reference folder: never proposed for the trash. */
  reference: z.boolean(),
  /** Half of a RAW+JPEG pair of one shot whose other half stays: never proposed for the trash. */
  rawPair: z.boolean(),
  /** In a preferred folder: kept first among copies otherwise equal. */
  preferred: z.boolean(),
  /**
   * The photos a trash of the group moves when this one is the keeper (never one in a reference
   * folder, nor half of a RAW+JPEG pair whose other half stays); empty when the group holds no copies.
   */
  trashIfKept: z.array(id),
});

export const duplicateGroup = z.object({
  id: groupId,
  class: duplicateClass,
  /** The suggested keeper's photo id. */
  keeper: id,
  wastedBytes: z.number().int().nonnegative(),
  /** It holds copies, all but a keeper of which may go (false for similar shots and a RAW+JPEG pair): K and T apply. */
  copies: z.boolean(),
  files: z.array(duplicateFile),
});

export const API = {
  'app.info': {
    params: none,
    /** readOnly: why nothing in this library can be changed (a read-only file or folder), or null. */
    result: z.object({ version: z.string(), canPickFolder: z.boolean(), database: z.string(), readOnly: z.string().nullable() }),
  },
  'library.get': { params: none, result: libraryInfo },
  /** Adds a folder (`~` is the home folder); a folder holding listed ones takes their place. */
  'library.addFolder': { params: z.object({ folder }).strict(), result: z.object({ library: libraryInfo, notice: z.string() }) },
  /** Takes a folder off the list; its photos leave the people, their names and decisions kept for when it comes back. */
  'library.removeFolder': { params: z.object({ folder }).strict(), result: z.object({ library: libraryInfo, notice: z.string() }) },
  /**
   * Marks a folder for the duplicates: `reference` (its photos are never proposed for the
   * trash), `preferred` (kept first among copies otherwise equal) or `normal` (no mark). The
   * folder by path (a library folder or one inside it), or the folder holding a photo.
   */
  'library.markFolder': {
    params: z
      .object({ folder: folder.optional(), photoId: id.optional(), mark: z.enum(['reference', 'preferred', 'normal']) })
      .strict()
      .refine((p) => (p.folder === undefined) !== (p.photoId === undefined), 'Give either a folder or a photo, not both'),
    /** action: the undoable change (actions.undo puts the mark before back); null when the mark was already so. */
    result: z.object({ library: libraryInfo, notice: z.string(), action: actionSummary.nullable() }),
  },
  /** Asks the user for a folder with the system's dialog (where there is one); null when cancelled. */
  'library.pickFolder': { params: none, result: z.object({ folder: z.string().nullable() }) },
  /** Scans every folder of the library, or the one given (which must be one of them). */
  'scan.start': { params: z.object({ folder: folder.optional() }).strict(), result: scanState },
  'scan.pause': { params: none, result: scanState },
  'scan.resume': { params: none, result: scanState },
  'scan.cancel': { params: none, result: scanState },
  'scan.state': { params: none, result: scanState },
  /**
   * Everyone, largest first. With `minFaces`, unnamed people with fewer faces are "others":
   * left out (counted in `othersCount`), or, with `others`, the only ones listed. A search by
   * name looks at everyone.
   */
  'people.list': {
    params: z
      .object({
        query: z.string().max(200).optional(),
        includeHidden: z.boolean().optional(),
        minFaces: z.number().int().min(1).max(1000).optional(),
        others: z.boolean().optional(),
      })
      .strict(),
    result: z.object({ people: z.array(personSummary), hiddenCount: z.number().int().nonnegative(), othersCount: z.number().int().nonnegative() }),
  },
  /**
   * How many people the People screen shows with this many faces at least (named ones always),
   * how many are under Others, and how many are hidden: the Library's figures, from the same rule.
   */
  'people.counts': {
    params: z.object({ minFaces: z.number().int().min(1).max(1000).optional() }).strict(),
    result: z.object({ minFaces: count, people: count, others: count, hidden: count }),
  },
  /**
   * Other people ordered by likeness to this one (the grouping's own merge distance), each with
   * the faces of theirs nearest to this person; `likely` ones are worth a "Same person?".
   */
  'people.alike': {
    params: z.object({ personId: id, limit: z.number().int().min(1).max(500).optional() }).strict(),
    result: z.object({
      people: z.array(
        z.object({ person: personSummary, distance: z.number(), likely: z.boolean(), toldApart: z.boolean(), faceIds: z.array(id) }),
      ),
    }),
  },
  'people.get': {
    params: z.object({ personId: id }).strict(),
    result: z.object({ person: personSummary, faces: z.array(personFace) }),
  },
  // Each edit answers with the person after it and the action it wrote (null when nothing changed).
  /**
   * Unless `sameNameOk`, a name another person has already is not taken: `sameName` is that
   * person (the window asks "Same person?") and nothing changes.
   */
  'people.rename': {
    params: z.object({ personId: id, name: personName, sameNameOk: z.boolean().optional() }).strict(),
    result: z.object({ person: personSummary, action: actionSummary.nullable(), sameName: personSummary.nullable() }),
  },
  'people.setHidden': {
    params: z.object({ personId: id, hidden: z.boolean() }).strict(),
    result: z.object({ person: personSummary, action: actionSummary.nullable() }),
  },
  'people.setCover': {
    params: z.object({ personId: id, faceId: id }).strict(),
    result: z.object({ person: personSummary, action: actionSummary.nullable() }),
  },
  /** Moves every face of the sources into the target; the sources are gone afterwards. */
  'people.merge': {
    params: z.object({ targetId: id, sourceIds: z.array(id).min(1).max(1000) }).strict(),
    result: z.object({ person: personSummary, action: actionSummary }),
  },
  /** "Not this person": each face leaves for a person of its own, and is never put back by the grouping. */
  'people.rejectFaces': {
    params: z.object({ personId: id, faceIds }).strict(),
    result: z.object({ person: personSummary.nullable(), newPersonIds: z.array(id), action: actionSummary }),
  },
  /** "Not a face": the detections leave the person and every grouping, review and re-scan, remembered. */
  'people.markNotFaces': {
    params: z.object({ personId: id, faceIds }).strict(),
    result: z.object({ person: personSummary.nullable(), action: actionSummary }),
  },
  /** A suggestion answered "No": the two people are different, kept apart by "different" labels. */
  'people.tellApart': {
    params: z.object({ personId: id, otherId: id }).strict(),
    result: z.object({ action: actionSummary }),
  },
  'photos.get': { params: z.object({ photoId: id }).strict(), result: photoDetails },
  /**
   * A window of the library's photos by date, newest first (faces or not), filtered by who is in
   * them: `offset` and `limit` page through any number of photos; `total` counts them all.
   */
  'photos.list': {
    params: photoFilter.extend({
      offset: z.number().int().min(0).max(100_000_000).default(0),
      limit: z.number().int().min(1).max(500, 'At most 500 photos at once').default(100),
    }),
    result: z.object({ photos: z.array(photoSummary), total: z.number().int().nonnegative() }),
  },
  /** How many photos each month ("2024-03") holds under the filter, newest month first: the browser's outline. */
  'photos.months': {
    params: photoFilter,
    result: z.object({ months: z.array(z.object({ month: z.string(), photos: z.number().int().positive() })), total: z.number().int().nonnegative() }),
  },
  'review.next': {
    params: none,
    result: z.object({ pair: reviewPair.nullable(), remaining: z.number().int().nonnegative() }),
  },
  'review.answer': {
    params: z.object({ faceA: id, faceB: id, answer: z.enum(['same', 'different', 'skip']) }).strict(),
    result: z.object({ action: actionSummary }),
  },
  'actions.list': {
    params: z.object({ limit: z.number().int().min(1).max(200).optional() }).strict(),
    result: z.object({ actions: z.array(actionSummary) }),
  },
  /** Undoes the newest action that is not undone yet (or the given one, which must be that one). */
  'actions.undo': {
    params: z.object({ actionId: id.optional() }).strict(),
    result: z.object({ undone: actionSummary.nullable() }),
  },
  'duplicates.list': {
    params: z.object({ class: duplicateClass.optional() }).strict(),
    result: z.object({ groups: z.array(duplicateGroup) }),
  },
  /** Moves every copy but the keeper (the suggested one unless given) to the system trash; undone by actions.undo. */
  'duplicates.trash': {
    params: z
      .object({
        groups: z.array(z.object({ id: groupId, keeper: id.optional() }).strict()).min(1, 'Choose at least one group').max(10_000),
        confirmed: z.literal(true, 'Moving files to the trash needs the user\'s confirmation'),
      })
      .strict(),
    result: z.object({
      action: actionSummary.nullable(),
      trashed: z.array(z.object({ photoId: id, fileName: z.string() })),
      refused: z.array(z.object({ fileName: z.string(), reason: z.string() })),
    }),
  },
  /** "Not duplicates": the group's photos are never proposed together again. */
  'duplicates.dismiss': { params: z.object({ groupId }).strict(), result: z.object({ pairs: z.number().int().nonnegative() }) },
  /**
   * Writes the names as XMP sidecars other photo software reads: into a mirror folder (`out`,
   * by default beside the database) or, when the user chose it, beside the photos. Never a photo.
   */
  'tags.export': {
    params: z
      .object({
        destination: z.enum(['mirror', 'beside']),
        out: folder.optional(),
        lightroomNames: z.boolean().optional(),
        dryRun: z.boolean().optional(),
      })
      .strict(),
    result: tagsExportResult,
  },
  /** Every answer, newest first, filtered (kind, where it was given, a person's name, days in UTC, both ends included) and paged. */
  'answers.list': {
    params: z
      .object({
        same: z.boolean().optional(),
        source: answerSourceEnum.optional(),
        person: z.string().max(200).optional(),
        from: day.optional(),
        to: day.optional(),
        offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
        limit: z.number().int().min(1).max(200).optional(),
      })
      .strict(),
    result: z.object({ answers: z.array(answerItem), total: count }),
  },
  /**
   * Takes back one answer, whenever it was given (an action of its own: Undo puts it back). A
   * face a "different" answer took out of a person goes back when nothing decided since
   * rests on it; `effect` says in words what changed and what stays.
   */
  'answers.undo': {
    params: z.object({ answerId: id }).strict(),
    result: z.object({ action: actionSummary, effect: z.string() }),
  },
  'learning.state': { params: none, result: learningState },
  /**
   * "Improve recognition": starts learning a version from the answers in the background and
   * answers at once (the run's stages come as `learning.progress` events, and in
   * learning.state). The version is put to use (and what no user decided is regrouped) only
   * when it measures no worse on answers set aside. Refused at once without enough answers.
   */
  'learning.run': { params: none, result: learningJob },
  /** Stops the run on its way: nothing it learned is written or put to use. */
  'learning.cancel': { params: none, result: learningJob },
  /** Puts an earlier version to use (null: the shipped model) and regroups what no user decided. */
  'learning.rollback': {
    params: z.object({ versionId: id.nullable() }).strict(),
    result: z.object({ active: learnedVersion.nullable(), regrouped: regrouping }),
  },
} as const;

export type ApiMethod = keyof typeof API;
export type ApiParams<M extends ApiMethod> = z.input<(typeof API)[M]['params']>;
export type ApiResult<M extends ApiMethod> = z.output<(typeof API)[M]['result']>;
/** What a handler receives: parameters after validation (names trimmed, and so on). */
export type ApiValidParams<M extends ApiMethod> = z.output<(typeof API)[M]['params']>;

export type PersonSummary = z.output<typeof personSummary>;
export type PersonFace = z.output<typeof personFace>;
export type PhotoDetails = z.output<typeof photoDetails>;
export type PhotoFace = z.output<typeof photoFace>;
export type PhotoSummary = z.output<typeof photoSummary>;
export type PhotoFilter = z.input<typeof photoFilter>;
export type ReviewFace = z.output<typeof reviewFace>;
export type ReviewPair = z.output<typeof reviewPair>;
export type ReviewReason = z.output<typeof reviewReason>;
export type ActionSummary = z.output<typeof actionSummary>;
export type ScanState = z.output<typeof scanState>;
export type LibraryInfo = z.output<typeof libraryInfo>;
export type LibraryFolderInfo = z.output<typeof libraryFolder>;
export type MarkedFolderInfo = z.output<typeof markedFolder>;
export type FolderMarkKind = z.output<typeof folderMark>;
export type LearnedVersionInfo = z.output<typeof learnedVersion>;
export type LearningState = z.output<typeof learningState>;
export type DuplicateGroup = z.output<typeof duplicateGroup>;
export type DuplicateFile = z.output<typeof duplicateFile>;
export type DuplicateClass = z.output<typeof duplicateClass>;
export type TagsExportResult = z.output<typeof tagsExportResult>;
export type LearningJobInfo = z.output<typeof learningJob>;
export type AnswerItem = z.output<typeof answerItem>;
export type AnswerSource = z.output<typeof answerSourceEnum>;

/** Pushed to every window: scan progress, and "the people changed, read them again". */
export type ApiEvent =
  | { type: 'scan.progress'; state: ScanState }
  | { type: 'learning.progress'; job: LearningJobInfo }
  | { type: 'data.changed'; reason: 'scan' | 'action' | 'undo' | 'folder' | 'learning' };

export const API_ERROR_CODES = ['invalid_params', 'unknown_method', 'not_found', 'conflict', 'forbidden', 'unavailable', 'internal'] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** Errors cross the boundary as data. */
export type ApiResponse<T = unknown> =
  | { ok: true; result: T }
  | { ok: false; error: { code: ApiErrorCode; message: string; issues?: Array<{ path: string; message: string }> } };

/** The object the Electron preload puts on `window.facepair`. */
export interface FacePairBridge {
  call(method: string, params: unknown): Promise<ApiResponse>;
  onEvent(listener: (event: ApiEvent) => void): () => void;
}

export function isApiMethod(name: string): name is ApiMethod {
  return Object.prototype.hasOwnProperty.call(API, name);
}
