/** A read-only `BlockDevice` that shows some blocks of another device replaced (a replayed journal). */
import type { BlockDevice } from './block-device.ts';

/** `parent` with `blocks` (block number → `blockSize` bytes, kept) laid over it; no `write`. */
export class OverlayDevice implements BlockDevice {
  readonly size: number;
  readonly #parent: BlockDevice;
  readonly #blockSize: number;
  readonly #blocks: ReadonlyMap<number, Uint8Array>;
  /** Always true: writes go to the parent only after a real recovery. */
  readonly readOnly = true;

  constructor(parent: BlockDevice, blockSize: number, blocks: ReadonlyMap<number, Uint8Array>) {
    this.size = parent.size;
    this.#parent = parent;
    this.#blockSize = blockSize;
    this.#blocks = blocks;
  }

  /** Reads from the parent, then copies in the overlaid blocks that intersect the range. */
  readInto(offset: number, target: Uint8Array): void {
    this.#parent.readInto(offset, target);
    if (this.#blocks.size === 0 || target.length === 0) return;
    const bs = this.#blockSize;
    const first = Math.floor(offset / bs);
    const last = Math.floor((offset + target.length - 1) / bs);
    const visit = (block: number, bytes: Uint8Array): void => {
      const start = Math.max(offset, block * bs);
      const end = Math.min(offset + target.length, (block + 1) * bs);
      target.set(bytes.subarray(start - block * bs, end - block * bs), start - offset);
    };
    if (last - first < this.#blocks.size) {
      for (let block = first; block <= last; block++) {
        const bytes = this.#blocks.get(block);
        if (bytes) visit(block, bytes);
      }
    } else {
      for (const [block, bytes] of this.#blocks) if (block >= first && block <= last) visit(block, bytes);
    }
  }
}
