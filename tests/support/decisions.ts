import type { FacePairApp } from '../../src-main/core/app.js';

/** Everything the user decided, as one comparable string: labels, faces they placed, named people with their faces. */
export function decisions(app: FacePairApp): string {
  const labels = app.labels.list().map((l) => `${l.faceA}-${l.faceB}:${l.same}`).sort();
  const placed = [...app.faces.listAssignments()].filter(([, a]) => a.assignedBy === 'user').map(([id, a]) => `${id}@${a.personId}`).sort();
  const named = app.people.list().filter((p) => p.name !== null).map((p) => `${p.name}:${p.faces.map((f) => f.faceId).sort().join(',')}`).sort();
  return JSON.stringify({ labels, placed, named });
}
