/** Comparing qedisk's allocation answers with `qemu-img map --output=json`. */
import type { ImageReader } from '../../src/formats/index.ts';
import { qemuImg } from './fixtures.ts';

/** One run of `qemu-img map --output=json`. */
interface QemuExtent {
  start: number;
  length: number;
  data: boolean;
  zero: boolean;
  depth: number;
}

function parseMap(json: string): QemuExtent[] {
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed)) throw new Error('qemu-img map did not print an array');
  return parsed.map((item: unknown) => {
    if (typeof item !== 'object' || item === null) throw new Error('bad map entry');
    const get = (key: string): unknown => (item as Record<string, unknown>)[key];
    return { start: Number(get('start')), length: Number(get('length')), data: get('data') === true, zero: get('zero') === true, depth: Number(get('depth')) };
  });
}

/**
 * Byte counts where qedisk's `blockStatus` (top image only) and QEMU's map of the top image
 * (depth 0) disagree about "this image stores data here". Zero means they agree everywhere.
 */
export function allocationDisagreement(reader: ImageReader, path: string, format: string): number {
  const theirs = parseMap(qemuImg('map', '--output=json', '-f', format, path));
  let disagree = 0;
  let index = 0;
  for (let offset = 0; offset < reader.size; ) {
    const status = reader.blockStatus(offset);
    const end = offset + status.length;
    for (let position = offset; position < end; ) {
      while (index < theirs.length && theirs[index]!.start + theirs[index]!.length <= position) index++;
      const extent = theirs[index];
      if (!extent) break;
      const pieceEnd = Math.min(end, extent.start + extent.length);
      const theirData = extent.data && extent.depth === 0;
      if ((status.kind === 'data') !== theirData) disagree += pieceEnd - position;
      position = pieceEnd;
    }
    offset = end;
  }
  return disagree;
}

/** Nonzero bytes of `expected` inside runs `reader` reports as zero or unallocated (it has no backing here). */
export function nonzeroOutsideData(reader: ImageReader, expected: Uint8Array): number {
  let nonzero = 0;
  for (let offset = 0; offset < reader.size; ) {
    const status = reader.blockStatus(offset);
    if (status.kind !== 'data') for (let i = offset; i < offset + status.length; i++) if (expected[i] !== 0) nonzero++;
    offset += status.length;
  }
  return nonzero;
}
