/**
 * Crash sweeps over compaction: the worker's `compactFileInFolder` runs over a folder whose new
 * file crashes at its k-th write (every k), or whose swap stops before its remove or its rename.
 * Whatever the crash left (any subset of the unflushed writes, torn at sectors) goes through the
 * recovery every open runs; the result must be the old image or the new one, byte for byte, and
 * read every guest byte as before.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import type { SyncFile } from '../../src/engine/sync-file.ts';
import type { BackingResolver } from '../../src/engine/types.ts';
import { type CompactionFolder, compactFileInFolder, pendingNameOf, recoverReplacement } from '../../worker/storage/compact-file.ts';
import { CrashFile, type CrashOutcome, SimulatedCrash } from '../support/crash-file.ts';
import { memoryResolver, pattern } from '../support/images.ts';
import { seededFloats } from '../support/mulberry32.ts';
import { applyOp, makeWorkload } from './workload.ts';

const KIB = 1024;
const MIB = 1024 * KIB;
const NAME = 'disk.qed';

/** A folder of in-memory files that stops the world at a chosen point. */
class CrashFolder implements CompactionFolder {
  readonly files = new Map<string, MemoryFile | CrashFile>();
  /** Crash at the k-th write of a created file (1-based), or at swap step `k - writes` (1: before the remove, 2: before the rename). */
  crashAt = Number.POSITIVE_INFINITY;
  writes = 0;
  #swapSteps = 0;
  crashed = false;

  constructor(files: Record<string, Uint8Array>) {
    for (const [name, bytes] of Object.entries(files)) this.files.set(name, new MemoryFile(bytes));
  }

  async openRead(name: string): Promise<SyncFile> {
    this.#alive();
    const file = this.files.get(name);
    if (!(file instanceof MemoryFile)) throw new Error(`no readable file ${name}`);
    return new MemoryFile(file.snapshot());
  }

  async create(name: string): Promise<SyncFile> {
    this.#alive();
    const file = new CrashFile(new Uint8Array(0));
    const folder = this;
    file.crashAfter = this.crashAt;
    this.files.set(name, file);
    return {
      read: (buffer, range) => file.read(buffer, range),
      write(buffer, range) {
        folder.writes++;
        try {
          return file.write(buffer, range);
        } catch (error) {
          folder.crashed = true;
          throw error;
        }
      },
      getSize: () => file.getSize(),
      truncate: (size) => file.truncate(size),
      flush: () => file.flush(),
      close: () => undefined,
    };
  }

  async size(name: string): Promise<number | null> {
    this.#alive();
    const file = this.files.get(name);
    return file ? file.getSize() : null;
  }

  async remove(name: string): Promise<boolean> {
    this.#swapStep();
    return this.files.delete(name);
  }

  async rename(from: string, to: string): Promise<void> {
    this.#swapStep();
    const file = this.files.get(from);
    if (!file) throw new Error(`no file ${from}`);
    this.files.delete(from);
    this.files.set(to, file);
  }

  /** What is on disk after the crash, given which unflushed writes land. */
  aftermath(outcome: CrashOutcome): Record<string, Uint8Array> {
    return Object.fromEntries([...this.files].map(([name, file]) => [name, file instanceof CrashFile ? file.materialise(outcome) : file.snapshot()]));
  }

  #swapStep(): void {
    this.#alive();
    if (this.crashed) return;
    this.#swapSteps++;
    if (this.writes > 0 && this.crashAt === this.writes + this.#swapSteps) {
      this.crashed = true;
      throw new SimulatedCrash(`crash at swap step ${this.#swapSteps}`);
    }
  }

  #alive(): void {
    if (this.crashed) throw new SimulatedCrash('the world has stopped');
  }
}

