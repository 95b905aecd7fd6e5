import { describe, expect, it } from 'vitest';
import { expandHome, refusedFolderReason } from '../../../src-main/core/library/folder-rules.js';

describe('which folders can be a photo library', () => {
  const home = '/home/ann';
  const refused = (folder: string, platform: NodeJS.Platform = 'linux'): string | null => refusedFolderReason(folder, platform === 'win32' ? 'C:\\Users\\ann' : home, platform);

  it('refuses the root, the home folder itself and system folders, each with a reason', () => {
    expect(refused('/')).toMatch(/root of the disk/);
    expect(refused('/home/ann')).toMatch(/whole home folder.*\/home\/ann\/Pictures/);
    expect(refused('/home/ann/')).toMatch(/whole home folder/);
    for (const f of ['/etc', '/usr', '/usr/share/backgrounds', '/bin', '/proc', '/sys', '/dev', '/var/lib/photos', '/boot']) expect(refused(f), f).toMatch(/system folder/);
    for (const f of ['/var', '/home', '/mnt']) expect(refused(f), f).toMatch(/more than photos/);
  });

  it('accepts the folders that hold photos', () => {
    for (const f of ['/home/ann/Pictures', '/home/ann/Pictures/2019', '/mnt/disk/Photos', '/media/ann/SD', '/tmp/photos', '/srv/photos', '/var/tmp/x']) expect(refused(f), f).toBeNull();
  });

  it('on Windows: a drive root and the system folders, in any case', () => {
    expect(refused('C:\\', 'win32')).toMatch(/root of the disk/);
    expect(refused('D:\\', 'win32')).toMatch(/root of the disk/);
    expect(refused('C:\\Windows', 'win32')).toMatch(/system folder/);
    expect(refused('c:\\windows\\System32', 'win32')).toMatch(/system folder/);
    expect(refused('C:\\Program Files\\x', 'win32')).toMatch(/system folder/);
    expect(refused('C:\\Users\\ann', 'win32')).toMatch(/whole home folder/);
    expect(refused('C:\\Users\\ann\\Pictures', 'win32')).toBeNull();
  });

  it('reads ~ as the home folder, and leaves other paths alone', () => {
    expect(expandHome('~', home)).toBe(home);
    expect(expandHome(' ~/Pictures ', home)).toBe('/home/ann/Pictures');
    expect(expandHome('/data/~/x', home)).toBe('/data/~/x');
    expect(expandHome('~bob/x', home)).toBe('~bob/x');
  });
});
