/** The pure pieces: checksums against their published check values, FAT names, paths. */
import { describe, expect, it } from 'vitest';
import { crc16, crc32, crc32cRaw } from '../../src/fs/crc.ts';
import { caseFlaggedShortName, checkLongName, exactShortName, generateShortName, longNameEntries, longNamePart, shortNameChecksum, shortNameText } from '../../src/fs/fat/names.ts';
import { fatToUnix, unixToFat } from '../../src/fs/fat/directory.ts';
import { splitParent, splitPath } from '../../src/fs/path.ts';

const CHECK = new TextEncoder().encode('123456789');

describe('checksums', () => {
  it('match the catalogued check values for "123456789"', () => {
    expect(crc32(CHECK)).toBe(0xcbf43926);
    expect((crc32cRaw(0xffffffff, CHECK) ^ 0xffffffff) >>> 0).toBe(0xe3069283);
    expect(crc16(0, CHECK)).toBe(0xbb3d);
  });
});

describe('FAT names', () => {
  const text = (raw: Uint8Array): string => shortNameText(raw);

  it('keeps valid upper-case 8.3 names as they are and flags lower-case ones', () => {
    expect(text(exactShortName('README.TXT')!)).toBe('README.TXT');
    expect(exactShortName('readme.txt')).toBeNull();
    expect(caseFlaggedShortName('readme.txt')).toMatchObject({ flags: 0x18 });
    expect(caseFlaggedShortName('Readme.txt')).toBeNull();
    expect(caseFlaggedShortName('MAKEFILE')).toMatchObject({ flags: 0 });
  });

  it('generates basis names with numeric tails that avoid the names taken', () => {
    expect(text(generateShortName('A Long File Name.text', new Set()))).toBe('ALONGF~1.TEX');
    expect(text(generateShortName('A Long File Name.text', new Set(['ALONGF~1.TEX'])))).toBe('ALONGF~2.TEX');
    expect(text(generateShortName('.hidden', new Set()))).toBe('HIDDEN~1');
    expect(text(generateShortName('héllo wörld.txt', new Set()))).toBe('H_LLOW~1.TXT');
    const taken = new Set(Array.from({ length: 9 }, (_, i) => `ALONGF~${i + 1}.TEX`));
    expect(text(generateShortName('A Long File Name.text', taken))).toBe('ALONG~10.TEX');
  });

  it('splits long names into checksummed 13-character entries and reads them back', () => {
    const short = generateShortName('The quick brown fox.txt', new Set());
    const entries = longNameEntries('The quick brown fox.txt', short);
    expect(entries).toHaveLength(2);
    expect(entries[0]![0]).toBe(0x42);
    expect(entries[1]![0]).toBe(0x01);
    for (const entry of entries) expect(entry[13]).toBe(shortNameChecksum(short));
    expect(longNamePart(entries[1]!) + longNamePart(entries[0]!)).toBe('The quick brown fox.txt');
  });

  it('refuses names FAT cannot store', () => {
    for (const bad of ['', '.', 'a:b', 'trailing.', 'trailing ', 'x'.repeat(256), 'tab\there']) expect(() => checkLongName(bad)).toThrow(expect.objectContaining({ name: 'FsInvalidPathError' }));
    expect(() => checkLongName('x'.repeat(255))).not.toThrow();
  });

  it('converts times both ways in 2-second steps and clamps to the FAT range', () => {
    const { date, time } = unixToFat(1_700_000_001);
    expect(fatToUnix(date, time)).toBe(1_700_000_000);
    expect(fatToUnix(unixToFat(0).date, unixToFat(0).time)).toBe(315532800);
  });
});

describe('paths', () => {
  it('splits absolute paths and refuses relative ones, the root as a target, and a final ..', () => {
    expect(splitPath('/a//b/./c/')).toEqual(['a', 'b', 'c']);
    expect(splitParent('/a/b')).toEqual({ parent: ['a'], name: 'b' });
    for (const bad of ['a/b', '', '/', '/a/..']) expect(() => splitParent(bad)).toThrow(expect.objectContaining({ name: 'FsInvalidPathError' }));
  });
});
