/** Describing how the virtual disk is stored: extents, and the count of allocated clusters. */
import { ClusterState, classifyEntry } from './cluster-state.ts';
import type { ImageState } from './image-state.ts';
import { scanReferences } from './reference-scan.ts';
import type { Extent, ExtentKind } from './types.ts';

/** Lists the storage state of the whole disk as maximal runs in guest order. */
export function mapImage(state: ImageState): Extent[] {
  const { geometry, imageSize } = state;
  const cs = geometry.clusterSize;
  const fromBacking = state.backing !== null;
  const extents: Extent[] = [];
  const add = (start: number, length: number, kind: ExtentKind, offset?: number): void => {
    const last = extents[extents.length - 1];
    if (last && last.kind === kind && last.start + last.length === start && (kind !== 'data' || last.offset! + last.length === offset)) {
      last.length += length;
      return;
    }
    const extent: Extent = { start, length, kind };
    if (kind === 'data') extent.offset = offset!;
    if (kind === 'unallocated') extent.fromBacking = fromBacking;
    extents.push(extent);
  };
  for (let l1Index = 0; l1Index * geometry.bytesPerL2Table < imageSize; l1Index++) {
    const tableStart = l1Index * geometry.bytesPerL2Table;
    const tableEnd = Math.min(imageSize, tableStart + geometry.bytesPerL2Table);
    const table = state.tableFor(l1Index);
    if (!table) {
      add(tableStart, tableEnd - tableStart, 'unallocated');
      continue;
    }
    for (let start = tableStart, index = 0; start < tableEnd; start += cs, index++) {
      const length = Math.min(cs, tableEnd - start);
      const entry = table.get(index);
      const kind = classifyEntry(geometry, entry, state.fileEnd);
      if (kind === ClusterState.Data) add(start, length, 'data', entry);
      else add(start, length, kind === ClusterState.Zero ? 'zero' : 'unallocated');
    }
  }
  return extents;
}

/** Counts L2 entries that reference data (neither 0 nor 1). */
export function countAllocatedClusters(state: ImageState): number {
  state.commitPending(); // the scan reads tables from the file
  return scanReferences(state).allocatedClusters;
}
