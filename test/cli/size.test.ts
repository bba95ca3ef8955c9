import { describe, expect, it } from 'vitest';
import { CliUsageError } from '../../src/cli/errors.ts';
import { formatSize, parseCount, parseRelativeSize, parseSize } from '../../src/cli/size.ts';

describe('parseSize', () => {
  it('reads a plain number as bytes', () => {
    expect(parseSize('1000', 'size')).toBe(1000);
    expect(parseSize('0', 'size')).toBe(0);
  });

  it('reads K, M, G and T as binary multiples, in either case', () => {
    expect(parseSize('64K', 'size')).toBe(64 * 1024);
    expect(parseSize('64k', 'size')).toBe(64 * 1024);
    expect(parseSize('10M', 'size')).toBe(10 * 1024 * 1024);
    expect(parseSize('1G', 'size')).toBe(2 ** 30);
    expect(parseSize('2T', 'size')).toBe(2 * 2 ** 40);
  });

  it('accepts a trailing B or iB after the unit', () => {
    expect(parseSize('4KiB', 'size')).toBe(4096);
    expect(parseSize('4KB', 'size')).toBe(4096);
  });

  it('accepts fractions that come to whole bytes', () => {
    expect(parseSize('1.5K', 'size')).toBe(1536);
    expect(parseSize('0.5G', 'size')).toBe(2 ** 29);
  });

  it('rejects fractions of a byte', () => {
    expect(() => parseSize('0.3K', 'size')).toThrow(/whole number of bytes/);
  });

  it('rejects text that is not a size, naming the argument', () => {
    for (const text of ['', 'ten', '-1', '1X', '1 G B', '0x10', '1e3']) {
      expect(() => parseSize(text, 'cluster size')).toThrow(CliUsageError);
    }
    expect(() => parseSize('ten', 'cluster size')).toThrow(/cluster size 'ten'/);
  });

  it('rejects sizes beyond 2^53 bytes', () => {
    expect(() => parseSize('16E', 'size')).toThrow(/too large/);
  });
});

describe('parseRelativeSize', () => {
  it('adds a +SIZE to the current size', () => {
    expect(parseRelativeSize('+1M', 1024, 'size')).toBe(1024 + 2 ** 20);
  });

  it('takes anything else as absolute', () => {
    expect(parseRelativeSize('1M', 1024, 'size')).toBe(2 ** 20);
  });

  it('rejects a malformed relative size', () => {
    expect(() => parseRelativeSize('+', 0, 'size')).toThrow(CliUsageError);
  });
});

describe('parseCount', () => {
  it('reads whole numbers and refuses suffixes', () => {
    expect(parseCount('16', 'table size')).toBe(16);
    expect(() => parseCount('4K', 'table size')).toThrow(/table size '4K'/);
  });
});

describe('formatSize', () => {
  it('prints three significant digits with a binary unit, as qemu-img does', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(512)).toBe('512 B');
    expect(formatSize(724992)).toBe('708 KiB');
    expect(formatSize(10 * 2 ** 20)).toBe('10 MiB');
    expect(formatSize(1.5 * 2 ** 30)).toBe('1.5 GiB');
    expect(formatSize(2 ** 30 * 1.234)).toBe('1.23 GiB');
  });
});
