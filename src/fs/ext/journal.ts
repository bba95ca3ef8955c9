/**
 * jbd2 journal replay into memory: the committed transactions of an ext3/ext4 journal that
 * needs recovery, as the final content of each file-system block they touch (revoked blocks
 * left out). Nothing is written: the caller reads the file system through an overlay of these
 * blocks, so a disk whose guest crashed (or is running) can still be browsed consistently.
 * All journal fields are big-endian.
 */
import { FsCorruptionError, FsJournalRecoveryError, FsUnsupportedError } from '../errors.ts';
import type { MappedRun } from './block-map.ts';
import { readBlockMap } from './block-map.ts';
import type { ExtVolume } from './volume.ts';

const JBD2_MAGIC = 0xc03b3998;
const BLOCK = { descriptor: 1, commit: 2, superV1: 3, superV2: 4, revoke: 5 } as const;
const INCOMPAT = { revoke: 0x1, bit64: 0x2, asyncCommit: 0x4, csumV2: 0x8, csumV3: 0x10, fastCommit: 0x20 } as const;
const KNOWN_INCOMPAT = INCOMPAT.revoke | INCOMPAT.bit64 | INCOMPAT.asyncCommit | INCOMPAT.csumV2 | INCOMPAT.csumV3;
const TAG = { escape: 0x1, sameUuid: 0x2, lastTag: 0x8 } as const;
/** Replayed blocks kept in memory at most. */
const MAX_REPLAY_BYTES = 256 * 1024 * 1024;

function be32(bytes: Uint8Array, at: number): number {
  return (((bytes[at] ?? 0) << 24) | ((bytes[at + 1] ?? 0) << 16) | ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0)) >>> 0;
}

function be16(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
}

/** One committed transaction: its sequence and the (file-system block, journal block, escaped) writes in order. */
interface Transaction {
  sequence: number;
  writes: Array<{ target: number; journalBlock: number; escaped: boolean }>;
}

/** Reads the journal of `volume` and returns the blocks its committed transactions write, newest content per block. */
export function replayJournal(volume: ExtVolume): Map<number, Uint8Array> {
  const sb = volume.sb;
  if (sb.journalInode === 0) throw new FsJournalRecoveryError('the file system needs journal recovery but has no journal inode (external journal?)');
  const inode = volume.readInode(sb.journalInode);
  const runs = readBlockMap(volume, inode).runs;
  const bs = volume.blockSize;
  const physical = (logical: number): number => {
    const run = runs.find((r: MappedRun) => logical >= r.logical && logical < r.logical + r.count);
    if (!run) throw new FsCorruptionError(`journal block ${logical} is not mapped`);
    return run.physical + (logical - run.logical);
  };
  const read = (logical: number): Uint8Array => {
    const bytes = new Uint8Array(bs);
    volume.readData(physical(logical), bytes);
    return bytes;
  };
  const header = read(0);
  const type = be32(header, 4);
  if (be32(header, 0) !== JBD2_MAGIC || (type !== BLOCK.superV1 && type !== BLOCK.superV2)) throw new FsCorruptionError('the journal has no valid superblock');
  if (be32(header, 0xc) !== bs) throw new FsUnsupportedError('the journal block size differs from the file system block size');
  const maxLen = be32(header, 0x10);
  const first = be32(header, 0x14);
  let sequence = be32(header, 0x18);
  let block = be32(header, 0x1c);
  const incompat = type === BLOCK.superV2 ? be32(header, 0x28) : 0;
  if (incompat & ~KNOWN_INCOMPAT) throw new FsUnsupportedError(`the journal uses features qedisk cannot replay (0x${incompat.toString(16)})`);
  if (maxLen > inode.size / bs || first === 0 || first >= maxLen) throw new FsCorruptionError('the journal superblock has impossible bounds');
  if (block === 0) return new Map();
  const csumV3 = (incompat & INCOMPAT.csumV3) !== 0;
  const checksummed = csumV3 || (incompat & INCOMPAT.csumV2) !== 0;
  // jbd2 tag sizes: 16 with csum v3; else 12, plus 2 with csum v2, less 4 without 64bit.
  const tagBytes = csumV3 ? 16 : 12 + (incompat & INCOMPAT.csumV2 ? 2 : 0) - (incompat & INCOMPAT.bit64 ? 0 : 4);
  const wide = (incompat & INCOMPAT.bit64) !== 0;
  const next = (b: number): number => (b + 1 >= maxLen ? first : b + 1);
  const transactions: Transaction[] = [];
  const revoked = new Map<number, number>();
  let pending: Transaction = { sequence, writes: [] };
  let pendingRevokes: number[] = [];
  // Every journal block is visited at most once per pass: the scan ends at the first block that
  // is not the next transaction's, and never runs longer than the journal.
  for (let steps = 0; steps < maxLen; steps++) {
    const bytes = read(block);
    if (be32(bytes, 0) !== JBD2_MAGIC || be32(bytes, 8) !== sequence) break;
    const kind = be32(bytes, 4);
    if (kind === BLOCK.descriptor) {
      const end = bs - (checksummed ? 4 : 0);
      let at = 12;
      let dataBlock = block;
      while (at + tagBytes <= end) {
        const target = be32(bytes, at) + (wide ? be32(bytes, at + 8) * 0x1_0000_0000 : 0);
        const flags = csumV3 ? be32(bytes, at + 4) : be16(bytes, at + 6);
        dataBlock = next(dataBlock);
        pending.writes.push({ target, journalBlock: dataBlock, escaped: (flags & TAG.escape) !== 0 });
        steps++;
        at += tagBytes + (flags & TAG.sameUuid ? 0 : 16);
        if (flags & TAG.lastTag) break;
      }
      block = dataBlock;
    } else if (kind === BLOCK.revoke) {
      const used = Math.min(be32(bytes, 12), bs);
      const size = wide ? 8 : 4;
      for (let at = 16; at + size <= used; at += size) pendingRevokes.push(wide ? be32(bytes, at) * 0x1_0000_0000 + be32(bytes, at + 4) : be32(bytes, at));
    } else if (kind === BLOCK.commit) {
      transactions.push(pending);
      for (const target of pendingRevokes) revoked.set(target, Math.max(revoked.get(target) ?? -1, sequence));
      sequence = (sequence + 1) >>> 0;
      pending = { sequence, writes: [] };
      pendingRevokes = [];
    } else {
      break;
    }
    block = next(block);
  }
  const blocks = new Map<number, Uint8Array>();
  for (const transaction of transactions) {
    for (const write of transaction.writes) {
      if ((revoked.get(write.target) ?? -1) >= transaction.sequence) continue;
      volume.checkRange(write.target, 1, 'journal');
      const data = read(write.journalBlock);
      if (write.escaped) data.set([0xc0, 0x3b, 0x39, 0x98], 0);
      blocks.set(write.target, data);
      if (blocks.size * bs > MAX_REPLAY_BYTES) throw new FsUnsupportedError('the journal holds more than qedisk replays in memory');
    }
  }
  return blocks;
}
