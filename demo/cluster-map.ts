/**
 * The picture of a disk's clusters: one cell per cluster (or per group of clusters on big disks),
 * blue where the `.qed` file stores data (darker = more of the group), green where clusters are
 * stored as zeros; an orange frame where the guest wrote since the VM started, a dot where it read.
 */
import type { Extent } from 'qedisk';

/** Most cells drawn; bigger disks group clusters per cell. */
const MAX_CELLS = 1024;
/** Smallest cell edge in CSS pixels, gap included. */
const MIN_CELL_CSS_PX = 9;
/** Cell colours. */
const COLOURS = { empty: '#e6e9ef', data: '43, 108, 176', zero: '#9ae6b4', written: '#dd6b20', read: '#1a202c' } as const;

/** Draws the cluster picture of one disk into a canvas. */
export class ClusterMap {
  readonly #canvas: HTMLCanvasElement;
  #clusterSize = 65536;
  #clustersPerCell = 1;
  #cells = 0;
  #dataBytes = new Float64Array(0);
  #zeroBytes = new Float64Array(0);
  #written = new Uint8Array(0);
  #read = new Uint8Array(0);
  #drawQueued = false;

  /** Draws into `canvas` (its CSS width is kept; its height follows the disk). */
  constructor(canvas: HTMLCanvasElement) {
    this.#canvas = canvas;
  }

  /** Starts over for a disk of `virtualSize` bytes in clusters of `clusterSize` bytes. */
  reset(virtualSize: number, clusterSize: number): void {
    const clusters = Math.max(1, Math.ceil(virtualSize / clusterSize));
    this.#clusterSize = clusterSize;
    this.#clustersPerCell = Math.ceil(clusters / MAX_CELLS);
    this.#cells = Math.ceil(clusters / this.#clustersPerCell);
    this.#dataBytes = new Float64Array(this.#cells);
    this.#zeroBytes = new Float64Array(this.#cells);
    this.#written = new Uint8Array(this.#cells);
    this.#read = new Uint8Array(this.#cells);
    this.#queueDraw();
  }

  /** Shows nothing (no disk in use). */
  clear(): void {
    this.#cells = 0;
    this.#dataBytes = new Float64Array(0);
    this.#zeroBytes = new Float64Array(0);
    this.#written = new Uint8Array(0);
    this.#read = new Uint8Array(0);
    this.#queueDraw();
  }

  /** Bytes of guest data one cell stands for. */
  get bytesPerCell(): number {
    return this.#clusterSize * this.#clustersPerCell;
  }

  /** Takes a fresh allocation snapshot (from `QedImage.map()`). */
  setExtents(extents: readonly Extent[]): void {
    this.#dataBytes.fill(0);
    this.#zeroBytes.fill(0);
    for (const extent of extents) {
      if (extent.kind === 'unallocated') continue;
      const target = extent.kind === 'data' ? this.#dataBytes : this.#zeroBytes;
      this.#spread(extent.start, extent.length, (cell, bytes) => (target[cell] = (target[cell] ?? 0) + bytes));
    }
    this.#queueDraw();
  }

  /** Marks the cells a guest request touched. */
  noteAccess(op: 'read' | 'write', start: number, length: number): void {
    const marks = op === 'write' ? this.#written : this.#read;
    this.#spread(start, length, (cell) => (marks[cell] = 1));
    this.#queueDraw();
  }

  #spread(start: number, length: number, add: (cell: number, bytes: number) => void): void {
    const perCell = this.bytesPerCell;
    let offset = start;
    const end = start + length;
    while (offset < end) {
      const cell = Math.floor(offset / perCell);
      if (cell >= this.#cells) return;
      const next = Math.min(end, (cell + 1) * perCell);
      add(cell, next - offset);
      offset = next;
    }
  }

  #queueDraw(): void {
    if (this.#drawQueued) return;
    this.#drawQueued = true;
    setTimeout(() => {
      this.#drawQueued = false;
      this.#draw();
    }, 100);
  }

  #draw(): void {
    const canvas = this.#canvas;
    const ratio = window.devicePixelRatio || 1;
    const cssWidth = canvas.parentElement?.clientWidth || 320;
    const columns = Math.max(1, Math.min(this.#cells, Math.floor(cssWidth / MIN_CELL_CSS_PX)));
    const cell = Math.max(2, Math.floor((cssWidth * ratio) / columns));
    const rows = Math.ceil(this.#cells / columns);
    canvas.width = columns * cell;
    canvas.height = rows * cell;
    canvas.style.width = `${canvas.width / ratio}px`;
    canvas.style.height = `${canvas.height / ratio}px`;
    const context = canvas.getContext('2d');
    if (!context) return;
    const gap = cell >= 6 ? 1 : 0;
    const perCell = this.bytesPerCell;
    for (let index = 0; index < this.#cells; index++) {
      const x = (index % columns) * cell;
      const y = Math.floor(index / columns) * cell;
      const data = (this.#dataBytes[index] ?? 0) / perCell;
      context.fillStyle = COLOURS.empty;
      if ((this.#zeroBytes[index] ?? 0) > 0) context.fillStyle = COLOURS.zero;
      if (data > 0) context.fillStyle = `rgba(${COLOURS.data}, ${0.35 + 0.65 * Math.min(1, data)})`;
      context.fillRect(x, y, cell - gap, cell - gap);
      if (this.#written[index]) {
        const frame = Math.max(1, Math.floor(cell / 5));
        context.strokeStyle = COLOURS.written;
        context.lineWidth = frame;
        context.strokeRect(x + frame / 2, y + frame / 2, cell - gap - frame, cell - gap - frame);
      }
      if (this.#read[index] && cell >= 6) {
        context.fillStyle = COLOURS.read;
        const dot = Math.max(2, Math.floor(cell / 4));
        context.fillRect(x + (cell - gap - dot) / 2, y + (cell - gap - dot) / 2, dot, dot);
      }
    }
  }
}
