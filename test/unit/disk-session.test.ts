/**
 * The worker's `DiskSession` over the real engine in memory (the OPFS parts it would use, a folder
 * and a file handle, stay untouched by these requests).
 */
import { describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import { QedCorruptionError, QedIoError } from '../../src/qed/errors.ts';
import { BackingChain } from '../../worker/backing-chain.ts';
import { DiskSession, type OpenTop } from '../../worker/disk-session.ts';

/** Stands in for the OPFS folder and file handle, which these requests never use. */
const UNUSED_OPFS_ENTRY = Object.freeze({}) as FileSystemDirectoryHandle & FileSystemFileHandle;

/** A session on a 1 MiB in-memory disk whose reopen runs `reopen`; `released` counts lock releases. */
function session(reopen: () => Promise<OpenTop>): { session: DiskSession; released: () => number } {
  const file = new MemoryFile();
  const image = QedImage.create(file, { size: 1024 * 1024 });
  let releases = 0;
  const lock = { name: 'unit', release: () => void releases++ };
  const chain = new BackingChain(UNUSED_OPFS_ENTRY, 'unit', []);
  return { session: new DiskSession({ name: 'unit', image, file, fileHandle: UNUSED_OPFS_ENTRY, lock, chain, reopen }), released: () => releases };
}

describe('DiskSession.replaceFile', () => {
  it('reports the change’s failure, with the failed reopen in its message, when both fail', async () => {
    const { session: disk, released } = session(() => Promise.reject(new QedIoError('the new file cannot be opened')));
    const failure = await disk.replaceFile(() => Promise.reject(new QedCorruptionError('the snapshot chain is broken'))).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(QedCorruptionError);
    expect((failure as Error).message).toMatch(/^the snapshot chain is broken/);
    expect((failure as Error).message).toMatch(/reopening the disk afterwards failed: QedIoError: the new file cannot be opened/);
    expect(Reflect.get(failure as object, 'reopenError')).toBeInstanceOf(QedIoError);
    expect(released()).toBe(1);
    await expect(disk.read(0, 512)).rejects.toThrow(/closed/);
  });

  it('reports the reopen’s failure when only the reopen fails', async () => {
    const { session: disk } = session(() => Promise.reject(new QedIoError('the new file cannot be opened')));
    await expect(disk.replaceFile(() => Promise.resolve('done'))).rejects.toThrow(QedIoError);
  });

  it('reports the change’s failure and stays open when the reopen succeeds', async () => {
    const replacement = new MemoryFile();
    const reopened = QedImage.create(replacement, { size: 1024 * 1024 });
    const { session: disk } = session(() => Promise.resolve({ image: reopened, file: replacement, fileHandle: UNUSED_OPFS_ENTRY }));
    await expect(disk.replaceFile(() => Promise.reject(new QedCorruptionError('no such snapshot')))).rejects.toThrow(/^no such snapshot$/);
    await disk.write(0, new Uint8Array(512).fill(3));
    expect(await disk.read(0, 512)).toEqual(new Uint8Array(512).fill(3));
    await disk.close();
  });
});
