/** Page side: bytes in and out of the page (base64 out of `page.evaluate`), whole disks and raw OPFS files. */
import type { Disk } from '../../../src/protocol/types.ts';

/** The bytes of disk `name`'s `.qed` file as they are in OPFS now. */
export async function rawFile(name: string): Promise<Uint8Array> {
  const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('qedisk');
  const file = await (await folder.getFileHandle(`${name}.qed`)).getFile();
  return new Uint8Array(await file.arrayBuffer());
}

/** Encodes bytes as base64 (in slices, so large buffers do not overflow the argument list). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let at = 0; at < bytes.byteLength; at += 0x8000) binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return btoa(binary);
}

/** Reads every guest byte of `disk`, 1 MiB per request. */
export async function readWhole(disk: Disk): Promise<Uint8Array> {
  const whole = new Uint8Array(disk.size);
  const step = 1024 * 1024;
  for (let offset = 0; offset < disk.size; offset += step) whole.set(await disk.read(offset, Math.min(step, disk.size - offset)), offset);
  return whole;
}
