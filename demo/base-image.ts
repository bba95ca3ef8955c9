/**
 * The demo's shared base: one ext2 root file system (`scripts/build-base-rootfs.sh`) served as a
 * static file, which every "shared base" disk reads through a copy-on-write overlay in OPFS. The
 * overlay's header names the base's absolute URL with the raw bit set; the base is read lazily
 * with Range requests and what was read is kept in OPFS, so the disk works offline afterwards.
 */
import { type BaseSpec, type Disk, openDisk, type OpfsDisk } from 'qedisk';

/** URL path of the shared base image on this site. */
export const BASE_IMAGE_PATH = '/demo/assets/guest/base-rootfs.ext2';

/** The base of every shared-base disk (raw: the overlay's header gets the raw-base bit). */
export const SHARED_BASE: BaseSpec = { kind: 'url', url: BASE_IMAGE_PATH, format: 'raw' };

/** Absolute URL of the shared base, as overlays store it. */
export function sharedBaseUrl(): string {
  return new URL(BASE_IMAGE_PATH, location.href).href;
}

/** True when `disk` is an `OpfsDisk` (what `openDisk` returns): it can report and fetch its base. */
export function isOpfsDisk(disk: Disk): disk is OpfsDisk {
  return 'baseStatus' in disk && 'makeAvailableOffline' in disk && 'exportFlattened' in disk;
}

/**
 * Rejects when the server answers that it lacks the base image (Vite answers a missing file with
 * the page itself, which would make a useless base). Without an answer (offline) it resolves:
 * `openDisk` then decides, and succeeds when another disk has cached the base already.
 */
export async function assertBaseServed(): Promise<void> {
  const response = await fetch(BASE_IMAGE_PATH, { method: 'HEAD', cache: 'no-store' }).catch(() => null);
  if (response === null) return;
  const type = response.headers.get('content-type') ?? '';
  if (!response.ok || type.includes('text/html')) {
    throw new Error('the shared base image is missing: run "npm start" or "node scripts/ensure-guest-assets.mjs" (Node alone builds them, no root needed)');
  }
}

/**
 * Creates disk `name` as an empty overlay of the shared base (as large as the base) and closes
 * it again; the page then opens it like any other disk. Rejects when `name` exists already.
 */
export async function createSharedBaseDisk(name: string, existingNames: readonly string[]): Promise<void> {
  if (existingNames.includes(name)) throw new Error(`a disk named ${name} exists already`);
  await assertBaseServed();
  const disk = await openDisk(name, { create: { base: SHARED_BASE } });
  await disk.close();
}

/** Offers `file` to the user as a download named `fileName`. */
export function downloadFile(file: Blob, fileName: string): void {
  const url = URL.createObjectURL(file);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
