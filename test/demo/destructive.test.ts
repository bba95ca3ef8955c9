import { describe, expect, it } from 'vitest';
import { type DiskFacts, deleteDiskRequest, deleteSnapshotRequest, resetRequest, restoreRequest } from '../../demo/destructive.ts';
import { originalBase, sitsOnSnapshot } from '../../demo/disk-chain.ts';

const MIB = 1024 * 1024;

function facts(overrides: Partial<DiskFacts> = {}): DiskFacts {
  return { name: 'lab', size: 64 * MIB, allocatedBytes: 3 * MIB, snapshotLabels: [], base: null, vmRunning: false, ...overrides };
}

describe('the questions before destructive actions', () => {
  it('an erase names the data lost, the snapshots deleted with it, and that it cannot be undone', () => {
    const request = resetRequest(facts({ snapshotLabels: ['a', 'b', 'c', 'd', 'e'], vmRunning: true }));
    const text = request.details.join(' ');
    expect(request.title).toBe('Erase disk “lab”?');
    expect(request.confirmLabel).toBe('Erase');
    expect(text).toContain('3.0 MiB stored');
    expect(text).toContain('empty 64.0 MiB disk');
    expect(text).toContain('5 snapshots (“a”, “b”, “c” and 2 more) are deleted too');
    expect(text).toContain('cannot be undone');
    expect(text).toContain('The VM on it stops first');
  });

  it('a reset to the base names what is dropped, keeps the snapshots and offers an undo', () => {
    const request = resetRequest(facts({ base: 'http://example.test/base.ext2', snapshotLabels: ['one'] }));
    const text = request.details.join(' ');
    expect(request.title).toBe('Reset disk “lab” to its base?');
    expect(text).toContain('3.0 MiB in the overlay');
    expect(text).toContain('1 snapshot (“one”) stay');
    expect(text).toContain('Undo');
    expect(text).not.toContain('VM');
  });

  it('a restore names the snapshot and offers an undo; deletes say what is gone for good', () => {
    expect(restoreRequest(facts(), 'clean install').details.join(' ')).toMatch(/back to snapshot “clean install”.*Undo/);
    const unknownSize = deleteDiskRequest(facts({ allocatedBytes: null, snapshotLabels: ['x'] })).details.join(' ');
    expect(unknownSize).toContain('all of its data are deleted from this browser, with its 1 snapshot (“x”)');
    expect(deleteSnapshotRequest('lab', 'x').details.join(' ')).toContain('can no longer go back to “x”');
  });
});

describe('the backing chain as the demo reads it', () => {
  it('tells an overlay on its own snapshot from one on a base, and finds the base below the snapshots', () => {
    const onSnapshot = {
      backingFile: 'lab.2.qsnap',
      chain: [
        { name: 'lab.2.qsnap', kind: 'snapshot' as const, reads: 0, bytesRead: 0 },
        { name: 'lab.1.qsnap', kind: 'snapshot' as const, reads: 0, bytesRead: 0 },
        { name: 'http://h/base.ext2', kind: 'url' as const, reads: 0, bytesRead: 0 },
      ],
    };
    expect(sitsOnSnapshot(onSnapshot)).toBe(true);
    expect(originalBase(onSnapshot)?.name).toBe('http://h/base.ext2');
    const onBase = { backingFile: 'http://h/base.ext2', chain: [{ name: 'http://h/base.ext2', kind: 'url' as const, reads: 0, bytesRead: 0 }] };
    expect(sitsOnSnapshot(onBase)).toBe(false);
    expect(originalBase({ backingFile: null, chain: [] })).toBeNull();
    // Without chain facts, the snapshot file name tells.
    expect(sitsOnSnapshot({ backingFile: 'lab.7.qsnap' })).toBe(true);
    expect(originalBase({ backingFile: 'lab.7.qsnap' })).toBeNull();
  });
});
