/** Opening images that may be refused, with the file handle always released. */
import { NodeFile, QedImage, nodeBackingResolver } from '../../src/node.ts';

/**
 * Opens `path` with qedisk and closes it again. Returns null on success, or what `open` threw
 * (the file, which stays the caller's on failure, is closed here).
 */
export function openError(path: string, readOnly: boolean): unknown {
  const file = NodeFile.open(path, readOnly ? 'read' : 'readwrite');
  let image: QedImage;
  try {
    image = QedImage.open(file, { readOnly, resolveBacking: nodeBackingResolver(path) });
  } catch (error) {
    file.close();
    return error;
  }
  image.close();
  return null;
}
