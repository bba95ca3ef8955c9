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
import { RecordingFile } from '../support/recording-file.ts';

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

describe('DiskSession group commit', () => {
  it('answers writes that arrive together after one commit, with every one of them in the file', async () => {
    const base = new MemoryFile(new Uint8Array(1024 * 1024).fill(7));
    const bytes = new MemoryFile();
    const file = new RecordingFile(bytes);
    const resolveBacking = (): MemoryFile => base;
    const image = QedImage.create(file, { size: 1024 * 1024, clusterSize: 4096, backing: { name: 'b', format: 'raw' }, resolveBacking, groupCommitLimit: 64 });
    image.write(0, new Uint8Array(512).fill(1)); // the first table exists
    const chain = new BackingChain(UNUSED_OPFS_ENTRY, 'unit', []);
    const disk = new DiskSession({ name: 'unit', image, file, fileHandle: UNUSED_OPFS_ENTRY, lock: { name: 'unit', release: () => undefined }, chain, reopen: () => Promise.reject(new Error('unused')) });
    file.calls.length = 0;
    const answered: number[] = [];
    // As the lane hands over one batch: eight allocating writes in one turn.
    const writes = Array.from({ length: 8 }, (_, i) => disk.write((i + 1) * 8192, new Uint8Array(512).fill(10 + i)).then(() => answered.push(i)));
    expect(image.pendingAllocations).toBe(8); // all ran, none committed, none answered
    expect(answered).toEqual([]);
    await Promise.all(writes);
    expect(file.calls.filter((call) => call.op === 'flush')).toHaveLength(1);
    expect(image.pendingAllocations).toBe(0);
    // A worker killed now: the file as it is holds every answered write.
    const killed = QedImage.open(new MemoryFile(bytes.snapshot()), { readOnly: true, resolveBacking });
    for (let i = 0; i < 8; i++) expect(killed.read((i + 1) * 8192, 512)).toEqual(new Uint8Array(512).fill(10 + i));
    // A lone write is answered after its own commit.
    await disk.write(20 * 8192, new Uint8Array(512).fill(30));
    expect(image.pendingAllocations).toBe(0);
    await disk.close();
  });
});

describe('DiskSession answer order', () => {
  for (const backing of [false, true]) {
    it(`answers requests made in one turn in the order they were made (${backing ? 'group commit over a base' : 'no base'})`, async () => {
      const base = new MemoryFile(new Uint8Array(1024 * 1024).fill(7));
      const file = new MemoryFile();
      const image = backing
        ? QedImage.create(file, { size: 1024 * 1024, clusterSize: 4096, backing: { name: 'b', format: 'raw' }, resolveBacking: () => base, groupCommitLimit: 64 })
        : QedImage.create(file, { size: 1024 * 1024, clusterSize: 4096 });
      image.write(0, new Uint8Array(512).fill(1));
      const chain = new BackingChain(UNUSED_OPFS_ENTRY, 'unit', []);
      const disk = new DiskSession({ name: 'unit', image, file, fileHandle: UNUSED_OPFS_ENTRY, lock: { name: 'unit', release: () => undefined }, chain, reopen: () => Promise.reject(new Error('unused')) });
      const order: string[] = [];
      const requests = [
        disk.write(8192, new Uint8Array(512).fill(2)).then(() => order.push('write 1')),
        disk.read(0, 512).then(() => order.push('read 2')),
        disk.write(3 * 8192, new Uint8Array(512).fill(3)).then(() => order.push('write 3')),
        disk.read(8192, 512).then((data) => order.push(`read 4 sees ${data[0]}`)),
        disk.flush().then(() => order.push('flush 5')),
        disk.read(5 * 8192, 512).then(() => order.push('read 6')),
      ];
      await Promise.all(requests);
      expect(order).toEqual(['write 1', 'read 2', 'write 3', 'read 4 sees 2', 'flush 5', 'read 6']);
      await disk.close();
    });
  }
});
