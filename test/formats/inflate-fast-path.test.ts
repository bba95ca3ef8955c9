import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeFile } from '../../src/backends/node-file.ts';
import { nodeInflateRaw } from '../../src/cli/convert/node-inflate.ts';
import { openImageReader } from '../../src/formats/index.ts';
import { MiB, firstDifference, patternedDisk, qemuImg, qemuRaw, readAll, scratch, writeRaw } from './fixtures.ts';

const work = scratch('inflate-fast-path');
beforeAll(() => {
  writeRaw(work.at('disk.raw'), patternedDisk(MiB, 3));
  qemuImg('convert', '-f', 'raw', '-O', 'qcow2', '-c', work.at('disk.raw'), work.at('zlib.qcow2'));
});
afterAll(() => work.dispose());

describe('nodeInflateRaw', () => {
  it('fills a cluster, ignores bytes after the stream, and declines what is not one cluster', () => {
    const cluster = Buffer.alloc(65536, 9);
    const out = new Uint8Array(65536);
    expect(nodeInflateRaw(Buffer.concat([deflateRawSync(cluster), Buffer.alloc(100, 0xee)]), out)).toBe(65536);
    expect(out.every((byte) => byte === 9)).toBe(true);
    expect(nodeInflateRaw(deflateRawSync(Buffer.alloc(1 << 22)), out)).toBeNull();
    expect(nodeInflateRaw(Uint8Array.of(0xff, 0xff), out)).toBeNull();
  });
});

describe('Qcow2Reader with a fast inflate path', () => {
  it('uses it for deflated clusters, and falls back to the bounded decoder when it declines', () => {
    const expected = qemuRaw(work.at('zlib.qcow2'), 'qcow2', work);
    for (const declining of [false, true]) {
      let calls = 0;
      const inflateRaw = (input: Uint8Array, output: Uint8Array): number | null => {
        calls++;
        return declining ? null : nodeInflateRaw(input, output);
      };
      const reader = openImageReader(NodeFile.open(work.at('zlib.qcow2'), 'read'), 'probe', undefined, { inflateRaw });
      expect(firstDifference(readAll(reader), expected)).toBe('identical');
      expect(calls).toBeGreaterThan(0);
      reader.close();
    }
  });
});
