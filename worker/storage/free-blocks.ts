/**
 * Giving back what the guest deleted, without the guest's help: v86's IDE controller has no
 * DATA SET MANAGEMENT (TRIM) command and advertises none, so a Linux guest never issues a
 * discard. Instead, while the file system is clean (unmounted, or remounted read-only), its
 * block bitmaps say which blocks are free; every whole cluster of the disk that lies in free
 * blocks only is discarded (`QedImage.discard`), and a compaction then drops those clusters.
 * ext2, ext3 and ext4 (without bigalloc or meta_bg), on the whole disk or in one partition.
 *
 * Restartable: every read (the only source of `BackingDataPendingError` over an HTTP base)
 * happens before the first discard.
 */
import type { QedImage } from '../../src/engine/qed-image.ts';
import type { FreeSpaceResult } from '../../src/protocol/storage.ts';
import { type BlockDevice, SliceDevice, openFileSystem } from '../../src/fs/index.ts';
import { INCOMPAT, RO_COMPAT } from '../../src/fs/ext/constants.ts';
import { decodeGroupDescriptor } from '../../src/fs/ext/group-descriptors.ts';
import { decodeSuperblock } from '../../src/fs/ext/superblock.ts';

/** Where the superblock starts inside an ext file system, and its length, in bytes. */
const SUPERBLOCK_AT = 1024;
const SUPERBLOCK_BYTES = 1024;
/** `s_state` bits: cleanly unmounted, errors detected. */
const STATE_VALID = 0x1;
const STATE_ERRORS = 0x2;
/** Group descriptor flag: the block bitmap was never initialised (all free but metadata). */
const BLOCK_UNINIT = 0x2;

/** A byte range of a device. */
export interface ByteRange {
  /** First byte. */
  start: number;
  /** Bytes in the range. */
  length: number;
}

/** The free blocks of an ext file system, or why they cannot be trusted. */
type FreeRanges = { kind: string; ranges: ByteRange[]; freeBytes: number } | { skipped: string; kind: string | null };

/**
 * Discards the clusters of `image` that lie wholly in free blocks of its file system. Reads the
 * bitmaps first, then discards; throws only what the image throws (a typed `QedError`).
 */
export function discardFreeBlocks(image: QedImage): FreeSpaceResult {
  const found = findFreeRanges(image);
  if ('skipped' in found) return { fileSystem: found.kind, freeBytes: 0, discardedBytes: 0, skipped: found.skipped };
  const before = image.info().allocatedBytes;
  for (const range of found.ranges) image.discard(range.start, range.length);
  return { fileSystem: found.kind, freeBytes: found.freeBytes, discardedBytes: before - image.info().allocatedBytes, skipped: null };
}

/** The free blocks of the ext file system on `device` (whole disk or its one partition), as device byte ranges. */
export function findFreeRanges(device: BlockDevice): FreeRanges {
  let opened: ReturnType<typeof openFileSystem>;
  try {
    opened = openFileSystem(device, { readOnly: true });
  } catch (error) {
    return { kind: null, skipped: `no file system qedisk can read (${error instanceof Error ? error.message : String(error)})` };
  }
  const { fs, partition } = opened;
  if (!fs.kind.startsWith('ext')) return { kind: fs.kind, skipped: `free space is only read from ext2/3/4 file systems, not ${fs.kind}` };
  const base = partition ? partition.start : 0;
  const volume = partition ? new SliceDevice(device, partition.start, partition.size) : device;
  const raw = new Uint8Array(SUPERBLOCK_BYTES);
  volume.readInto(SUPERBLOCK_AT, raw);
  const sb = decodeSuperblock(raw);
  const refusal = refuse(sb.state, sb.incompat, sb.roCompat);
  if (refusal) return { kind: fs.kind, skipped: refusal };
  const ranges: ByteRange[] = [];
  let freeBytes = 0;
  const perBlock = sb.blockSize / sb.descSize;
  const block = new Uint8Array(sb.blockSize);
  for (let group = 0; group < sb.groupCount; group++) {
    const gdtBlock = sb.firstDataBlock + 1 + Math.floor(group / perBlock);
    volume.readInto(gdtBlock * sb.blockSize, block);
    const at = (group % perBlock) * sb.descSize;
    const gd = decodeGroupDescriptor(sb, group, block.slice(at, at + sb.descSize));
    if (gd.flags & BLOCK_UNINIT) continue; // free, but its bitmap is not on disk: leave it alone
    const first = sb.firstDataBlock + group * sb.blocksPerGroup;
    const count = Math.min(sb.blocksPerGroup, sb.blocksCount - first);
    volume.readInto(gd.blockBitmap * sb.blockSize, block);
    for (let bit = 0; bit < count; ) {
      if (block[bit >> 3]! & (1 << (bit & 7))) {
        bit++;
        continue;
      }
      let end = bit + 1;
      while (end < count && !(block[end >> 3]! & (1 << (end & 7)))) end++;
      ranges.push({ start: base + (first + bit) * sb.blockSize, length: (end - bit) * sb.blockSize });
      freeBytes += (end - bit) * sb.blockSize;
      bit = end;
    }
  }
  return { kind: fs.kind, ranges, freeBytes };
}

/** Why the bitmaps of a file system in this state cannot be trusted or read as blocks, or null. */
function refuse(state: number, incompat: number, roCompat: number): string | null {
  if (incompat & INCOMPAT.recover) return 'the file system is mounted, or its journal needs recovery: unmount it or remount it read-only first';
  if ((state & STATE_VALID) === 0) return 'the file system is mounted or was not unmounted cleanly: unmount it or remount it read-only first (or run e2fsck)';
  if (state & STATE_ERRORS) return 'the file system has errors: run e2fsck first';
  if (roCompat & RO_COMPAT.bigalloc) return 'bigalloc file systems are not supported';
  if (incompat & INCOMPAT.metaBg) return 'meta_bg file systems are not supported';
  return null;
}
