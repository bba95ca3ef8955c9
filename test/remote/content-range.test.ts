import { describe, expect, it } from 'vitest';
import { parseContentRange, rangeHeader } from '../../src/backends/remote/content-range.ts';

describe('rangeHeader', () => {
  it('names the inclusive last byte of an exclusive end', () => {
    expect(rangeHeader(0, 1)).toBe('bytes=0-0');
    expect(rangeHeader(65536, 131072)).toBe('bytes=65536-131071');
  });
});

describe('parseContentRange', () => {
  it('reads a range with a total as an exclusive end', () => {
    expect(parseContentRange('bytes 100-199/1000')).toEqual({ kind: 'range', start: 100, end: 200, total: 1000 });
  });

  it('reads an unknown total as null', () => {
    expect(parseContentRange('bytes 0-9/*')).toEqual({ kind: 'range', start: 0, end: 10, total: null });
  });

  it('reads the unsatisfied form sent with 416', () => {
    expect(parseContentRange('bytes */4096')).toEqual({ kind: 'unsatisfied', total: 4096 });
  });

  it('rejects a missing, malformed or non-byte header', () => {
    for (const value of [null, '', 'bytes', 'bytes 1-2', 'items 0-1/2', 'bytes a-b/c', 'bytes 0-1/2, 4-5/6']) {
      expect(parseContentRange(value)).toBeNull();
    }
  });

  it('rejects a last byte before the first or at the total', () => {
    expect(parseContentRange('bytes 10-9/100')).toBeNull();
    expect(parseContentRange('bytes 0-100/100')).toBeNull();
  });

  it('rejects numbers beyond 2^53', () => {
    expect(parseContentRange('bytes 0-1/9999999999999999')).toBeNull();
  });
});
