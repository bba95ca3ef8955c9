import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeFile } from '../../src/backends/node-file.ts';
import { probeFormat } from '../../src/engine/backing.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import { ImageUnsupportedError, dataRanges } from '../../src/formats/index.ts';
import { nodeBackingResolver } from '../../src/node.ts';
import { MiB, firstDifference, openReader, patternedDisk, qemuImg, qemuIo, qemuRaw, readAll, run, scratch, writeRaw } from './fixtures.ts';

const work = scratch('formats-backing');
const BASE_BYTES = 2 * MiB + 3 * 512;
let overlayCount = 0;

beforeAll(() => writeRaw(work.at('base.raw'), patternedDisk(BASE_BYTES, 31)));
afterAll(() => {
  console.log(`QED overlays over foreign bases: ${overlayCount} read as QEMU reads them and written so QEMU agrees`);
  work.dispose();
});

/** Converts base.raw to `name` with `args` (format and options). */
function baseImage(name: string, ...args: string[]): string {
  qemuImg('convert', '-f', 'raw', ...args, work.at('base.raw'), work.at(name));
  return work.at(name);
}

/** Expects qedisk to read the image at `path` exactly as QEMU does, and its data ranges to cover every nonzero byte. */
function expectReadsAsQemu(path: string, format: string): Buffer {
  const expected = qemuRaw(path, format, work);
  const reader = openReader(path);
  try {
    expect(firstDifference(readAll(reader), expected)).toBe('identical');
    const covered = new Uint8Array(reader.size);
    for (const range of dataRanges(reader)) covered.fill(1, range.start, range.end);
    expect(expected.findIndex((byte, i) => byte !== 0 && covered[i] === 0)).toBe(-1);
  } finally {
    reader.close();
  }
  return expected;
}

/** Renames qcow2 header extension `type` in `path` to an unknown type, so that QEMU and qedisk both ignore it. */
function hideExtension(path: string, type: number): void {
  const bytes = readFileSync(path);
  for (let at = bytes.readUInt32BE(100); at + 8 <= 65536; ) {
    const found = bytes.readUInt32BE(at);
    if (found === 0) throw new Error('extension not found');
    if (found === type) {
      bytes.writeUInt32BE(0x7e57e57e, at);
      writeFileSync(path, bytes);
      return;
    }
    at += 8 + Math.ceil(bytes.readUInt32BE(at + 4) / 8) * 8;
  }
}

describe('qcow2 backing chains', () => {
  it('reads qcow2 over qcow2 over qcow2, with zero clusters hiding backing data', () => {
    baseImage('chain-base.qcow2', '-O', 'qcow2', '-o', 'cluster_size=4096');
    qemuImg('create', '-q', '-f', 'qcow2', '-b', 'chain-base.qcow2', '-F', 'qcow2', '-o', 'cluster_size=65536', work.at('chain-mid.qcow2'));
    qemuIo(work.at('chain-mid.qcow2'), 'qcow2', ['write -P 0x33 100k 70k', 'write -z 1M 128k']);
    qemuImg('create', '-q', '-f', 'qcow2', '-b', 'chain-mid.qcow2', '-F', 'qcow2', '-o', 'compat=0.10,cluster_size=512', work.at('chain-top.qcow2'));
    qemuIo(work.at('chain-top.qcow2'), 'qcow2', ['write -P 0x44 120k 1k', 'write -z 0 4k']);
    expectReadsAsQemu(work.at('chain-top.qcow2'), 'qcow2');
  });

  it('reads qcow2 over a smaller raw base as zeros past the base', () => {
    qemuImg('create', '-q', '-f', 'qcow2', '-b', 'base.raw', '-F', 'raw', work.at('over-raw.qcow2'), String(4 * MiB));
    qemuIo(work.at('over-raw.qcow2'), 'qcow2', ['write -P 0x55 3M 64k', 'write -P 0x56 2M 8k']);
    const expected = expectReadsAsQemu(work.at('over-raw.qcow2'), 'qcow2');
    expect(expected.byteLength).toBe(4 * MiB);
  });

  it('reads qcow2 over QED', () => {
    baseImage('chain.qed', '-O', 'qed');
    qemuImg('create', '-q', '-f', 'qcow2', '-b', 'chain.qed', '-F', 'qed', work.at('over-qed.qcow2'));
    qemuIo(work.at('over-qed.qcow2'), 'qcow2', ['write -P 0x57 1000k 100k']);
    expectReadsAsQemu(work.at('over-qed.qcow2'), 'qcow2');
  });

  it('reads unallocated subclusters of an extended L2 overlay from its base', () => {
    baseImage('sub-base.qcow2', '-O', 'qcow2', '-c');
    qemuImg('create', '-q', '-f', 'qcow2', '-b', 'sub-base.qcow2', '-F', 'qcow2', '-o', 'extended_l2=on,cluster_size=65536', work.at('sub.qcow2'));
    qemuIo(work.at('sub.qcow2'), 'qcow2', ['write -P 0x58 4k 4k', 'write -z 70k 2k', 'write -P 0x59 200k 1k']);
    expectReadsAsQemu(work.at('sub.qcow2'), 'qcow2');
  });

  it('probes the base when the backing format extension is absent', () => {
    baseImage('probed-base.vdi', '-O', 'vdi');
    qemuImg('create', '-q', '-f', 'qcow2', '-b', 'probed-base.vdi', '-F', 'vdi', work.at('probing.qcow2'));
    hideExtension(work.at('probing.qcow2'), 0xe2792aca);
    qemuIo(work.at('probing.qcow2'), 'qcow2', ['write -P 0x5a 64k 64k']);
    const reader = openReader(work.at('probing.qcow2'));
    expect(reader.backing?.size).toBe(BASE_BYTES);
    reader.close();
    expectReadsAsQemu(work.at('probing.qcow2'), 'qcow2');
  });

  it('honours a backing format extension that says raw, even over a qcow2 file', () => {
    baseImage('raw-declared.qcow2', '-O', 'qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', '-u', '-b', 'raw-declared.qcow2', '-F', 'raw', work.at('declared-raw.qcow2'), String(BASE_BYTES));
    const expected = expectReadsAsQemu(work.at('declared-raw.qcow2'), 'qcow2');
    expect(expected.subarray(0, 4).toString('latin1')).toBe('QFI\xfb');
  });
});

