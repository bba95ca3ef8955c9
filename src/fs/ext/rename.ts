/** Renaming on ext: moving one directory entry, replacing what it lands on, fixing `..` and link counts. */
import { FsExistsError, FsInvalidPathError, FsIsADirectoryError, FsNotADirectoryError } from '../errors.ts';
import { S_IFDIR } from './constants.ts';
import { addEntry, findEntry, readDirectory, removeEntry, retargetEntry } from './directory.ts';
import { direntType } from './file-types.ts';
import type { Inode } from './inode.ts';
import { fileFormat } from './inode.ts';
import { nameBytes } from './lookup.ts';
import type { MutationContext } from './mutations.ts';
import { addLink, dropLink, refuseInline, touchDirectory, unlinkRecord } from './mutations.ts';

/**
 * Moves entry `fromName` of `fromDir` to `toName` in `toDir`, replacing a non-directory (or, for
 * a directory, an empty directory) already there. `toDir` must not lie inside the moved directory.
 */
export function renameEntry(ctx: MutationContext, fromDir: Inode, fromName: string, toDir: Inode, toName: string, isInside: (dir: number, ancestor: number) => boolean): void {
  refuseInline(fromDir);
  refuseInline(toDir);
  const sourceRecord = findEntry(ctx.volume, fromDir, nameBytes(fromName));
  if (!sourceRecord) throw new FsExistsError(`'${fromName}' does not exist`);
  const toBytes = nameBytes(toName);
  const source = ctx.volume.readInode(sourceRecord.inode);
  const sourceIsDir = fileFormat(source.mode) === S_IFDIR;
  if (sourceIsDir && isInside(toDir.number, source.number)) throw new FsInvalidPathError(`cannot move a directory into itself`);
  const same = fromDir.number === toDir.number;
  const targetDir = same ? fromDir : toDir;
  const existing = findEntry(ctx.volume, targetDir, toBytes);
  if (existing) {
    if (existing.inode === source.number) return;
    const target = ctx.volume.readInode(existing.inode);
    const targetIsDir = fileFormat(target.mode) === S_IFDIR;
    if (targetIsDir && !sourceIsDir) throw new FsIsADirectoryError(`'${toName}' is a directory`);
    if (!targetIsDir && sourceIsDir) throw new FsNotADirectoryError(`'${toName}' is not a directory`);
    unlinkRecord(ctx, targetDir, existing);
  }
  const record = findEntry(ctx.volume, fromDir, nameBytes(fromName))!;
  removeEntry(ctx.volume, ctx.allocator, fromDir, record);
  addEntry(ctx.volume, ctx.allocator, targetDir, toBytes, source.number, direntType(source.mode));
  if (sourceIsDir && !same) {
    const dotdot = readDirectory(ctx.volume, source).find((entry) => entry.name === '..');
    if (dotdot) retargetEntry(ctx.volume, source, dotdot, targetDir.number);
    dropLink(fromDir);
    addLink(ctx, targetDir);
  }
  source.ctime = ctx.now;
  ctx.volume.writeInode(source);
  touchDirectory(ctx, fromDir);
  if (!same) touchDirectory(ctx, targetDir);
}

