import { describe, expect, it } from 'vitest';
import { alignRanges, copyData } from '../../src/cli/convert/copy.ts';
import type { ConvertSink } from '../../src/cli/convert/sink.ts';
import type { ByteRange, ConvertSource } from '../../src/cli/convert/source.ts';
import { forEachDataRun } from '../../src/cli/convert/zero-scan.ts';
import type { InterruptWatch } from '../../src/cli/interrupt.ts';
import { createProgress } from '../../src/cli/progress.ts';

/** A source over an in-memory disk, reporting the given data ranges. */
function memorySource(disk: Uint8Array, ranges: ByteRange[]): ConvertSource {
  return {
    format: 'raw',
    size: disk.byteLength,
    readInto: (target, offset) => target.set(disk.subarray(offset, offset + target.byteLength)),
    dataRanges: () => ranges,
    close: () => {},
  };
}

/** A sink recording every write into a zero-initialised disk. */
function recordingSink(size: number, blockSize: number): ConvertSink & { disk: Uint8Array; writes: ByteRange[] } {
  const disk = new Uint8Array(size);
  const writes: ByteRange[] = [];
  return {
    disk,
    writes,
    blockSize,
    write: (data, offset) => {
      disk.set(data, offset);
      writes.push({ start: offset, end: offset + data.byteLength });
    },
    finish: () => {},
    abandon: () => {},
  };
}

const quiet = { progress: createProgress({ isTTY: false, write: () => {} }), interrupts: { check: () => {}, dispose: () => {} } satisfies InterruptWatch };

describe('forEachDataRun', () => {
  it('reports maximal runs of blocks holding a nonzero byte', () => {
    const chunk = new Uint8Array(8 * 16);
    chunk[16 + 3] = 1; // block 1
    chunk[32 + 15] = 2; // block 2
    chunk[5 * 16] = 3; // block 5
    const runs: Array<[number, number]> = [];
    forEachDataRun(chunk, 16, (start, end) => runs.push([start, end]));
    expect(runs).toEqual([
      [16, 48],
      [80, 96],
    ]);
  });

  it('handles a shorter last block and an all-zero chunk', () => {
    const chunk = new Uint8Array(40);
    chunk[39] = 9;
    const runs: Array<[number, number]> = [];
    forEachDataRun(chunk, 16, (start, end) => runs.push([start, end]));
    expect(runs).toEqual([[32, 40]]);
    forEachDataRun(new Uint8Array(64), 16, () => expect.unreachable());
  });

  it('sees a negative-zero bit pattern as data', () => {
    const chunk = new Uint8Array(16);
    chunk[7] = 0x80; // 0x8000000000000000 little-endian: -0 as a float64
    let seen = false;
    forEachDataRun(chunk, 16, () => (seen = true));
    expect(seen).toBe(true);
  });
});

describe('alignRanges', () => {
  it('widens ranges to whole blocks, clipped to the disk, merging those that touch', () => {
    expect(alignRanges([{ start: 10, end: 20 }, { start: 60, end: 70 }, { start: 200, end: 230 }], 64, 220)).toEqual([
      { start: 0, end: 128 },
      { start: 192, end: 220 },
    ]);
  });
});

describe('copyData', () => {
  it('copies every nonzero block and writes no all-zero block', async () => {
    const disk = new Uint8Array(64 * 1024);
    disk.fill(0xaa, 5000, 9000);
    disk[40000] = 1;
    const sink = recordingSink(disk.byteLength, 4096);
    const written = await copyData(memorySource(disk, [{ start: 0, end: disk.byteLength }]), sink, quiet);
    expect(sink.disk).toEqual(disk);
    expect(sink.writes).toEqual([
      { start: 4096, end: 12288 },
      { start: 36864, end: 40960 },
    ]);
    expect(written).toBe(12288);
  });

  it('reads only the data ranges the source names', async () => {
    const disk = new Uint8Array(32 * 1024).fill(7);
    const sink = recordingSink(disk.byteLength, 4096);
    await copyData(memorySource(disk, [{ start: 8192, end: 12288 }]), sink, quiet);
    expect(sink.writes).toEqual([{ start: 8192, end: 12288 }]);
  });

  it('stops with the interrupt error between chunks', async () => {
    const disk = new Uint8Array(16 * 1024 * 1024).fill(1);
    const sink = recordingSink(disk.byteLength, 65536);
    const stop = new Error('stop');
    const interrupts = { check: () => { throw stop; }, dispose: () => {} };
    await expect(copyData(memorySource(disk, [{ start: 0, end: disk.byteLength }]), sink, { ...quiet, interrupts })).rejects.toBe(stop);
    expect(sink.writes.length).toBe(1);
  });
});
