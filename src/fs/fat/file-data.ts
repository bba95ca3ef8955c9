/** FAT file contents: queuing writes into cluster runs, reading byte ranges, a file's checked chain. */
import { FsTooLargeError } from '../errors.ts';
import type { DataSource } from '../file-system.ts';
import { clusterOffset } from './boot-sector.ts';
import type { FatRecord } from './directory.ts';
import type { FatVolume } from './fat-volume.ts';

/** Queues `data` for `clusters` (runs of consecutive clusters in one piece, the last cluster zero-padded). */
export function writeData(volume: FatVolume, clusters: readonly number[], data: DataSource): void {
  const g = volume.geometry;
  let i = 0;
  while (i < clusters.length) {
    let j = i + 1;
    while (j < clusters.length && clusters[j] === clusters[j - 1]! + 1) j++;
    const from = i * g.clusterBytes;
    const to = Math.min(data.size, j * g.clusterBytes);
    volume.writeSource(clusterOffset(g, clusters[i]!), data, from, to - from, (j - i) * g.clusterBytes - (to - from));
    i = j;
  }
}

/** Copies file bytes `[offset, offset + target.length)` (clipped to `size`) from `clusters`, one device read per run; returns the count. */
export function readRange(volume: FatVolume, clusters: readonly number[], size: number, offset: number, target: Uint8Array): number {
  const g = volume.geometry;
  const length = Math.max(0, Math.min(target.length, size - offset));
  let done = 0;
  while (done < length) {
    const position = offset + done;
    const index = Math.floor(position / g.clusterBytes);
    let last = index;
    const endIndex = Math.floor((offset + length - 1) / g.clusterBytes);
    while (last < endIndex && clusters[last + 1] === clusters[last]! + 1) last++;
    const runEnd = Math.min(offset + length, (last + 1) * g.clusterBytes);
    const slice = target.subarray(done, runEnd - offset);
    volume.device.readInto(clusterOffset(g, clusters[index]!) + (position % g.clusterBytes), slice);
    volume.counters.bytesRead += slice.length;
    done = runEnd - offset;
  }
  return length;
}

/** The clusters of `record`, checked against its size (a cycle or a short chain is corruption). */
export function clustersOf(volume: FatVolume, record: FatRecord): number[] {
  const g = volume.geometry;
  const needed = Math.ceil(record.size / g.clusterBytes);
  if (needed === 0) return [];
  const chain = volume.fat.chain(record.cluster, needed + 1);
  volume.rollback();
  if (chain.length < needed) throw new FsTooLargeError(`'${record.name}' claims ${record.size} bytes but its cluster chain holds ${chain.length * g.clusterBytes}`);
  return chain;
}
