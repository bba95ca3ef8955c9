import { describe, expect, it } from 'vitest';
import { QedIoError } from '../../src/qed/errors.ts';
import { BackingDataPendingError } from '../../src/backends/remote/backing-pending-error.ts';
import type { PendingDataLoader } from '../../src/backends/remote/run-with-backing.ts';
import { runWithBacking } from '../../src/backends/remote/run-with-backing.ts';
import { memoryCache, randomBytes } from './helpers.ts';

const CHUNK = 4096;

/** A loader that fills chunks from `bytes` and records what it was asked for. */
function recordingLoader(fill: (first: number, count: number) => void): PendingDataLoader & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    load(error) {
      for (const { first, count } of error.ranges) {
        asked.push(`${first}+${count}`);
        fill(first, count);
      }
      return Promise.resolve();
    },
  };
}

describe('runWithBacking', () => {
  it('returns at once when nothing is missing, without loading', async () => {
    const loader = recordingLoader(() => undefined);
    await expect(runWithBacking(() => 42, loader)).resolves.toBe(42);
    expect(loader.asked).toEqual([]);
  });

  it('loads exactly the missing chunks and retries until the action succeeds', async () => {
    const bytes = randomBytes(8 * CHUNK, 1);
    const { remote } = memoryCache(bytes, CHUNK);
    remote.fill(2, bytes.subarray(2 * CHUNK, 3 * CHUNK));
    const loader = recordingLoader((first, count) => remote.fill(first, bytes.subarray(first * CHUNK, (first + count) * CHUNK)));
    let attempts = 0;
    const read = await runWithBacking(() => {
      attempts++;
      const first = new Uint8Array(3 * CHUNK);
      remote.read(first, { at: CHUNK });
      const second = new Uint8Array(CHUNK);
      remote.read(second, { at: 6 * CHUNK });
      return [first, second];
    }, loader);
    expect(read[0]).toEqual(bytes.subarray(CHUNK, 4 * CHUNK));
    expect(read[1]).toEqual(bytes.subarray(6 * CHUNK, 7 * CHUNK));
    expect(loader.asked).toEqual(['1+1', '3+1', '6+1']);
    expect(attempts).toBe(3);
    expect(remote.cachedBytes()).toBe(4 * CHUNK);
  });

  it('lets other errors through unchanged', async () => {
    const failure = new QedIoError('disk gone');
    await expect(runWithBacking(() => { throw failure; }, recordingLoader(() => undefined))).rejects.toBe(failure);
  });

  it('lets loader failures through unchanged', async () => {
    const failure = new QedIoError('offline');
    const loader: PendingDataLoader = { load: () => Promise.reject(failure) };
    await expect(runWithBacking(() => { throw new BackingDataPendingError('http://x/', [{ first: 0, count: 1 }], CHUNK); }, loader)).rejects.toBe(failure);
  });

  it('gives up with QedBackingError when loading did not make the chunks available', async () => {
    const loader = recordingLoader(() => undefined);
    const action = (): never => { throw new BackingDataPendingError('http://x/', [{ first: 5, count: 2 }], CHUNK); };
    await expect(runWithBacking(action, loader)).rejects.toMatchObject({ name: 'QedBackingError', message: expect.stringContaining('still missing') });
    expect(loader.asked).toEqual(['5+2']);
  });

  it('gives up with QedBackingError after the allowed number of rounds', async () => {
    let round = 0;
    const loader = recordingLoader(() => undefined);
    const action = (): never => { throw new BackingDataPendingError('http://x/', [{ first: round++, count: 1 }], CHUNK); };
    await expect(runWithBacking(action, loader, { maxRounds: 3 })).rejects.toMatchObject({ name: 'QedBackingError', message: expect.stringContaining('3 rounds') });
    expect(loader.asked).toEqual(['0+1', '1+1', '2+1']);
  });
});
