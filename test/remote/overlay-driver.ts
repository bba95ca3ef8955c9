/**
 * Drives a QED overlay over a remote base the way a worker would: every operation through
 * `runWithBacking`, checked against a plain byte-array model of the disk.
 */
import { expect } from 'vitest';
import type { QedImage } from '../../src/engine/qed-image.ts';
import type { RangeFetcher } from '../../src/backends/remote/range-fetcher.ts';
import { runWithBacking } from '../../src/backends/remote/run-with-backing.ts';
import { expectBytes, prng, randomBytes, randomInt } from './helpers.ts';

/** A guest byte range. */
export interface GuestRange {
  offset: number;
  length: number;
}

/** Reads the whole disk in `pieceBytes` pieces through `runWithBacking`. */
export async function readWholeDisk(image: QedImage, fetcher: RangeFetcher, pieceBytes = 256 * 1024): Promise<Uint8Array> {
  const out = new Uint8Array(image.size);
  for (let offset = 0; offset < image.size; offset += pieceBytes) {
    const length = Math.min(pieceBytes, image.size - offset);
    out.set(await runWithBacking(() => image.read(offset, length), fetcher), offset);
  }
  return out;
}

/**
 * Runs `count` seeded random reads, writes and zero writes inside guest `[0, limit)` through
 * `runWithBacking`, applying writes to `model` and checking every read against it. Returns the
 * ranges read.
 */
export async function randomWorkload(image: QedImage, fetcher: RangeFetcher, model: Uint8Array, seed: number, count: number, limit: number): Promise<GuestRange[]> {
  const next = prng(seed);
  const reads: GuestRange[] = [];
  for (let op = 0; op < count; op++) {
    const kind = next();
    const offset = randomInt(next, 0, limit - 1);
    const length = Math.min(limit - offset, randomInt(next, 1, kind < 0.5 ? 192 * 1024 : 96 * 1024));
    if (kind < 0.5) {
      const got = await runWithBacking(() => image.read(offset, length), fetcher);
      expectBytes(got, model.subarray(offset, offset + length), `read of ${length} bytes at ${offset} (op ${op})`);
      reads.push({ offset, length });
    } else if (kind < 0.9) {
      const data = randomBytes(length, seed * 1000 + op);
      await runWithBacking(() => image.write(offset, data), fetcher);
      model.set(data, offset);
    } else {
      await runWithBacking(() => image.writeZeroes(offset, length), fetcher);
      model.fill(0, offset, offset + length);
    }
  }
  return reads;
}
