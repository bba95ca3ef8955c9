/**
 * Probing the format of an image that is still a `Blob` (not yet in OPFS): `probeImageFormat`
 * reads the file's first 2 KiB and its last 512 bytes (a fixed VHD's footer), fetched first.
 */
import { type ImageFormat, probeImageFormat } from '../../src/formats/index.ts';
import { runOverBlob } from './blob-view.ts';

/** Bytes fetched from the start of the blob (QEMU's probe buffer). */
const HEAD_BYTES = 2048;
/** Bytes fetched from the end of the blob (a VHD footer). */
const TAIL_BYTES = 512;

/** What the probe found: the format, and for a VHD whether it is a fixed one (data, then a footer). */
export interface BlobProbe {
  /** The format, named as `qemu-img -f` names it (`vpc` is VHD). */
  format: ImageFormat;
  /** True for a fixed VHD: its first `size - 512` bytes are the disk, as a raw image. */
  fixedVhd: boolean;
}

/**
 * The format of the image in `source` (at least one byte). Throws `ImageEncryptedError` and
 * `ImageUnsupportedError` for formats qedisk does not read (see `probeImageFormat`).
 */
export async function probeBlob(source: Blob): Promise<BlobProbe> {
  const head = new Uint8Array(await source.slice(0, 8).arrayBuffer());
  const format = await runOverBlob(source, (file) => probeImageFormat(file), [
    { at: 0, length: HEAD_BYTES },
    { at: Math.max(0, source.size - TAIL_BYTES), length: TAIL_BYTES },
  ]);
  // A dynamic VHD starts with a copy of its footer; a fixed one has its footer only at the end.
  const fixedVhd = format === 'vpc' && new TextDecoder('latin1').decode(head) !== 'conectix';
  return { format, fixedVhd };
}
