import { describe, expect, it } from 'vitest';
import { Table } from '../../src/qed/table.ts';

describe('Table', () => {
  it('stores entries as little-endian u64', () => {
    const table = Table.empty(64);
    table.set(1, 0x1_2345_6789);
    expect(Array.from(table.bytes.subarray(8, 16))).toEqual([0x89, 0x67, 0x45, 0x23, 0x01, 0, 0, 0]);
    expect(table.get(1)).toBe(0x1_2345_6789);
  });

  it('reads entries beyond 2^53 as Infinity so no offset test can pass them', () => {
    const table = Table.empty(16);
    table.bytes.fill(0xff, 0, 8);
    expect(table.get(0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('fills runs with a step', () => {
    const table = Table.empty(64);
    table.fill(2, 3, 0x50000, 0x10000);
    expect([0, 1, 2, 3, 4, 5].map((i) => table.get(i))).toEqual([0, 0, 0x50000, 0x60000, 0x70000, 0]);
  });

  it('covers changed entries with whole 512-byte sectors', () => {
    expect(Table.sectorRange(0, 1)).toEqual({ start: 0, length: 512 });
    expect(Table.sectorRange(63, 2)).toEqual({ start: 0, length: 1024 });
    expect(Table.sectorRange(64, 64)).toEqual({ start: 512, length: 512 });
  });
});
