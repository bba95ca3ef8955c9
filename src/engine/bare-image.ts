/**
 * A QED file opened for reading its metadata only: the header, the geometry and the L1 table,
 * without opening a backing image (compaction and space reports never read guest data through
 * the backing chain). Internal to the engine.
 */
import { HEADER_STRUCT_SIZE_BYTES } from '../qed/constants.ts';
import type { Geometry } from '../qed/geometry.ts';
import { type QedHeader, decodeHeader, hasBackingFile, validateHeader } from '../qed/header.ts';
import { Table } from '../qed/table.ts';
import { type CheckSubject, checkImage } from './check.ts';
import { type SyncFile, readFully } from './sync-file.ts';
import type { CheckReport, SpaceReport } from './types.ts';

/** The metadata of a QED file, read once. */
export interface BareImage extends CheckSubject {
  /** The header as stored. */
  readonly header: QedHeader;
  /** True when the header names a backing file. */
  readonly hasBacking: boolean;
}

/**
 * Reads and validates the header of the QED file `file` and its L1 table, as `QedImage.open`
 * does, but never opens the backing file and never writes. Throws `QedFormatError` or
 * `QedCorruptionError`.
 */
export function openBareImage(file: SyncFile): BareImage {
  const fileSize = file.getSize();
  const headerBytes = new Uint8Array(Math.min(fileSize, HEADER_STRUCT_SIZE_BYTES));
  readFully(file, headerBytes, 0);
  const header = decodeHeader(headerBytes);
  const geometry: Geometry = validateHeader(header, fileSize);
  const l1 = Table.empty(geometry.tableBytes);
  readFully(file, l1.bytes, header.l1TableOffset);
  return { file, geometry, header, l1, l1Offset: header.l1TableOffset, imageSize: header.imageSize, hasBacking: hasBackingFile(header) };
}

/**
 * Where the bytes of the QED file `file` go, from one read-only pass over its tables (no guest
 * data is read, no backing file opened). `file` is only read; the caller keeps it.
 */
export function inspectImageSpace(file: SyncFile): SpaceReport {
  const image = openBareImage(file);
  return describeSpace(image, checkImage(image, false));
}

/** The space figures of `image` from its check report. */
export function describeSpace(image: BareImage, report: CheckReport): SpaceReport {
  const { geometry } = image;
  const fileBytes = report.imageEndOffset;
  const dataBytes = report.allocatedClusters * geometry.clusterSize;
  // Past the last whole cluster QEMU sees nothing: a partial cluster there is waste too.
  const leakedBytes = report.checkErrors > 0 ? 0 : report.leaks * geometry.clusterSize + (fileBytes % geometry.clusterSize);
  return {
    fileBytes,
    dataBytes,
    leakedBytes,
    metadataBytes: Math.max(0, fileBytes - dataBytes - leakedBytes),
    consistent: report.corruptions === 0 && report.checkErrors === 0,
  };
}