/** An image with data, all-zero data clusters, a discarded (leaked) extent and leaked clusters at its end. */
function messyImage(seed: number, backing: boolean, resolveBacking: BackingResolver | undefined): Uint8Array {
  const size = 4 * MIB + 64 * KIB + 512;
  const clusterSize = 4 * KIB;
  const file = new MemoryFile();
  const image = QedImage.create(file, { size, clusterSize, tableSize: 2, ...(backing ? { backing: { name: 'base.raw', format: 'raw' as const } } : {}), resolveBacking });
  for (const op of makeWorkload(seed, 30, size, clusterSize)) applyOp(image, op);
  image.write(MIB, new Uint8Array(64 * KIB));
  image.write(2 * MIB, pattern(200 * KIB, seed));
  image.discard(2 * MIB + 40 * KIB, 100 * KIB);
  image.close();
  const bytes = file.snapshot();
  const withTail = new Uint8Array(bytes.byteLength + 3 * clusterSize + 100);
  withTail.set(bytes);
  withTail.set(pattern(3 * clusterSize + 100, seed + 1), bytes.byteLength);
  return withTail;
}

/** Outcomes tried at each crash point: everything lands, nothing unflushed lands, and two seeded subsets with torn writes. */
function outcomes(seed: number): CrashOutcome[] {
  const list: CrashOutcome[] = [
    { lands: () => true, keepSector: () => true },
    { lands: () => false, keepSector: () => true },
  ];
  for (let variant = 0; variant < 2; variant++) {
    const random = seededFloats(seed * 7 + variant);
    list.push({ lands: () => random() < 0.5, keepSector: () => random() < 0.7 });
  }
  return list;
}

/** Every guest byte of the image in `bytes`, after a read-only open. */
function guestBytes(bytes: Uint8Array, resolveBacking: BackingResolver | undefined): Uint8Array {
  const image = QedImage.open(new MemoryFile(bytes), { readOnly: true, resolveBacking });
  try {
    expect(image.check()).toMatchObject({ corruptions: 0, checkErrors: 0 });
    return image.read(0, image.size);
  } finally {
    image.close();
  }
}

const totals = { crashPoints: 0, images: 0, old: 0, new: 0 };
afterAll(() => console.log(`compaction crash sweeps: ${totals.crashPoints} crash points, ${totals.images} images recovered (${totals.old} old, ${totals.new} new)`));

describe('compaction crash sweeps', () => {
  for (const seed of [1, 2, 3]) {
    for (const backing of [false, true]) {
      it(`leaves the old or the new image after a crash at every step (seed ${seed}, ${backing ? 'raw backing file' : 'no backing file'})`, async () => {
        const resolveBacking = backing ? memoryResolver({ 'base.raw': new MemoryFile(pattern(3 * MIB, seed + 50)) }) : undefined;
        const original = messyImage(seed, backing, resolveBacking);
        const expected = guestBytes(original, resolveBacking);
        const dryRun = new CrashFolder({ [NAME]: original });
        const report = await compactFileInFolder(dryRun, NAME);
        expect(report.leakedClustersDropped).toBeGreaterThan(3);
        expect(report.zeroClustersDropped).toBeGreaterThan(0);
        const compacted = dryRun.aftermath(outcomes(0)[0]!)[NAME]!;
        expect(compacted.byteLength).toBeLessThan(original.byteLength);
        expect(Buffer.compare(guestBytes(compacted, resolveBacking), expected)).toBe(0);
        const points = dryRun.writes + 2;
        for (let crashAt = 1; crashAt <= points; crashAt++) {
          const folder = new CrashFolder({ [NAME]: original });
          folder.crashAt = crashAt;
          await expect(compactFileInFolder(folder, NAME)).rejects.toThrow(SimulatedCrash);
          totals.crashPoints++;
          for (const outcome of outcomes(seed * 1000 + crashAt)) {
            const after = new CrashFolder(folder.aftermath(outcome));
            await recoverReplacement(after, NAME);
            const left = after.aftermath(outcomes(0)[0]!);
            const bytes = left[NAME];
            if (!bytes) throw new Error(`crash point ${crashAt}: no ${NAME} after recovery`);
            expect(left[pendingNameOf(NAME)]).toBeUndefined();
            const isOld = Buffer.compare(bytes, original) === 0;
            const isNew = Buffer.compare(bytes, compacted) === 0;
            expect(isOld || isNew, `crash point ${crashAt}/${points}: neither the old nor the new image`).toBe(true);
            expect(Buffer.compare(guestBytes(bytes, resolveBacking), expected)).toBe(0);
            totals.images++;
            if (isOld) totals.old++;
            else totals.new++;
          }
        }
      });
    }
  }
});
