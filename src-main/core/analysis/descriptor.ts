/**
 * The identity of what analysis stores per face: every stage that reads descriptors names
 * them by this key, so a new descriptor or analyser is a new key, never a silent mix.
 */

/**
 * Bump when detection, alignment or the descriptor's input changes: photos are analysed again,
 * every face found again keeping the id and decisions of the old face it overlaps (box IoU ≥ 0.5).
 * 1: SSD MobileNet v1. 2: BlazeFace on the whole photo and 2x2 tiles (SSD where onnxruntime
 * cannot load), boxes made SSD-like.
 */
export const ANALYZER_VERSION = 2;
/** What SSD alone (where onnxruntime cannot load, or FACEPAIR_DETECTOR=ssd) analyses as: photos it read are not read again by it. */
export const SSD_ANALYZER_VERSION = 1;

/** The analyser version a photo analysed by this detector has ('ssd' or 'blazeface'; unknown: the current one). */
export function analyzerVersionOf(detector: string | undefined): number {
  return detector === 'ssd' ? SSD_ANALYZER_VERSION : ANALYZER_VERSION;
}
/** face-api's 128-d ResNet descriptor of the dlib-style 150 px chip. */
export const DESCRIPTOR_MODEL_KEY = 'faceapi-resnet128+dlib-chip@1';
export const DESCRIPTOR_DIMS = 128;
/**
 * Descriptors closer than this show one person (face-api's own threshold). A photo whose
 * content changed keeps a face's id only for a face this close to it (see match-faces.ts).
 */
export const SAME_PERSON_MAX_DISTANCE = 0.6;
