/** Helpers for engine tests: in-memory images, patterns and backing resolvers. */
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import type { BackingResolver, CreateOptions } from '../../src/engine/types.ts';

/** `length` bytes of a deterministic pattern seeded by `seed`. */
export function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/** A resolver serving named in-memory files (each open gets a fresh read view of the bytes). */
export function memoryResolver(files: Record<string, MemoryFile>): BackingResolver {
  return ({ name }) => {
    const file = files[name];
    if (!file) throw new Error(`no such file: ${name}`);
    return new MemoryFile(file.snapshot());
  };
}

/** Creates an image in a new `MemoryFile`, returning both. */
export function createMemoryImage(options: CreateOptions): { file: MemoryFile; image: QedImage } {
  const file = new MemoryFile();
  return { file, image: QedImage.create(file, options) };
}

/** Reads an L2 entry straight from the file bytes, for layout assertions. */
export function l2EntryOf(bytes: Uint8Array, l1Offset: number, l1Index: number, l2Index: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const l2Offset = Number(view.getBigUint64(l1Offset + 8 * l1Index, true));
  return Number(view.getBigUint64(l2Offset + 8 * l2Index, true));
}

/** A copy of `bytes` with the little-endian u64 at byte `at` set to `value`. */
export function withU64(bytes: Uint8Array, at: number, value: bigint): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setBigUint64(at, value, true);
  return copy;
}