describe('QED overlays over foreign bases', () => {
  const bases: Array<[string, string[]]> = [
    ['qcow2', ['-c', '-o', 'compression_type=zstd']],
    ['vmdk', ['-o', 'subformat=monolithicSparse']],
    ['vmdk', ['-o', 'subformat=streamOptimized']],
    ['vpc', ['-o', 'subformat=dynamic']],
    ['vpc', ['-o', 'subformat=fixed']],
    ['vhdx', []],
    ['vdi', ['-o', 'static=off']],
  ];
  it.each(bases.map(([format, options], index) => [`${format} ${options.join(' ')}`, format, options, index] as const))('reads and writes a QEMU-made overlay on %s as QEMU does', (_name, format, options, index) => {
    const base = baseImage(`base-${index}.${format}`, '-O', format, ...options);
    const overlay = work.at(`overlay-${index}.qed`);
    qemuImg('create', '-q', '-f', 'qed', '-b', basename(base), '-F', format, overlay);
    qemuIo(overlay, 'qed', ['write -P 0x61 64k 4k', 'write -z 512k 64k']);
    const expected = qemuRaw(overlay, 'qed', work);
    const image = QedImage.open(NodeFile.open(overlay, 'readwrite'), { resolveBacking: nodeBackingResolver(overlay) });
    try {
      const ours = Buffer.alloc(image.size);
      image.readInto(0, ours);
      expect(firstDifference(ours, expected)).toBe('identical');
      const data = Buffer.alloc(70 * 1024, 0x62);
      image.write(1 * MiB + 512, data);
      data.copy(expected, 1 * MiB + 512);
    } finally {
      image.close();
    }
    writeRaw(work.at(`expected-${index}.raw`), expected);
    expect(run('qemu-img', ['compare', '-f', 'qed', '-F', 'raw', overlay, work.at(`expected-${index}.raw`)], [0, 1])).toMatch(/Images are identical/);
    overlayCount++;
  });

  it('reads a fixed VHD base as QEMU probes it: raw, footer included', () => {
    const base = baseImage('fixed-base.vhd', '-O', 'vpc', '-o', 'subformat=fixed');
    const overlay = work.at('over-fixed.qed');
    const image = QedImage.create(NodeFile.open(overlay, 'create'), { backing: { name: basename(base), format: 'probe' }, resolveBacking: nodeBackingResolver(overlay) });
    try {
      expect(image.info().backingFormat).toBe('probe');
      expect(image.size).toBe(readFileSync(base).byteLength);
      const ours = Buffer.alloc(image.size);
      image.readInto(0, ours);
      expect(firstDifference(ours, readFileSync(base))).toBe('identical');
    } finally {
      image.close();
    }
    expect(run('qemu-img', ['compare', '-f', 'qed', '-F', 'raw', overlay, base], [0, 1])).toMatch(/Images are identical/);
    const file = NodeFile.open(base, 'read');
    expect(probeFormat(file, 'probe')).toBe('raw'); // what qedisk create records: the no-probe bit
    file.close();
  });

  it('refuses a base in a format QEMU knows and qedisk cannot read, instead of reading it as raw', () => {
    qemuImg('create', '-q', '-f', 'parallels', work.at('base.hds'), '1M');
    qemuImg('create', '-q', '-f', 'qed', '-b', 'base.hds', '-F', 'parallels', work.at('over-parallels.qed'));
    const file = NodeFile.open(work.at('over-parallels.qed'), 'read');
    expect(() => QedImage.open(file, { readOnly: true, resolveBacking: nodeBackingResolver(work.at('over-parallels.qed')) })).toThrow(ImageUnsupportedError);
    file.close();
  });

  it('creates an overlay on a qcow2 base that QEMU opens with the same base', () => {
    const base = baseImage('created-base.qcow2', '-O', 'qcow2', '-c');
    const overlay = work.at('created.qed');
    const image = QedImage.create(NodeFile.open(overlay, 'create'), { backing: { name: basename(base), format: 'probe' }, resolveBacking: nodeBackingResolver(overlay) });
    image.write(300 * 1024, Buffer.alloc(5000, 0x63));
    image.close();
    const expected = Buffer.from(readFileSync(work.at('base.raw')));
    expected.fill(0x63, 300 * 1024, 300 * 1024 + 5000);
    writeRaw(work.at('created-expected.raw'), expected);
    expect(run('qemu-img', ['compare', '-f', 'qed', '-F', 'raw', overlay, work.at('created-expected.raw')], [0, 1])).toMatch(/Images are identical/);
  });
});
