import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRecord, asRecords, qedisk, qemuImg, qemuImgJson, scratchDirectory } from './cli-harness.ts';

const dir = scratchDirectory();
const MiB = 2 ** 20;
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => {
  expect(qedisk(dir, ['create', 'disk.qed', '4M']).status).toBe(0);
});

describe('qedisk write and read', () => {
  it('writes stdin at an offset and reads the same bytes back, as qemu-io sees them', () => {
    const data = Buffer.from('hello, qed disk');
    const written = qedisk(dir, ['write', 'disk.qed', '100K'], data);
    expect(written.status).toBe(0);
    expect(written.stdout.toString()).toBe(`wrote ${data.length}/${data.length} bytes at offset ${100 * 1024}\n`);
    expect(qedisk(dir, ['read', 'disk.qed', '100K', String(data.length)]).stdout).toEqual(data);
    expect(qemuImg(dir, ['check', 'disk.qed']).status).toBe(0);
  });

  it('reads across the end of the written data as zeros', () => {
    const read = qedisk(dir, ['read', 'disk.qed', String(100 * 1024 + 10), '10']);
    expect([...read.stdout]).toEqual([...Buffer.from(' disk\0\0\0\0\0')]);
  });

  it('streams a large read in chunks', () => {
    expect(qedisk(dir, ['write', 'disk.qed', '3M'], Buffer.alloc(MiB, 0x77)).status).toBe(0);
    const read = qedisk(dir, ['read', 'disk.qed', '0', '4M']);
    expect(read.status).toBe(0);
    expect(read.stdout.length).toBe(4 * MiB);
    expect(read.stdout.subarray(3 * MiB).every((byte) => byte === 0x77)).toBe(true);
  });

  it('makes whole clusters zero clusters with write --zero', () => {
    expect(qedisk(dir, ['write', '--zero', 'disk.qed', '1M', '128K']).status).toBe(0);
    const map = asRecords(JSON.parse(qedisk(dir, ['map', '--json', 'disk.qed']).stdout.toString()));
    expect(map).toContainEqual({ start: MiB, length: 128 * 1024, kind: 'zero' });
    const theirs = asRecords(qemuImgJson(dir, ['map', 'disk.qed']));
    expect(theirs.find((extent) => extent.start === MiB)).toMatchObject({ zero: true, data: false, present: true });
  });
});

describe('qedisk map', () => {
  it('lists data extents at the file offsets qemu-img map reports', () => {
    const ours = asRecords(JSON.parse(qedisk(dir, ['map', '--json', 'disk.qed']).stdout.toString()));
    const theirs = asRecords(qemuImgJson(dir, ['map', 'disk.qed']));
    const dataOf = (extents: Array<Record<string, unknown>>, kindKey: string, isData: unknown) =>
      extents.filter((extent) => extent[kindKey] === isData).map((extent) => [extent.start, extent.length, extent.offset]);
    expect(dataOf(ours, 'kind', 'data')).toEqual(dataOf(theirs, 'data', true));
    const covered = ours.reduce((sum, extent) => sum + Number(extent.length), 0);
    expect(covered).toBe(4 * MiB);
  });

  it('prints a table with a kind column', () => {
    const lines = qedisk(dir, ['map', 'disk.qed']).stdout.toString().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Offset\s+Length\s+Kind\s+Mapped to\s+File$/);
    expect(lines.slice(1).every((line) => /^(0|0x[0-9a-f]+)\s+0x[0-9a-f]+\s+(data|zero|unallocated)\s/.test(line))).toBe(true);
  });
});

describe('qedisk resize', () => {
  it('grows to an absolute size and by a relative one', () => {
    expect(qedisk(dir, ['resize', 'disk.qed', '6M']).status).toBe(0);
    expect(asRecord(qemuImgJson(dir, ['info', 'disk.qed']))['virtual-size']).toBe(6 * MiB);
    expect(qedisk(dir, ['resize', 'disk.qed', '+2M']).status).toBe(0);
    expect(asRecord(qemuImgJson(dir, ['info', 'disk.qed']))['virtual-size']).toBe(8 * MiB);
    expect(qemuImg(dir, ['check', 'disk.qed']).status).toBe(0);
  });
});
