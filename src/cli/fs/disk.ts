/**
 * Opening the disk named on the command line for the file commands (`partitions`, `ls`, `cat`,
 * `put`, `mkdir`, `rm`): a QED image through the engine, anything else as a raw disk image.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { BlockDevice } from '../../fs/block-device.ts';
import { NodeFileDevice } from '../../fs/node-device.ts';
import type { FileSystem } from '../../fs/file-system.ts';
import { openFileSystem } from '../../fs/open.ts';
import { QED_MAGIC } from '../../qed/constants.ts';
import { CliUsageError, withPath } from '../errors.ts';
import { withImage } from '../open-image.ts';

/** True when the file at `path` starts with the QED magic. */
function isQed(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && head.readUInt32LE(0) === QED_MAGIC;
  } finally {
    closeSync(fd);
  }
}

/** Runs `action` on the disk at `path` (QED or raw), opened for reading or writing, and closes it. */
export async function withDisk<T>(path: string, mode: 'read' | 'write', action: (device: BlockDevice) => Promise<T> | T): Promise<T> {
  if (isQed(path)) return withImage(path, { mode }, ({ image }) => action(image));
  const device = NodeFileDevice.open(path, mode === 'read' ? 'read' : 'readwrite');
  try {
    return await action(device);
  } catch (error) {
    throw withPath(error, path);
  } finally {
    device.close();
  }
}

/** Parses the `--partition N` value (a number from 1), or undefined when absent. */
export function parsePartition(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9][0-9]{0,3}$/.test(text)) throw new CliUsageError(`partition '${text}' is not a number from 1`);
  return Number(text);
}

/** Runs `action` on the file system of the disk at `path` (whole disk or partition `partition`). */
export async function withFileSystem<T>(path: string, mode: 'read' | 'write', partition: number | undefined, action: (fs: FileSystem) => Promise<T> | T): Promise<T> {
  return withDisk(path, mode, async (device) => {
    const { fs } = openFileSystem(device, { ...(partition === undefined ? {} : { partition }), readOnly: mode === 'read' });
    const result = await action(fs);
    if (mode === 'write') fs.flush();
    return result;
  });
}

/** The option spec every file command shares. */
export const PARTITION_OPTION = { partition: { type: 'string', short: 'p' } } as const;

/** Help lines for `--partition`. */
export const PARTITION_HELP = [
  '  --partition N, -p N   use partition N (numbered as `qedisk partitions` prints them); without',
  '                        it: the whole disk if it holds a file system, else the only partition',
  '                        that does',
];
