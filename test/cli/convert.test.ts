import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRecords, fileHash, qedisk, qemuImg, qemuImgJson, scratchDirectory } from './cli-harness.ts';

const dir = scratchDirectory();
const at = (name: string): string => join(dir, name);
const MiB = 2 ** 20;

/** An 8 MiB raw disk with data in a few places and zeros elsewhere (including whole zero clusters). */
function sampleDisk(): Buffer {
  const disk = Buffer.alloc(8 * MiB);
  for (let i = 0; i < 100_000; i++) disk[i] = (i * 7 + 3) & 0xff; // first ~1.5 clusters
  disk.fill(0x5a, 3 * MiB + 4096, 3 * MiB + 8192); // one 4 KiB block inside a cluster
  disk[8 * MiB - 1] = 0xff; // the very last byte
  return disk;
}

beforeAll(() => writeFileSync(at('disk.raw'), sampleDisk()));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('qedisk convert raw to QED', () => {
  it('produces an image qemu-img compare finds identical, with zero clusters unallocated', () => {
    const result = qedisk(dir, ['convert', 'disk.raw', 'disk.qed']);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe(''); // no progress when stderr is not a terminal
    expect(qemuImg(dir, ['compare', 'disk.raw', 'disk.qed']).status).toBe(0);
    expect(qemuImg(dir, ['check', 'disk.qed']).status).toBe(0);
    const map = asRecords(qemuImgJson(dir, ['map', 'disk.qed']));
    const dataBytes = map.filter((extent) => extent.data === true).reduce((sum, extent) => sum + Number(extent.length), 0);
    expect(dataBytes).toBe(4 * 65536); // clusters 0, 1, 48 and 127 hold data
    const hole = map.find((extent) => Number(extent.start) <= 2 * MiB && Number(extent.start) + Number(extent.length) > 2 * MiB);
    expect(hole).toMatchObject({ data: false, present: false, zero: true });
  });

  it('honours --cluster-size and --table-size', () => {
    expect(qedisk(dir, ['convert', '--cluster-size', '4K', '--table-size', '2', 'disk.raw', 'small.qed']).status).toBe(0);
    expect(qemuImgJson(dir, ['info', 'small.qed'])).toMatchObject({ 'cluster-size': 4096, 'virtual-size': 8 * MiB });
    expect(qemuImg(dir, ['compare', 'disk.raw', 'small.qed']).status).toBe(0);
  });
});

describe('qedisk convert QED to raw', () => {
  it('matches qemu-img convert -O raw byte for byte, and leaves the zeros as holes', () => {
    expect(qemuImg(dir, ['convert', '-O', 'qed', 'disk.raw', 'theirs.qed']).status).toBe(0);
    expect(qedisk(dir, ['convert', '-O', 'raw', 'theirs.qed', 'ours.raw']).status).toBe(0);
    expect(qemuImg(dir, ['convert', '-O', 'raw', 'theirs.qed', 'reference.raw']).status).toBe(0);
    expect(fileHash(at('ours.raw'))).toBe(fileHash(at('reference.raw')));
    expect(statSync(at('ours.raw')).blocks * 512).toBeLessThan(2 * MiB);
  });

  it('flattens an overlay: backing data, overlay data and zero clusters together', () => {
    expect(qedisk(dir, ['create', '-b', 'disk.raw', 'overlay.qed']).status).toBe(0);
    expect(qedisk(dir, ['write', 'overlay.qed', '5M'], Buffer.alloc(70_000, 0x42)).status).toBe(0);
    expect(qedisk(dir, ['write', '--zero', 'overlay.qed', '0', '64K']).status).toBe(0);
    expect(qedisk(dir, ['convert', '-O', 'raw', 'overlay.qed', 'flat.raw']).status).toBe(0);
    expect(qemuImg(dir, ['convert', '-O', 'raw', 'overlay.qed', 'flat-reference.raw']).status).toBe(0);
    expect(fileHash(at('flat.raw'))).toBe(fileHash(at('flat-reference.raw')));
    const flat = readFileSync(at('flat.raw'));
    expect(flat[0]).toBe(0); // zero cluster hides the backing data
    expect(flat[65536]).toBe(sampleDisk()[65536]); // backing data shows through
  });
});

describe('qedisk convert failures', () => {
  it('leaves an existing OUT untouched and no temporary file behind', () => {
    writeFileSync(at('keep.qed'), 'precious');
    const result = qedisk(dir, ['convert', '--table-size', '3', 'disk.raw', 'keep.qed']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^qedisk: table size 3 must be a power of 2.*\n$/);
    expect(readFileSync(at('keep.qed'), 'utf8')).toBe('precious');
    expect(readdirSync(dir).filter((name) => name.includes('.tmp'))).toEqual([]);
  });

  it('refuses cluster options for raw output before creating anything', () => {
    const result = qedisk(dir, ['convert', '-O', 'raw', '--cluster-size', '4K', 'disk.raw', 'never.raw']);
    expect(result.status).toBe(1);
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(readdirSync(dir)).not.toContain('never.raw');
  });
});
