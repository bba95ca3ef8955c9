/** The statistics and storage facts: definition lists filled from the disk, adapter and browser. */
import type { DiskInfo, V86DiskStats } from 'qedisk';
import { h } from './dom.ts';
import { formatBytes, formatCount, formatPercent } from './format.ts';

type Fact = [label: string, value: string, key: string];

/** Fills `list` with label/value rows; each value carries `data-fact=<key>` for tests. */
function renderFacts(list: HTMLDListElement, facts: readonly Fact[]): void {
  list.replaceChildren(...facts.flatMap(([label, value, key]) => [h('dt', { text: label }), h('dd', { text: value, dataset: { fact: key } })]));
}

/** Shows the open disk's info and the VM's guest I/O (null when no VM runs). */
export function renderDiskStats(list: HTMLDListElement, info: DiskInfo | null, io: V86DiskStats | null): void {
  if (!info) {
    renderFacts(list, [['Disk', 'none open', 'disk']]);
    return;
  }
  const facts: Fact[] = [
    ['Disk', info.name, 'disk'],
    ['Virtual size', formatBytes(info.virtualSize), 'virtual-size'],
    ['Allocated', `${formatBytes(info.allocatedBytes)} (${formatPercent(info.allocatedBytes, info.virtualSize)})`, 'allocated'],
    ['.qed file size', formatBytes(info.physicalSize), 'physical-size'],
    ['Cluster size', formatBytes(info.clusterSize), 'cluster-size'],
    ['Need-check bit', info.needsCheck ? 'set (being written)' : 'clear', 'needs-check'],
    // What the file holds (agrees with "Allocated"), and what this page added since it opened the disk.
    ['Clusters allocated', formatCount(Math.round(info.allocatedBytes / info.clusterSize)), 'clusters-allocated'],
    ['Allocated since opened', `${formatCount(info.io.clustersAllocated)} clusters`, 'clusters-allocated-session'],
  ];
  facts.push(
    ['Disk reads', `${formatCount(info.io.reads)} (${formatBytes(info.io.bytesRead)})`, 'disk-reads'],
    ['Disk writes', `${formatCount(info.io.writes)} (${formatBytes(info.io.bytesWritten)})`, 'disk-writes'],
  );
  if (io) {
    facts.push(
      ['VM reads', `${formatCount(io.reads)} (${formatBytes(io.bytesRead)})`, 'guest-reads'],
      ['VM writes', `${formatCount(io.writes)} (${formatBytes(io.bytesWritten)})`, 'guest-writes'],
      ['In flight', formatCount(io.inFlight), 'in-flight'],
      ['Flushes', formatCount(io.flushes), 'flushes'],
      ['I/O errors', formatCount(io.errors), 'io-errors'],
    );
  }
  renderFacts(list, facts);
}
