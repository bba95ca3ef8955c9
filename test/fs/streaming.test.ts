/**
 * The streaming paths the page uses: `writeFile` from a `DataSource` read in chunks during the
 * commit, and `openReader` into a reused buffer; checked with debugfs and mtools.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../src/fs/block-device.ts';
import type { DataSource } from '../../src/fs/file-system.ts';
import { openFileSystem } from '../../src/fs/open.ts';
import { e2fsckClean, fsckFatClean, mke2fs, run, scratch } from './native.ts';

/** A source of `size` bytes whose byte i is (i * 7 + i >> 12) & 0xff; counts the bytes it hands out. */
function patternSource(size: number): DataSource & { handedOut: number; largestRead: number } {
  const source = {
    size,
    handedOut: 0,
    largestRead: 0,
    read(offset: number, target: Uint8Array): void {
      for (let i = 0; i < target.length; i++) target[i] = ((offset + i) * 7 + ((offset + i) >> 12)) & 0xff;
      source.handedOut += target.length;
      source.largestRead = Math.max(source.largestRead, target.length);
    },
  };
  return source;
}

function expected(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  patternSource(size).read(0, bytes);
  return bytes;
}

describe('streaming reads and writes', () => {
  const work = scratch();
  const size = 5 * 1024 * 1024 + 321;

  for (const kind of ['ext4', 'fat32'] as const) {
    it(`writes a ${kind} file from a DataSource in chunks and reads it back through openReader`, () => {
      const image = join(work, `${kind}.img`);
      if (kind === 'ext4') mke2fs(image, '16M', ['-t', 'ext4']);
      else run('mkfs.fat', ['-F', '32', '-s', '1', '-C', image, '34000']);
      const device = new MemoryDevice(readFileSync(image));
      const { fs } = openFileSystem(device);
      const source = patternSource(size);
      fs.writeFile('/streamed.bin', source);
      expect(source.handedOut).toBe(size);
      expect(source.largestRead).toBeLessThanOrEqual(1024 * 1024);
      const reader = fs.openReader('/streamed.bin');
      expect(reader.size).toBe(size);
      const buffer = new Uint8Array(1024 * 1024);
      const parts: Buffer[] = [];
      for (let offset = 0; offset < reader.size; offset += buffer.length) parts.push(Buffer.from(buffer.subarray(0, reader.read(offset, buffer))));
      expect(Buffer.concat(parts).equals(expected(size))).toBe(true);
      writeFileSync(image, device.bytes);
      if (kind === 'ext4') {
        e2fsckClean(image);
        expect(run('debugfs', ['-R', 'cat /streamed.bin', image]).equals(expected(size))).toBe(true);
      } else {
        fsckFatClean(image);
        expect(run('mtype', ['-i', image, '::/streamed.bin']).equals(expected(size))).toBe(true);
      }
    });
  }
});
