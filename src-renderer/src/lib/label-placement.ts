// Where each face's name label goes on a photo, so that no label covers another label or any
// face. Greedy, most important label first: each tries a few spots around its own face (below,
// above, then beside, then the corners) and takes the first one that is free; a label with no
// free spot is not drawn (the window shows it when the face is pointed at).

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface LabelRequest {
  /** The face, in the same pixels as the container. */
  face: Rect;
  /** The label's size. */
  width: number;
  height: number;
  /** Larger goes first (named people before unnamed ones, larger faces before smaller). */
  priority: number;
}

/** Space kept between a label and its face, and between labels. */
const GAP = 3;

export function overlaps(a: Rect, b: Rect, margin = 0): boolean {
  return a.x < b.x + b.w + margin && b.x < a.x + a.w + margin && a.y < b.y + b.h + margin && b.y < a.y + a.h + margin;
}

/** Candidate spots for a label of size w×h around a face, best first. */
function candidates(face: Rect, w: number, h: number): Rect[] {
  const cx = face.x + face.w / 2 - w / 2;
  const below = face.y + face.h + GAP;
  const above = face.y - h - GAP;
  const middle = face.y + face.h / 2 - h / 2;
  return [
    { x: cx, y: below, w, h },
    { x: cx, y: above, w, h },
    { x: face.x + face.w + GAP, y: middle, w, h },
    { x: face.x - w - GAP, y: middle, w, h },
    { x: face.x, y: below, w, h },
    { x: face.x + face.w - w, y: below, w, h },
    { x: face.x, y: above, w, h },
    { x: face.x + face.w - w, y: above, w, h },
  ];
}

/**
 * One placement per request, in the order given: a rectangle inside the container that
 * overlaps no face and no other placed label, or null when there is none.
 */
export function placeLabels(requests: readonly LabelRequest[], container: { width: number; height: number }): Array<Rect | null> {
  const faces = requests.map((r) => r.face);
  const order = requests.map((_, i) => i).sort((a, b) => requests[b]!.priority - requests[a]!.priority || a - b);
  const placed: Rect[] = [];
  const out: Array<Rect | null> = requests.map(() => null);
  for (const i of order) {
    const r = requests[i]!;
    for (const c of candidates(r.face, r.width, r.height)) {
      const spot = { ...c, x: clamp(c.x, 0, container.width - c.w), y: c.y };
      if (spot.y < 0 || spot.y + spot.h > container.height || spot.x < 0) continue;
      if (faces.some((f) => overlaps(spot, f))) continue;
      if (placed.some((p) => overlaps(spot, p, GAP))) continue;
      placed.push(spot);
      out[i] = spot;
      break;
    }
  }
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}
