/**
 * Clean QEMU-made images and the ways the damaged-image tests break them. Each damage says what
 * `qemu-img check` must then report, so a damage that silently did nothing fails its test.
 */
import { statSync, truncateSync } from 'node:fs';
import { getL1Entry, getL2Entry, readHeader, setL1Entry, setL2Entry } from './poke.ts';
import { qemuCreate, qemuIo } from './qemu.ts';

const K = 1024;
const M = 1024 * K;

/** A clean image recipe: geometry, size and the qemu-io commands that fill it. */
export interface BaseImage {
  readonly label: string;
  readonly clusterSize: number;
  readonly tableSize: number;
  readonly size: number;
  readonly commands: readonly string[];
  /** An L1 slot the recipe leaves empty (inside the disk for the 4K/ts2 image, past it for 64K/ts4). */
  readonly spareL1Index: number;
  /** Guest offset of the data cluster the recipe allocates last (the last cluster of the file). */
  readonly lastDataGuestOffset: number;
}

/** Two layouts: the default geometry with one L2 table, and 4K/ts2 with two L2 tables and zero clusters. */
export const BASE_IMAGES: readonly BaseImage[] = [
  { label: '64K/ts4 8M', clusterSize: 64 * K, tableSize: 4, size: 8 * M, commands: ['write -q -P 0xab 0 128k', 'write -q -P 0xcd 1M 64k'], spareL1Index: 3, lastDataGuestOffset: M },
  {
    label: '4K/ts2 9M',
    clusterSize: 4 * K,
    tableSize: 2,
    size: 9 * M,
    commands: ['write -q -P 0xab 0 8k', 'write -q -P 0xcd 4M 4k', 'write -q -P 0xef 100k 4k', 'write -q -z 200k 8k'],
    spareL1Index: 2,
    lastDataGuestOffset: 100 * K,
  },
];

/** Creates `base` at `path` with qemu-img and qemu-io. */
export function makeBaseImage(path: string, base: BaseImage): void {
  qemuCreate(path, { size: base.size, clusterSize: base.clusterSize, tableSize: base.tableSize });
  qemuIo(path, base.commands);
}

/** L2 slot 5 of table 0: unallocated in both base images. */
const SLOT = 5;

/** Facts about a clean base image that damages are expressed in. File offsets in bytes. */
export interface Layout {
  readonly clusterSize: number;
  readonly l1Offset: number;
  /** File length rounded down to whole clusters. */
  readonly fileEnd: number;
  /** L2 table of L1 slot 0, and the first data cluster it references. */
  readonly firstTable: number;
  readonly firstData: number;
  /** The L2 table with the highest file offset. */
  readonly lastTable: number;
  readonly spareL1Index: number;
  readonly lastDataGuestOffset: number;
}

/** Reads the layout of a clean base image. */
export function readLayout(path: string, base: BaseImage): Layout {
  const header = readHeader(path);
  const cs = header.clusterSize;
  const tables = [0, 1, 2, 3].map((i) => getL1Entry(path, i)).filter((offset) => offset !== 0);
  return {
    clusterSize: cs,
    l1Offset: Number(header.l1TableOffset),
    fileEnd: Math.floor(statSync(path).size / cs) * cs,
    firstTable: getL1Entry(path, 0),
    firstData: getL2Entry(path, 0, 0),
    lastTable: Math.max(...tables),
    spareL1Index: base.spareL1Index,
    lastDataGuestOffset: base.lastDataGuestOffset,
  };
}

/** One way to damage an image, and what QEMU's check says about it. */
export interface Damage {
  readonly name: string;
  /** Changes the copy at `path` of a base image laid out as `layout`. */
  readonly apply: (path: string, layout: Layout) => void;
  /** Exit code of `qemu-img check` on the damaged image: 2 corruptions, 3 leaks only. */
  readonly status: 2 | 3;
  /** True when `check -r` can repair every corruption (invalid entries); false for duplicates and leaks. */
  readonly repairable: boolean;
  /**
   * What qedisk reads when QEMU cannot read the whole damaged image: the clean image's bytes
   * with the guest cluster at `zeroCluster` reading as zeros (entries past the end of the
   * file), or a `QedCorruptionError` (malformed entries). Unset: QEMU must be able to read it.
   */
  readonly unreadable?: { readonly zeroCluster: (layout: Layout) => number } | 'corruption-error';
}

/** An invalid entry that `check -r` sets to 0 (exit 2 before the repair). */
function invalid(name: string, apply: Damage['apply'], unreadable: NonNullable<Damage['unreadable']>): Damage {
  return { name, apply, status: 2, repairable: true, unreadable };
}

/** A duplicate reference, which no repair touches (exit 2 before and after). */
function duplicate(name: string, apply: Damage['apply']): Damage {
  return { name, apply, status: 2, repairable: false };
}

/** qedisk reads the guest cluster of L2 slot `SLOT` of table 0 as zeros. */
const SLOT_READS_ZERO = { zeroCluster: (l: Layout): number => SLOT * l.clusterSize };

/** The damages, each applied to every base image. */
export const DAMAGES: readonly Damage[] = [
  invalid('an L2 entry past the end of the file', (p, l) => setL2Entry(p, 0, SLOT, l.fileEnd + 16 * l.clusterSize), SLOT_READS_ZERO),
  invalid('an L2 entry at the end of the file', (p, l) => setL2Entry(p, 0, SLOT, l.fileEnd), SLOT_READS_ZERO),
  invalid('a misaligned L2 entry', (p, l) => setL2Entry(p, 0, SLOT, l.firstData + 512), 'corruption-error'),
  invalid('an L2 entry inside the header', (p, l) => setL2Entry(p, 0, SLOT, l.clusterSize / 2), 'corruption-error'),
  duplicate('a duplicate data reference', (p, l) => setL2Entry(p, 0, SLOT, l.firstData)),
  duplicate('a data entry pointing at the L1 table', (p, l) => setL2Entry(p, 0, SLOT, l.l1Offset)),
  duplicate('a data entry pointing at its own L2 table', (p, l) => setL2Entry(p, 0, SLOT, l.firstTable)),
  duplicate('two L1 entries sharing one L2 table', (p, l) => setL1Entry(p, l.spareL1Index, l.firstTable)),
  invalid('a misaligned L1 entry', (p, l) => setL1Entry(p, l.spareL1Index, l.firstTable + 512), 'corruption-error'),
  invalid('an L1 entry past the end of the file', (p, l) => setL1Entry(p, l.spareL1Index, l.fileEnd + 64 * l.clusterSize), 'corruption-error'),
  invalid('an L1 entry whose table crosses the end of the file', (p, l) => setL1Entry(p, l.spareL1Index, l.fileEnd - l.clusterSize), 'corruption-error'),
  invalid('an L1 entry of 1', (p, l) => setL1Entry(p, l.spareL1Index, 1), 'corruption-error'),
  { name: 'a leaked cluster (truncate -s +64k)', apply: (p) => truncateSync(p, statSync(p).size + 64 * K), status: 3, repairable: false },
  invalid('a file truncated inside its last data cluster', (p, l) => truncateSync(p, l.fileEnd - l.clusterSize / 2), { zeroCluster: (l) => l.lastDataGuestOffset }),
  invalid('a file truncated inside its last L2 table', (p, l) => truncateSync(p, l.lastTable + l.clusterSize + l.clusterSize / 2), 'corruption-error'),
];
