/** Writing a new, empty QED image: header, backing name and a zeroed L1 table. */
import {
  DEFAULT_CLUSTER_SIZE_BYTES,
  DEFAULT_TABLE_SIZE_CLUSTERS,
  FEATURE_BACKING_FILE,
  FEATURE_BACKING_FORMAT_NO_PROBE,
  HEADER_STRUCT_SIZE_BYTES,
  MAX_BACKING_NAME_BYTES,
  SECTOR_SIZE_BYTES,
} from '../qed/constants.ts';
import { QedArgumentError, QedRangeError } from '../qed/errors.ts';
import { isValidClusterSize, isValidTableSize, makeGeometry } from '../qed/geometry.ts';
import { type QedHeader, encodeBackingName, encodeHeader } from '../qed/header.ts';
import { type SyncFile, writeFully } from './sync-file.ts';
import type { CreateOptions } from './types.ts';

/**
 * Validates `options` and lays out a new image in `file` (emptied first). The geometry is the
 * one `qemu-img create` writes: header cluster(s), the L1 table right after, nothing else.
 */
export function createImageFile(file: SyncFile, options: CreateOptions): void {
  const clusterSize = options.clusterSize ?? DEFAULT_CLUSTER_SIZE_BYTES;
  const tableSize = options.tableSize ?? DEFAULT_TABLE_SIZE_CLUSTERS;
  if (!isValidClusterSize(clusterSize)) {
    throw new QedArgumentError(`cluster size ${clusterSize} must be a power of 2 from 4096 to 67108864 bytes`);
  }
  if (!isValidTableSize(tableSize) || tableSize < 2) {
    throw new QedArgumentError(`table size ${tableSize} must be a power of 2 from 2 to 16 (QEMU cannot open 1)`);
  }
  const name = options.backing ? encodeBackingName(options.backing.name) : null;
  if (name && (name.byteLength === 0 || name.byteLength > MAX_BACKING_NAME_BYTES)) {
    throw new QedArgumentError(`backing file name must be 1 to ${MAX_BACKING_NAME_BYTES} bytes long`);
  }
  if (options.size === undefined) throw new QedArgumentError('a size is required when there is no backing image');
  const size = roundUpToSector(options.size);
  const headerClusters = Math.ceil((HEADER_STRUCT_SIZE_BYTES + (name?.byteLength ?? 0)) / clusterSize);
  const geometry = makeGeometry(clusterSize, tableSize, headerClusters);
  if (BigInt(size) > geometry.maxImageSize) {
    throw new QedRangeError(`size ${size} exceeds the maximum of ${geometry.maxImageSize} bytes for ${clusterSize}-byte clusters and table size ${tableSize}`);
  }
  let features = 0n;
  if (options.backing) features |= FEATURE_BACKING_FILE;
  if (options.backing?.format === 'raw') features |= FEATURE_BACKING_FORMAT_NO_PROBE;
  const header: QedHeader = {
    clusterSize,
    tableSize,
    headerSize: headerClusters,
    features,
    compatFeatures: 0n,
    autoclearFeatures: 0n,
    l1TableOffset: headerClusters * clusterSize,
    imageSize: size,
    backingFilenameOffset: name ? HEADER_STRUCT_SIZE_BYTES : 0,
    backingFilenameSize: name?.byteLength ?? 0,
  };
  // Only a file that holds something is cut to zero: on ext4 that cut also makes the close of the
  // file wait for its data to be written back (auto_da_alloc), ~100 ms for a 256 MiB convert.
  if (file.getSize() > 0) file.truncate(0);
  writeFully(file, encodeHeader(header), 0);
  if (name) writeFully(file, name, HEADER_STRUCT_SIZE_BYTES);
  file.truncate(header.l1TableOffset + geometry.tableBytes);
  file.flush();
}

/** Rounds a size in bytes up to a multiple of 512, validating it. */
function roundUpToSector(size: number): number {
  if (!Number.isSafeInteger(size) || size < 0) throw new QedArgumentError(`size ${size} must be a non-negative integer number of bytes`);
  return Math.ceil(size / SECTOR_SIZE_BYTES) * SECTOR_SIZE_BYTES;
}
