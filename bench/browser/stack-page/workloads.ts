/**
 * The stack benchmark's request patterns, run on the page against any `Disk` (so every device is
 * driven through the same page API, Comlink and worker). Sizes in bytes.
 */
import type { Disk } from '../../../src/protocol/types.ts';
import type { Workload, WorkloadResult } from '../stack-protocol.ts';

/** Bytes of each write that fills a disk before the read and overwrite workloads. */
const FILL_STEP_BYTES = 1024 * 1024;

/** A buffer of `length` bytes of a non-zero pattern that depends on `seed`. */
export function patternBytes(length: number, seed: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  let state = (seed * 2654435761 + 1) >>> 0 || 1;
  for (let i = 0; i < length; i += 4) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    bytes[i] = state & 0xff;
    bytes[i + 1] = (state >>> 8) & 0xff;
    bytes[i + 2] = (state >>> 16) & 0xff;
    bytes[i + 3] = (state >>> 24) | 1;
  }
  return bytes;
}

/** The bytes `fillDisk` puts at `[offset, offset + length)`. */
function filledBytes(template: Uint8Array, offset: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let done = 0; done < length; ) {
    const at = (offset + done) % FILL_STEP_BYTES;
    const step = Math.min(length - done, FILL_STEP_BYTES - at);
    bytes.set(template.subarray(at, at + step), done);
    if (at === 0) bytes[done] = ((offset + done) / FILL_STEP_BYTES) & 0xff;
    done += step;
  }
  return bytes;
}

/** Writes a pattern over the whole of `disk` in 1 MiB requests (so every cluster is allocated), then flushes. */
export async function fillDisk(disk: Disk): Promise<void> {
  const template = patternBytes(FILL_STEP_BYTES, 7);
  for (let offset = 0; offset < disk.size; offset += FILL_STEP_BYTES) {
    await disk.write(offset, filledBytes(template, offset, Math.min(FILL_STEP_BYTES, disk.size - offset)));
  }
  await disk.flush();
}

/**
 * Reads `count` random blocks of a filled `disk`, all in flight at once, and returns how many
 * differ from what `fillDisk` wrote (0 when every answer reached the request that asked for it).
 */
export async function countFillMismatches(disk: Disk, count: number): Promise<number> {
  const template = patternBytes(FILL_STEP_BYTES, 7);
  const offsets = randomOffsets(disk.size, 4096, count, 3);
  const answers = await Promise.all(Array.from(offsets, (offset) => disk.read(offset + 512, 4096 - 512)));
  return answers.filter((got, i) => {
    const want = filledBytes(template, (offsets[i] ?? 0) + 512, 4096 - 512);
    return got.byteLength !== want.byteLength || got.some((byte, at) => byte !== want[at]);
  }).length;
}

/** Runs `workload` against `disk`; the clock runs from the first request to the last answer. */
export async function runWorkload(disk: Disk, workload: Workload): Promise<WorkloadResult> {
  switch (workload.kind) {
    case 'random-read':
      return randomReads(disk, workload.blockSize, workload.count, workload.inFlight, workload.seed);
    case 'sequential-read':
      return sequentialReads(disk, workload.blockSize, workload.bytes);
    case 'sequential-write':
      return sequentialWrites(disk, workload.blockSize, workload.bytes);
  }
}

/** Block-aligned offsets in `[0, size)`, pseudo-random from `seed` (the same for every device). */
export function randomOffsets(size: number, blockSize: number, count: number, seed: number): Float64Array {
  const blocks = Math.floor(size / blockSize);
  const offsets = new Float64Array(count);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    // Two 32-bit draws, so disks with more than 2^32 blocks are covered too.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    const high = state;
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    offsets[i] = ((high * 2 ** 32 + state) % blocks) * blockSize;
  }
  return offsets;
}

async function randomReads(disk: Disk, blockSize: number, count: number, inFlight: number, seed: number): Promise<WorkloadResult> {
  const offsets = randomOffsets(disk.size, blockSize, count, seed);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const offset = offsets[next++] ?? 0;
      const bytes = await disk.read(offset, blockSize);
      if (bytes.byteLength !== blockSize) throw new Error(`read ${bytes.byteLength} bytes instead of ${blockSize} at ${offset}`);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: inFlight }, lane));
  return { ops: count, bytes: count * blockSize, seconds: (performance.now() - start) / 1000 };
}

async function sequentialReads(disk: Disk, blockSize: number, bytes: number): Promise<WorkloadResult> {
  let ops = 0;
  const start = performance.now();
  for (let offset = 0; offset + blockSize <= bytes; offset += blockSize) {
    const got = await disk.read(offset, blockSize);
    if (got.byteLength !== blockSize) throw new Error(`read ${got.byteLength} bytes instead of ${blockSize} at ${offset}`);
    ops++;
  }
  return { ops, bytes: ops * blockSize, seconds: (performance.now() - start) / 1000 };
}

async function sequentialWrites(disk: Disk, blockSize: number, bytes: number): Promise<WorkloadResult> {
  const template = patternBytes(blockSize, 11);
  let ops = 0;
  const start = performance.now();
  for (let offset = 0; offset + blockSize <= bytes; offset += blockSize) {
    const data = template.slice();
    data[0] = ops & 0xff;
    await disk.write(offset, data);
    ops++;
  }
  return { ops, bytes: ops * blockSize, seconds: (performance.now() - start) / 1000 };
}
