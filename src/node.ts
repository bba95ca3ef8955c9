/** qedisk for Node.js: the engine, plus a `SyncFile` over local files and a backing resolver for local paths. */
import { dirname, isAbsolute, resolve } from 'node:path';
import { NodeFile } from './backends/node-file.ts';
import type { BackingResolver } from './engine/types.ts';

export * from './engine/index.ts';
export { NodeFile, type NodeFileMode } from './backends/node-file.ts';

/**
 * A backing resolver for images on the local file system: a relative backing name is resolved
 * against the directory of `imagePath` (as QEMU does), and the file is opened read-only. Each
 * level of a chain resolves against the directory of the image that names it.
 */
export function nodeBackingResolver(imagePath: string): BackingResolver {
  const directories = [dirname(resolve(imagePath))];
  return ({ name, depth }) => {
    const base = directories[depth - 1] ?? directories[directories.length - 1]!;
    const path = isAbsolute(name) ? name : resolve(base, name);
    directories[depth] = dirname(path);
    return NodeFile.open(path, 'read');
  };
}
