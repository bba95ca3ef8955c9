/**
 * `SnapshotView.borrow`: a files view of a snapshot that reads through the loans of an open disk's
 * backing chain (no second OPFS handle, which Firefox refuses). The chain runs over a stand-in
 * folder whose sync handles behave as OPFS's do after `close` (an `InvalidStateError`).
 */
import { describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import type { FileRange, SyncFile } from '../../src/engine/sync-file.ts';
import { snapshotFileName } from '../../src/protocol/base-names.ts';
import { QedClosedError } from '../../src/qed/errors.ts';
import { BackingChain } from '../../worker/backing-chain.ts';
import { SnapshotView } from '../../worker/files/snapshot-view.ts';
import { pattern } from '../support/images.ts';

const MIB = 1024 * 1024;
const SNAPSHOT_ID = '1';
const SNAPSHOT_FILE = snapshotFileName('unit', SNAPSHOT_ID);

/** A sync access handle over `file`: after `close`, every call throws `InvalidStateError`, as OPFS's do. */
function syncHandle(file: MemoryFile, opened: { count: number }): SyncFile {
  let closed = false;
  const live = (): MemoryFile => {
    if (closed) throw new DOMException('the handle is closed', 'InvalidStateError');
    return file;
  };
  opened.count++;
  return {
    read: (buffer: Uint8Array, range: FileRange) => live().read(buffer, range),
    write: (buffer: Uint8Array, range: FileRange) => live().write(buffer, range),
    getSize: () => live().getSize(),
    truncate: (size: number) => live().truncate(size),
    flush: () => live().flush(),
    close: () => {
      closed = true;
    },
  };
}

/** A folder holding `files`, counting the sync handles opened on them. */
function folderOf(files: Map<string, MemoryFile>, opened: { count: number }): FileSystemDirectoryHandle {
  const folder = {
    getFileHandle: (name: string) => {
      const file = files.get(name);
      if (!file) return Promise.reject(new DOMException(`no ${name}`, 'NotFoundError'));
      return Promise.resolve({ createSyncAccessHandle: () => Promise.resolve(syncHandle(file, opened)) });
    },
  };
  return folder as unknown as FileSystemDirectoryHandle;
}

/** Disk `unit` open over its chain: an overlay (`top`) on snapshot 1, which holds `pattern(1 MiB, 5)`. */
async function openDisk(): Promise<{ chain: BackingChain; top: QedImage; opened: { count: number } }> {
  const written = new MemoryFile();
  const frozen = QedImage.create(written, { size: MIB });
  frozen.write(0, pattern(MIB, 5));
  frozen.close();
  const opened = { count: 0 };
  const chain = new BackingChain(folderOf(new Map([[SNAPSHOT_FILE, new MemoryFile(written.snapshot())]]), opened), 'unit', []);
  const top = await chain.open(() => QedImage.create(new MemoryFile(), { backing: { name: SNAPSHOT_FILE, format: 'qed' }, resolveBacking: chain.resolve }));
  top.write(0, new Uint8Array(4096).fill(9)); // the guest goes on writing its overlay
  return { chain, top, opened };
}

describe('SnapshotView.borrow', () => {
  it('reads the snapshot through the chain’s open file, not the overlay, and leaves that file open when it closes', async () => {
    const { chain, top, opened } = await openDisk();
    const view = SnapshotView.borrow(chain, 'unit', SNAPSHOT_ID, 1);
    expect(view.borrowed).toBe(true);
    const read = await view.run((image) => image.read(0, 8192));
    expect(Buffer.compare(read, pattern(MIB, 5).subarray(0, 8192))).toBe(0);
    expect(opened.count).toBe(1);
    await view.close();
    expect(Buffer.compare(top.read(4096, 4096), pattern(MIB, 5).subarray(4096, 8192))).toBe(0);
    top.close();
    chain.close();
  });

  it('rejects with QedClosedError, not a read error, once the chain has let go of a file under it', async () => {
    const { chain, top } = await openDisk();
    const view = SnapshotView.borrow(chain, 'unit', SNAPSHOT_ID, 1);
    await view.run((image) => image.read(0, 512));
    top.close();
    // The disk's file replaced by one on no snapshot: the reopen prunes (and closes) the snapshot's file.
    const next = await chain.open(() => QedImage.create(new MemoryFile(), { size: MIB }));
    await expect(view.run((image) => image.read(MIB / 2, 512))).rejects.toBeInstanceOf(QedClosedError);
    next.close();
    chain.close();
  });

  it('says QedClosedError when the chain closes while a request runs', async () => {
    const { chain, top } = await openDisk();
    const view = SnapshotView.borrow(chain, 'unit', SNAPSHOT_ID, 1);
    const failure = view.run(async (image) => {
      await Promise.resolve();
      top.close();
      chain.close(); // the page closed the disk between two reads of one request
      return image.read(MIB / 2, 512);
    });
    await expect(failure).rejects.toBeInstanceOf(QedClosedError);
  });
});
