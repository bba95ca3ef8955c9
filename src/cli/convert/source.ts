/**
 * The input of `convert`: any image format qedisk reads (QED, qcow2, VMDK, VHD, VHDX, VDI or
 * raw), probed unless given, with its backing chain resolved next to it. Read-only.
 */
import { NodeFile } from '../../backends/node-file.ts';
import { openImageReader } from '../../formats/index.ts';
import { type ImageFormat, dataRanges } from '../../formats/image-reader.ts';
import { probeImageFormat } from '../../formats/probe.ts';
import type { DataRange } from '../../formats/ranges.ts';
import { nodeBackingResolver } from '../../node.ts';
import { withPath } from '../errors.ts';
import { nodeInflateRaw } from './node-inflate.ts';

/** A half-open byte range `[start, end)` of the virtual disk. */
export type ByteRange = DataRange;

/** A virtual disk to copy from. */
export interface ConvertSource {
  /** The input's format, as probed or forced. */
  readonly format: ImageFormat;
  /** Virtual size in bytes. */
  readonly size: number;
  /** Fills `target` with the disk's bytes at `offset` (inside the disk). */
  readInto(target: Uint8Array, offset: number): void;
  /** Ranges that may hold nonzero bytes, in order and disjoint; everything else reads as zeros. */
  dataRanges(): ByteRange[];
  /** Closes the input (and its backing chain). */
  close(): void;
}

/**
 * Opens `path` read-only as an image of `format`, or of the probed format when `format` is not
 * given, its backing chain resolved next to it. Throws the readers' typed errors, with the path
 * in the message.
 */
export function openSource(path: string, format?: ImageFormat): ConvertSource {
  const file = NodeFile.open(path, 'read');
  try {
    const actual = format ?? probeImageFormat(file);
    const reader = openImageReader(file, actual, nodeBackingResolver(path), { inflateRaw: nodeInflateRaw });
    return {
      format: actual,
      size: reader.size,
      readInto: (target, offset) => reader.readInto(offset, target),
      dataRanges: () => dataRanges(reader),
      close: () => reader.close(),
    };
  } catch (error) {
    file.close();
    throw withPath(error, path);
  }
}
