/**
 * Probing an image file's format from its bytes, as QEMU probes (magic numbers at the start),
 * plus one thing QEMU does not: a fixed VHD, which has only a footer at its end. A raw disk is
 * taken for a fixed VHD only when its last 512 bytes are a complete, checksummed fixed-disk
 * footer whose size is exactly the rest of the file, so raw data is not misread.
 */
import type { SyncFile } from '../engine/sync-file.ts';
import { readFully } from '../engine/sync-file.ts';
import { hasQedMagic } from '../qed/header.ts';
import { hasAscii, readU32LE, viewOf } from './codec/bytes.ts';
import type { ImageFormat } from './image-reader.ts';
import { hasQcow2Magic } from './qcow2/header.ts';
import { VDI_SIGNATURE, VDI_SIGNATURE_OFFSET } from './vdi/header.ts';
import { decodeVhdFooter, VHD_FOOTER_BYTES } from './vhd/footer.ts';
import { VMDK_SPARSE_MAGIC_TEXT, looksLikeVmdkDescriptor } from './vmdk/header.ts';

/** Bytes read from the start of the file to probe. */
const PROBE_BYTES = 512;

/**
 * The format of the image in `file`: `qed`, `qcow2`, `vmdk` (sparse extent or text
 * descriptor), `vpc` (VHD: dynamic by its leading footer copy, fixed by its trailing footer),
 * `vhdx`, `vdi`, or `raw` when nothing matches. Reads at most 1 KiB; never throws for content.
 */
export function probeImageFormat(file: SyncFile): ImageFormat {
  const head = new Uint8Array(PROBE_BYTES);
  readFully(file, head, 0);
  if (hasQedMagic(head)) return 'qed';
  if (hasQcow2Magic(head)) return 'qcow2';
  if (hasAscii(head, 0, VMDK_SPARSE_MAGIC_TEXT) || looksLikeVmdkDescriptor(head)) return 'vmdk';
  if (hasAscii(head, 0, 'conectix')) return 'vpc';
  if (hasAscii(head, 0, 'vhdxfile')) return 'vhdx';
  if (readU32LE(viewOf(head), VDI_SIGNATURE_OFFSET) === VDI_SIGNATURE) return 'vdi';
  return isFixedVhd(file) ? 'vpc' : 'raw';
}

/** True when `file` ends with a valid fixed-disk VHD footer describing exactly the bytes before it. */
function isFixedVhd(file: SyncFile): boolean {
  const fileSize = file.getSize();
  if (fileSize < VHD_FOOTER_BYTES * 2 || fileSize % 512 !== 0) return false;
  const tail = new Uint8Array(VHD_FOOTER_BYTES);
  readFully(file, tail, fileSize - VHD_FOOTER_BYTES);
  if (!hasAscii(tail, 0, 'conectix')) return false;
  try {
    const footer = decodeVhdFooter(tail);
    return footer.checksumValid && footer.diskType === 'fixed' && footer.currentSize === fileSize - VHD_FOOTER_BYTES;
  } catch {
    return false;
  }
}
