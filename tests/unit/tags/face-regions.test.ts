import { describe, expect, it } from 'vitest';
import { fromCentreNormalised, matchRegionsToFaces, regionKey, storedToUpright, toMwgArea, type PixelBox } from '../../../src-main/core/tags/face-regions.js';
import { mergeOwned } from '../../../src-main/core/tags/xmp-merge.js';
import { commonFolder, sidecarTarget } from '../../../src-main/core/tags/sidecar-paths.js';

// The geometry between FacePair's face boxes (pixels of the upright photo) and XMP regions,
// and the merge that keeps what other programs wrote in a sidecar.

describe('MWG areas', () => {
  it('are the normalised centre and size of the box in the upright photo, and read back to the same box', () => {
    const box: PixelBox = [100, 50, 200, 300];
    const a = toMwgArea(box, 800, 600);
    expect(a).toEqual({ X: 0.25, Y: 0.333333, W: 0.25, H: 0.5, Unit: 'normalized' });
    const back = fromCentreNormalised(a.X, a.Y, a.W, a.H, 800, 600);
    back.forEach((v, i) => expect(v).toBeCloseTo(box[i]!, 2));
  });

  it('are clipped to the photo when a box reaches past its edge', () => {
    const a = toMwgArea([-20, 500, 100, 200], 800, 600);
    expect(a.X - a.W / 2).toBeCloseTo(0, 5);
    expect(a.Y + a.H / 2).toBeCloseTo(1, 5);
  });

  it('turn from the stored image to the upright one by the EXIF orientation', () => {
    // Orientation 6 (turn right to view): the stored top-left corner is the upright top-right.
    expect(storedToUpright(0.1, 0.2, 0.1, 0.3, 6)).toEqual([0.8, 0.1, 0.3, 0.1]);
    // Orientation 8 (turn left): the stored top-left corner is the upright bottom-left.
    expect(storedToUpright(0.1, 0.2, 0.1, 0.3, 8)).toEqual([0.2, 0.9, 0.3, 0.1]);
    expect(storedToUpright(0.1, 0.2, 0.1, 0.3, 3)).toEqual([0.9, 0.8, 0.1, 0.3]);
    expect(storedToUpright(0.1, 0.2, 0.1, 0.3, 1)).toEqual([0.1, 0.2, 0.1, 0.3]);
  });

  it('have a key that survives a write and a read (rounding), and differs by name and place', () => {
    const r = { name: ' Anna  Lee ', box: [100, 50, 200, 300] as PixelBox, source: 'x' };
    expect(regionKey({ ...r, box: [100.0004, 50.0003, 199.9996, 300.0002] }, 800, 600)).toBe(regionKey(r, 800, 600));
    expect(regionKey({ ...r, name: 'anna lee' }, 800, 600)).toBe(regionKey(r, 800, 600));
    expect(regionKey({ ...r, name: 'Ben' }, 800, 600)).not.toBe(regionKey(r, 800, 600));
    expect(regionKey({ ...r, box: [300, 50, 200, 300] }, 800, 600)).not.toBe(regionKey(r, 800, 600));
  });
});

describe('matching regions to detected faces', () => {
  const faces: PixelBox[] = [[100, 100, 100, 100], [400, 100, 100, 100]];

  it('pairs each region with the face it overlaps, one to one', () => {
    expect(matchRegionsToFaces([[405, 95, 100, 110], [95, 105, 100, 100]], faces)).toEqual([1, 0]);
  });

  it('accepts a larger box drawn around the same face, and nothing where no face is', () => {
    expect(matchRegionsToFaces([[60, 60, 180, 200], [700, 500, 50, 50]], faces)).toEqual([0, null]);
  });

  it('gives a face to one region only: the better overlap', () => {
    expect(matchRegionsToFaces([[130, 130, 100, 100], [102, 100, 100, 100]], faces)).toEqual([null, 0]);
  });
});

describe('merging into an existing sidecar', () => {
  const tags = { width: 800, height: 600, regions: [{ name: 'Anna', area: toMwgArea([100, 50, 200, 300], 800, 600) }] };

  it('keeps the keywords, people and regions another program wrote, and replaces the names of an earlier export', () => {
    const existing = {
      Subject: ['holiday', 'Ann'],
      PersonInImage: 'Ann',
      HierarchicalSubject: ['Places|Beach', 'People|Ann'],
      Rating: 4,
      RegionInfo: {
        AppliedToDimensions: { W: 800, H: 600, Unit: 'pixel' },
        RegionList: [
          { Area: { X: 0.5, Y: 0.5, W: 0.1, H: 0.1, Unit: 'normalized' }, Name: 'Ann', Type: 'Face' },
          { Area: { X: 0.9, Y: 0.9, W: 0.1, H: 0.1, Unit: 'normalized' }, Name: 'Rex', Type: 'Pet' },
          { Area: { X: 0.7, Y: 0.2, W: 0.1, H: 0.1, Unit: 'normalized' }, Name: 'Carl', Type: 'Face' },
        ],
      },
    };
    const merged = mergeOwned(existing, tags, ['Ann']);
    expect(merged.Subject).toEqual(['holiday', 'Anna']);
    expect(merged.PersonInImage).toEqual(['Anna']);
    expect(merged.HierarchicalSubject).toEqual(['Places|Beach', 'People|Anna']);
    expect(merged.RegionInfo.RegionList.map((r) => r.Name)).toEqual(['Rex', 'Carl', 'Anna']);
    expect(merged.RegionInfo.AppliedToDimensions).toEqual({ W: 800, H: 600, Unit: 'pixel' });
  });

  it('writes everything anew into an empty sidecar', () => {
    const merged = mergeOwned(null, tags, []);
    expect(merged).toMatchObject({ Subject: ['Anna'], PersonInImage: ['Anna'], HierarchicalSubject: ['People|Anna'] });
    expect(merged.RegionInfo.RegionList).toEqual([{ Area: tags.regions[0]!.area, Name: 'Anna', Type: 'Face' }]);
  });
});

describe('sidecar paths', () => {
  it('mirror the library\'s folders under the output folder, beside the photos only when asked', () => {
    const root = commonFolder(['/p/lib/a/x.jpg', '/p/lib/b/c/y.jpg']);
    expect(root).toBe('/p/lib');
    expect(sidecarTarget('/p/lib/b/c/y.jpg', 'photo.ext.xmp', { kind: 'mirror', out: '/out', root })).toBe('/out/b/c/y.jpg.xmp');
    expect(sidecarTarget('/p/lib/b/c/y.jpg', 'photo.xmp', { kind: 'mirror', out: '/out', root })).toBe('/out/b/c/y.xmp');
    expect(sidecarTarget('/p/lib/a/x.jpg', 'photo.ext.xmp', { kind: 'beside' })).toBe('/p/lib/a/x.jpg.xmp');
  });
});
