import type { FacesRepository, LostFace } from '../db/faces.repository.js';
import type { PeopleCounts, PeopleRepository } from '../db/people.repository.js';
import type { PhotosRepository, PhotoStatus } from '../db/photos.repository.js';

export interface StatusReport {
  database: string;
  photos: Record<PhotoStatus, number>;
  faces: number;
  /** Everyone with a face on a present photo (hidden ones and one-off faces included). */
  people: number;
  /** The same people split as the People screen shows them: named or seen twice, others, hidden. */
  peopleCounts: PeopleCounts;
  errors: Array<{ path: string; error: string }>;
  /** Faces with the user's decisions that a re-analysis of their photo did not find again (kept, out of the people). */
  lostFaces: LostFace[];
}

/**
 * What the library holds: photos by status, faces and people on present photos, every failed
 * file, and every face with the user's decisions that a re-analysis no longer found.
 */
export class LibraryStatus {
  constructor(
    private readonly dbFile: string,
    private readonly photos: PhotosRepository,
    private readonly faces: FacesRepository,
    private readonly people: PeopleRepository,
  ) {}

  report(): StatusReport {
    return {
      database: this.dbFile,
      photos: this.photos.countByStatus(),
      faces: this.faces.countOnPresentPhotos(),
      people: this.people.countWithPresentFaces(),
      peopleCounts: this.people.counts(),
      errors: this.photos.listErrors(),
      lostFaces: this.faces.listLost(),
    };
  }
}
