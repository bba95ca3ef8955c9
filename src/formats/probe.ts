/**
 * Probing an image file's format from its bytes, as QEMU probes (magic numbers in its first
 * 2 KiB), plus one thing QEMU does not: a fixed VHD, which has only a footer at its end. A raw
 * disk is taken for a fixed VHD only when its last 512 bytes are a complete, checksummed
 * fixed-disk footer whose size is exactly the rest of the file, so raw data is not misread.
 * Formats QEMU would recognise but qedisk cannot read are refused rather than read as raw.
 */
import type { SyncFile } from '../engine/sync-file.ts';
import { readFully } from '../engine/sync-file.ts';
import { hasQedMagic } from '../qed/header.ts';
import { hasAscii, readU32LE, viewOf } from './codec/bytes.ts';
import type { ImageFormat } from './image-reader.ts';
import { hasQcow2Magic } from './qcow2/header.ts';
import { ImageEncryptedError, ImageUnsupportedError } from './errors.ts';
import { VDI_HEADER_BYTES, VDI_SIGNATURE, VDI_SIGNATURE_OFFSET } from './vdi/header.ts';
import { decodeVhdFooter, VHD_FOOTER_BYTES } from './vhd/footer.ts';
import { VMDK_SPARSE_MAGIC_TEXT, looksLikeVmdkDescriptor } from './vmdk/header.ts';

/** Bytes read from the start of the file to probe (QEMU's probe buffer). */
const PROBE_BYTES = 2048;

/** Formats QEMU probes that qedisk does not read: name, and the bytes at offset 0 that mark them. */
const UNREADABLE: ReadonlyArray<{ name: string; magic: string }> = [
  { name: 'a Parallels disk', magic: 'WithoutFreeSpace\x02\0\0\0' },
  { name: 'a Parallels disk', magic: 'WithouFreSpacExt\x02\0\0\0' },
  { name: 'a Bochs disk', magic: 'Bochs Virtual HD Image\0' },
  { name: 'a cloop image', magic: '#!/bin/sh\n#V2.0 Format\nmodprobe cloop file=$0 && mount -r -t iso9660 /dev/cloop $1\n' },
  { name: 'a VMware 3 (COWD) disk', magic: 'COWD' },
];

/** Options of `probeImageFormat`. */
export interface ProbeOptions {
  /**
   * Also recognise a fixed VHD by its trailing footer. QEMU does not, and reads such a file as
   * raw (footer included) when it probes a backing file, so backing files are probed without
   * it: qedisk and QEMU then read the same bytes. Default true.
   */
  fixedVhd?: boolean;
}

/**
 * The format of the image in `file`: `qed`, `qcow2`, `vmdk` (sparse extent or text
 * descriptor), `vpc` (VHD: dynamic by its leading footer copy, fixed by its trailing footer),
 * `vhdx`, `vdi`, or `raw` when nothing matches. Reads at most 2.5 KiB. Throws
 * `ImageEncryptedError` for a LUKS volume and `ImageUnsupportedError` for other formats QEMU
 * knows and qedisk does not read (Parallels, Bochs, cloop, VMware 3), which must not be read
 * as raw.
 */
export function probeImageFormat(file: SyncFile, options: ProbeOptions = {}): ImageFormat {
  const head = new Uint8Array(Math.min(PROBE_BYTES, Math.max(0, file.getSize())));
  readFully(file, head, 0);
  if (hasAscii(head, 0, 'LUKS\xba\xbe')) throw new ImageEncryptedError('the image is a LUKS-encrypted volume; qedisk does not decrypt images');
  const unreadable = UNREADABLE.find(({ magic }) => hasAscii(head, 0, magic));
  if (unreadable) throw new ImageUnsupportedError(`the image is ${unreadable.name}, which qedisk cannot read (convert it with qemu-img first)`);
  if (hasQedMagic(head)) return 'qed';
  if (hasQcow2Magic(head)) return 'qcow2';
  if (hasAscii(head, 0, VMDK_SPARSE_MAGIC_TEXT) || looksLikeVmdkDescriptor(head)) return 'vmdk';
  if (hasAscii(head, 0, 'conectix')) return 'vpc';
  if (hasAscii(head, 0, 'vhdxfile')) return 'vhdx';
  if (head.byteLength >= VDI_HEADER_BYTES && readU32LE(viewOf(head), VDI_SIGNATURE_OFFSET) === VDI_SIGNATURE) return 'vdi';
  return (options.fixedVhd ?? true) && isFixedVhd(file) ? 'vpc' : 'raw';
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
