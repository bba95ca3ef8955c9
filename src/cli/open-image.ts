/** Opening a QED image named on the command line, with its backing chain resolved on disk. */
import { MemoryFile } from '../backends/memory-file.ts';
import { NodeFile } from '../backends/node-file.ts';
import { QedImage } from '../engine/qed-image.ts';
import type { BackingResolver } from '../engine/types.ts';
import { nodeBackingResolver } from '../node.ts';
import { withPath } from './errors.ts';

/** How a command opens its image. */
export interface OpenImageOptions {
  /** `read` never writes to the file; `write` may (and repairs a dirty image, as QEMU does). */
  mode: 'read' | 'write';
  /**
   * When true, a backing file that cannot be opened is replaced by an empty one instead of
   * failing, and its error is recorded (for `info`, which never reads guest data).
   */
  tolerateMissingBacking?: boolean;
}

/** An open image and, when a missing backing file was tolerated, why it could not be opened. */
export interface OpenedImage {
  /** The image; the caller closes it. */
  image: QedImage;
  /** The backing file's open error, when one was tolerated. */
  backingProblem: string | null;
}

/**
 * Opens the QED image at `path`. Errors carry the path in their message; on failure nothing is
 * left open.
 */
export function openImage(path: string, options: OpenImageOptions): OpenedImage {
  let backingProblem: string | null = null;
  const resolve = nodeBackingResolver(path);
  const tolerant: BackingResolver = (request) => {
    try {
      return resolve(request);
    } catch (error) {
      backingProblem ??= error instanceof Error ? error.message : String(error);
      return new MemoryFile();
    }
  };
  const file = NodeFile.open(path, options.mode === 'read' ? 'read' : 'readwrite');
  try {
    const image = QedImage.open(file, {
      readOnly: options.mode === 'read',
      resolveBacking: options.tolerateMissingBacking ? tolerant : resolve,
    });
    return { image, backingProblem };
  } catch (error) {
    file.close();
    throw withPath(error, path);
  }
}

/**
 * Opens the image at `path`, runs `action` on it and closes it, even when `action` fails. An
 * error from `action` wins over one from closing.
 */
export async function withImage<T>(path: string, options: OpenImageOptions, action: (opened: OpenedImage) => Promise<T> | T): Promise<T> {
  const opened = openImage(path, options);
  let result: T;
  try {
    result = await action(opened);
  } catch (error) {
    try {
      opened.image.close();
    } catch {
      // The first error is the one to report.
    }
    throw withPath(error, path);
  }
  try {
    opened.image.close();
  } catch (error) {
    throw withPath(error, path);
  }
  return result;
}
