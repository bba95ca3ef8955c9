import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageFormat } from '../../src/formats/index.ts';
import { allocationDisagreement, nonzeroOutsideData } from './allocation.ts';
import { MiB, type Scratch, firstDifference, openReader, patternedDisk, qemuImg, qemuIo, qemuRaw, readAll, scratch, writeRaw } from './fixtures.ts';

/** One image of the grid: the `qemu-img convert` options, edits afterwards, and an optional byte-level rewrite. */
interface Variant {
  format: Exclude<ImageFormat, 'qed' | 'qcow2' | 'raw'>;
  name: string;
  options: string[];
  io?: string[];
  /** Rewrites the converted file (to reach layouts qemu-img does not write itself). */
  rewrite?: (path: string) => void;
}

const DISK_BYTES = 3 * MiB + 7 * 512;
const k = 1024;

/** Partial writes, zero writes and discards. */
const EDITS = [`write -P 0x6b ${300 * k + 512} ${5 * k}`, `write -z ${64 * k} ${64 * k}`, `write -P 0x11 ${2 * MiB + 4 * k} ${130 * k}`, `discard ${1 * MiB} ${1 * MiB}`];

/**
 * Moves a streamOptimized image's header to a footer, as VMware writes them: the header's
 * grain directory offset becomes "at end", and a footer marker, the real header and an
 * end-of-stream marker are appended.
 */
function moveHeaderToFooter(path: string): void {
  const bytes = readFileSync(path);
  const header = Buffer.from(bytes.subarray(0, 512));
  const patched = Buffer.from(bytes);
  patched.fill(0xff, 56, 64);
  const footerMarker = Buffer.alloc(512);
  footerMarker.writeUInt32LE(1, 0);
  footerMarker.writeUInt32LE(3, 12);
  writeFileSync(path, Buffer.concat([patched, footerMarker, header, Buffer.alloc(512)]));
}

const VARIANTS: Variant[] = [
  { format: 'vmdk', name: 'monolithicSparse', options: ['subformat=monolithicSparse'] },
  { format: 'vmdk', name: 'monolithicSparse + partial and zero writes', options: ['subformat=monolithicSparse'], io: EDITS.slice(0, 3) },
  { format: 'vmdk', name: 'monolithicSparse zeroed_grain + zero writes', options: ['subformat=monolithicSparse', 'zeroed_grain=on'], io: EDITS.slice(0, 3) },
  { format: 'vmdk', name: 'streamOptimized', options: ['subformat=streamOptimized'] },
  { format: 'vmdk', name: 'streamOptimized with its header in a footer', options: ['subformat=streamOptimized'], rewrite: moveHeaderToFooter },
  { format: 'vpc', name: 'fixed', options: ['subformat=fixed'] },
  { format: 'vpc', name: 'fixed force_size', options: ['subformat=fixed', 'force_size=on'] },
  { format: 'vpc', name: 'dynamic', options: ['subformat=dynamic'] },
  { format: 'vpc', name: 'dynamic force_size + writes', options: ['subformat=dynamic', 'force_size=on'], io: EDITS.slice(0, 3) },
  { format: 'vhdx', name: 'dynamic', options: [] },
  { format: 'vhdx', name: 'dynamic 1 MiB blocks + writes, zero writes, discards', options: ['block_size=1M'], io: EDITS },
  { format: 'vhdx', name: 'dynamic 8 MiB blocks, 4 KiB logical sectors', options: ['block_size=8M', 'block_state_zero=off'] },
  { format: 'vhdx', name: 'fixed', options: ['subformat=fixed'] },
  { format: 'vdi', name: 'dynamic', options: ['static=off'] },
  { format: 'vdi', name: 'dynamic + writes', options: ['static=off'], io: EDITS.slice(0, 3) },
  { format: 'vdi', name: 'static', options: ['static=on'] },
];

const work: Scratch = scratch('formats-grid');
const passed = new Map<string, number>();

beforeAll(() => writeRaw(work.at('disk.raw'), patternedDisk(DISK_BYTES, 23)));
afterAll(() => {
  for (const format of new Set(VARIANTS.map((variant) => variant.format))) {
    console.log(`${format} grid: ${passed.get(format) ?? 0} of ${VARIANTS.filter((variant) => variant.format === format).length} images read byte-identical to qemu-img convert -O raw`);
  }
  work.dispose();
});

describe('readers of VMDK, VHD, VHDX and VDI over the qemu-img grid', () => {
  it.each(VARIANTS.map((variant, index) => [`${variant.format} ${variant.name}`, variant, index] as const))('read %s as QEMU does', (_name, variant, index) => {
    const path = work.at(`grid-${index}.${variant.format}`);
    qemuImg('convert', '-f', 'raw', '-O', variant.format, ...(variant.options.length > 0 ? ['-o', variant.options.join(',')] : []), work.at('disk.raw'), path);
    if (variant.io) qemuIo(path, variant.format, variant.io);
    variant.rewrite?.(path);
    const expected = qemuRaw(path, variant.format, work);
    const reader = openReader(path);
    try {
      expect(reader.format).toBe(variant.format);
      expect(firstDifference(readAll(reader), expected)).toBe('identical');
      expect(nonzeroOutsideData(reader, expected)).toBe(0);
      // QEMU's vhdx driver answers no allocation queries (its map says "data" everywhere).
      if (variant.format !== 'vhdx') expect(allocationDisagreement(reader, path, variant.format)).toBe(0);
      passed.set(variant.format, (passed.get(variant.format) ?? 0) + 1);
    } finally {
      reader.close();
    }
  });
});
