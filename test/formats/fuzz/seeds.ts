/**
 * Seed images of the format fuzzer, made by qemu-img at test time, with the regions worth
 * mutating (headers and tables) found by reading their pristine metadata.
 */
import { readFileSync } from 'node:fs';
import type { ImageFormat } from '../../../src/formats/index.ts';
import { MiB, type Scratch, patternedDisk, qemuImg, qemuIo, writeRaw } from '../fixtures.ts';

/** A byte range of a seed worth mutating; `endian` tells how its multi-byte fields are stored. */
export interface Region {
  start: number;
  end: number;
  endian: 'big' | 'little';
  /** The structure's CRC-32C field and the structure's length, which a mutation may fix up to get past the checksum (VHDX). */
  crc?: { at: number; start: number; length: number };
}

/** A seed image. */
export interface Seed {
  name: string;
  format: Exclude<ImageFormat, 'qed' | 'raw'>;
  bytes: Uint8Array;
  regions: Region[];
}

/** The regions of a qcow2 image: header and extensions, L1 table, first L2 table. */
function qcow2Regions(bytes: Buffer): Region[] {
  const l1 = Number(bytes.readBigUInt64BE(40));
  const l1Size = bytes.readUInt32BE(36);
  const l2 = Number(bytes.readBigUInt64BE(l1) & 0x00fffffffffffe00n);
  const header: Region = { start: 0, end: 112, endian: 'big' };
  const regions: Region[] = [header, header, { start: 112, end: 512, endian: 'big' }, { start: l1, end: l1 + l1Size * 8, endian: 'big' }];
  if (l2 > 0) regions.push({ start: l2, end: l2 + 512, endian: 'big' });
  return regions;
}

/** The regions of a VMDK sparse extent: header, descriptor, grain directory, first grain table. */
function vmdkRegions(bytes: Buffer): Region[] {
  const gd = Number(bytes.readBigUInt64LE(56)) * 512;
  const gt = bytes.readUInt32LE(gd) * 512;
  return [{ start: 0, end: 512, endian: 'little' }, { start: 512, end: 1024, endian: 'little' }, { start: gd, end: gd + 64, endian: 'little' }, { start: gt, end: gt + 512, endian: 'little' }];
}

/** The regions of a VHD: footer copy and dynamic header, BAT, footer. */
function vhdRegions(bytes: Buffer): Region[] {
  const tail = { start: bytes.byteLength - 512, end: bytes.byteLength, endian: 'big' as const };
  if (bytes.toString('latin1', 0, 8) !== 'conectix') return [tail];
  const bat = Number(bytes.readBigUInt64BE(512 + 16));
  return [{ start: 0, end: 1536, endian: 'big' }, { start: bat, end: bat + 64, endian: 'big' }, tail];
}

/** The regions of a VHDX: both headers, the region table, the metadata table and items, the BAT. */
function vhdxRegions(bytes: Buffer): Region[] {
  const KiB = 1024;
  const checked = (start: number, length: number): Region => ({ start, end: start + 80, endian: 'little', crc: { at: start + 4, start, length } });
  const regions: Region[] = [checked(64 * KiB, 4 * KiB), checked(128 * KiB, 4 * KiB), checked(192 * KiB, 64 * KiB)];
  for (let i = 0; i < bytes.readUInt32LE(192 * KiB + 8); i++) {
    const at = 192 * KiB + 16 + i * 32;
    const offset = Number(bytes.readBigUInt64LE(at + 16));
    regions.push({ start: offset, end: offset + 256, endian: 'little' });
    const isMetadata = bytes.readUInt32LE(at) === 0x8b7ca206;
    if (isMetadata) regions.push({ start: offset + 64 * KiB, end: offset + 64 * KiB + 64, endian: 'little' });
  }
  return regions;
}

/** The regions of a VDI: the header's fields (not its banner and description text) and the block map. */
function vdiRegions(bytes: Buffer): Region[] {
  const map = bytes.readUInt32LE(340);
  return [{ start: 64, end: 84, endian: 'little' }, { start: 340, end: 456, endian: 'little' }, { start: map, end: map + 64, endian: 'little' }];
}

/** Builds the seeds in `work`: small images of every format and layout the readers handle. */
export function buildSeeds(work: Scratch): Seed[] {
  const raw = work.at('fuzz-seed.raw');
  writeRaw(raw, patternedDisk(MiB + 3 * 512, 77));
  const recipes: Array<{ name: string; format: Seed['format']; args: string[]; io?: string[]; regions: (bytes: Buffer) => Region[] }> = [
    { name: 'qcow2 v3 64K zlib + zero clusters', format: 'qcow2', args: ['-c', '-o', 'cluster_size=65536'], io: ['write -z 128k 64k', 'write -P 0x42 300k 4k'], regions: qcow2Regions },
    { name: 'qcow2 v2 4K', format: 'qcow2', args: ['-o', 'compat=0.10,cluster_size=4096'], regions: qcow2Regions },
    { name: 'qcow2 v3 16K zstd extended L2', format: 'qcow2', args: ['-c', '-o', 'cluster_size=16384,compression_type=zstd,extended_l2=on'], io: ['write -z 4k 4k', 'write -P 0x43 40k 1k'], regions: qcow2Regions },
    { name: 'qcow2 v3 512 B', format: 'qcow2', args: ['-c', '-o', 'cluster_size=512'], regions: qcow2Regions },
    { name: 'vmdk monolithicSparse', format: 'vmdk', args: ['-o', 'subformat=monolithicSparse'], regions: vmdkRegions },
    { name: 'vmdk streamOptimized', format: 'vmdk', args: ['-o', 'subformat=streamOptimized'], regions: vmdkRegions },
    { name: 'vpc dynamic', format: 'vpc', args: ['-o', 'subformat=dynamic'], regions: vhdRegions },
    { name: 'vpc fixed', format: 'vpc', args: ['-o', 'subformat=fixed'], regions: vhdRegions },
    { name: 'vhdx 1M blocks', format: 'vhdx', args: ['-o', 'block_size=1M'], regions: vhdxRegions },
    { name: 'vdi dynamic', format: 'vdi', args: ['-o', 'static=off'], regions: vdiRegions },
  ];
  return recipes.map((recipe, index) => {
    const path = work.at(`fuzz-seed-${index}.${recipe.format}`);
    qemuImg('convert', '-f', 'raw', '-O', recipe.format, ...recipe.args, raw, path);
    if (recipe.io) qemuIo(path, recipe.format, recipe.io);
    const bytes = readFileSync(path);
    return { name: recipe.name, format: recipe.format, bytes: new Uint8Array(bytes), regions: recipe.regions(bytes) };
  });
}
