/** The input of `convert`: a QED image (found by its magic) or a raw file, read-only. */
import { NodeFile } from '../../backends/node-file.ts';
import { RawImage } from '../../engine/block-reader.ts';
import { QedImage } from '../../engine/qed-image.ts';
import { readFully } from '../../engine/sync-file.ts';
import { nodeBackingResolver } from '../../node.ts';
import { QedFormatError } from '../../qed/errors.ts';
import { hasQedMagic } from '../../qed/header.ts';
import { withPath } from '../errors.ts';

/** A half-open byte range `[start, end)` of the virtual disk. */
export interface ByteRange {
  start: number;
  end: number;
}

/** A virtual disk to copy from. */
export interface ConvertSource {
  /** `qed` or `raw`, as probed. */
  readonly format: 'qed' | 'raw';
  /** Virtual size in bytes. */
  readonly size: number;
  /** Fills `target` with the disk's bytes at `offset` (inside the disk). */
  readInto(target: Uint8Array, offset: number): void;
  /** Ranges that may hold nonzero bytes, in order and disjoint; everything else reads as zeros. */
  dataRanges(): ByteRange[];
  /** Closes the input (and its backing chain). */
  close(): void;
}

/** The qcow2 magic "QFI\xfb", recognised only to refuse it clearly. */
const QCOW2_MAGIC = Uint8Array.of(0x51, 0x46, 0x49, 0xfb);

/**
 * Opens `path` read-only as a QED image when it has the QED magic (its backing chain resolved
 * next to it), or else as a raw disk. Throws `QedFormatError` for qcow2 input.
 */
export function openSource(path: string): ConvertSource {
  const file = NodeFile.open(path, 'read');
  try {
    const magic = new Uint8Array(4);
    readFully(file, magic, 0);
    if (magic.every((byte, i) => byte === QCOW2_MAGIC[i])) {
      throw new QedFormatError('the input is a qcow2 image, which qedisk cannot read (convert it with qemu-img first)');
    }
    if (hasQedMagic(magic)) return qedSource(QedImage.open(file, { readOnly: true, resolveBacking: nodeBackingResolver(path) }));
    return rawSource(new RawImage(file));
  } catch (error) {
    file.close();
    throw withPath(error, path);
  }
}

/** A QED input: only data clusters and backed unallocated ranges need reading. */
function qedSource(image: QedImage): ConvertSource {
  return {
    format: 'qed',
    size: image.size,
    readInto: (target, offset) => image.readInto(offset, target),
    dataRanges: () => {
      const ranges: ByteRange[] = [];
      for (const extent of image.map()) {
        if (extent.kind === 'zero' || (extent.kind === 'unallocated' && !extent.fromBacking)) continue;
        const last = ranges[ranges.length - 1];
        if (last && last.end === extent.start) last.end += extent.length;
        else ranges.push({ start: extent.start, end: extent.start + extent.length });
      }
      return ranges;
    },
    close: () => image.close(),
  };
}

/** A raw input: every byte may be data. */
function rawSource(raw: RawImage): ConvertSource {
  return {
    format: 'raw',
    size: raw.size,
    readInto: (target, offset) => raw.readInto(offset, target),
    dataRanges: () => (raw.size > 0 ? [{ start: 0, end: raw.size }] : []),
    close: () => raw.close(),
  };
}
