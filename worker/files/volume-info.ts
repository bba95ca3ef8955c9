/** What `FilesWorkerApi.volume` reports, from an open file system. */
import type { OpenedFileSystem } from '../../src/fs/open.ts';
import type { VolumeInfo } from '../../src/protocol/files.ts';

/** Kind, label, space and write state of `opened`; `snapshot` is the snapshot it was read from, or null. */
export function volumeInfo(opened: OpenedFileSystem, snapshot: string | null, attached: boolean): VolumeInfo {
  const { fs, partition } = opened;
  const ownReason: unknown = Reflect.get(fs, 'readOnlyReason');
  const replayed: unknown = Reflect.get(fs, 'journalReplayed');
  const readOnlyReason =
    snapshot !== null ? `snapshot ${snapshot} is read-only` : attached ? 'the disk is attached to a running VM' : fs.readOnly ? (typeof ownReason === 'string' ? ownReason : 'the file system is read-only') : null;
  return {
    kind: fs.kind,
    label: fs.label,
    partition: partition === null ? null : { ...partition, fileSystem: fs.kind },
    readOnly: readOnlyReason !== null,
    readOnlyReason,
    journalReplayed: replayed === true,
    usage: fs.usage(),
    snapshot,
    attached,
  };
}
