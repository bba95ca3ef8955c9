/**
 * Builds the guest's files in memory from the resolved packages: the BIOS images, the kernel, the
 * initramfs (cpio, gzip), the boot-sector test, `sha256sums.txt` and `KERNEL_PACKAGE`; and the
 * shared base image from busybox. Deterministic: the same packages and sources give the same bytes.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { gzipSync } from 'fflate';
import { type ArchiveOptions, type ResolvedPackages, fetchDeb } from './archive.ts';
import { buildBaseImage } from './base-image.ts';
import { baseTree } from './base-tree.ts';
import { BUSYBOX_PATH, GUEST_FILES, LIMITS, SEABIOS_PATH, SUMMED_FILES, VGABIOS_PATH } from './config.ts';
import { type DebEntry, readDeb } from './deb-reader.ts';
import { writeCpioNewc } from './cpio-newc.ts';
import { GuestAssetsFormatError } from './errors.ts';
import { hasWholeKernel, initramfsTree, kernelImagePath, kernelPackagePaths } from './guest-tree.ts';
import { kernelReleaseOf } from './packages-index.ts';
import { type Progress, formatBytes, silentProgress } from './progress.ts';

/** The build's own sources: the guest's /init and the assembled boot-sector test. */
export interface GuestSources {
  /** scripts/guest-init.sh. */
  init: Uint8Array;
  /** scripts/boot-sector-test.bin (512 bytes ending in 55 AA). */
  bootSector: Uint8Array;
}

/** SHA-256 of `data`, lower-case hex. */
export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The regular file `path` of the .deb at `debPath`; throws `GuestAssetsFormatError` when it is not there. */
async function fileFromDeb(debPath: string, label: string, path: string): Promise<Uint8Array> {
  const found = await readDeb(debPath, { select: (candidate) => candidate === path, isComplete: (entries) => entries.has(path), maxFileBytes: LIMITS.keptFileBytes });
  const entry = found.get(path);
  if (entry?.type !== 'file') throw new GuestAssetsFormatError(`${label} has no file ${path}`);
  return entry.data;
}

/** gzip at level 9 with a zero time stamp and no file name (fflate: pure JavaScript, so the same bytes on every platform). */
export function gzipDeterministic(data: Uint8Array): Uint8Array {
  return gzipSync(data, { level: 9, mtime: 0 });
}

/** Downloads (or takes from the cache) the four packages, with progress. */
async function fetchAll(resolved: ResolvedPackages, options: ArchiveOptions): Promise<Record<'kernel' | 'busybox' | 'seabios' | 'vgabios', string>> {
  return {
    seabios: await fetchDeb(options, resolved.seabios),
    vgabios: await fetchDeb(options, resolved.vgabios),
    busybox: await fetchDeb(options, resolved.busybox),
    kernel: await fetchDeb(options, resolved.kernel),
  };
}

/** The kernel image and modules from the kernel package, with progress over its compressed data. */
async function kernelFiles(debPath: string, kernelRelease: string, progress: Progress): Promise<ReadonlyMap<string, DebEntry>> {
  const wanted = kernelPackagePaths(kernelRelease);
  progress.begin(`unpacking linux-image-${kernelRelease}`, statSync(debPath).size);
  const found = await readDeb(debPath, { select: (path) => wanted.has(path), isComplete: (entries) => hasWholeKernel(kernelRelease, entries), maxFileBytes: LIMITS.keptFileBytes }, progress);
  progress.end(`kernel and ${found.size - 1} modules`);
  return found;
}

/**
 * The files of `demo/assets/guest/` (the base image aside), by file name, each a new buffer.
 * Throws the build's typed errors.
 */
export async function buildGuestFiles(resolved: ResolvedPackages, sources: GuestSources, options: ArchiveOptions): Promise<Map<string, Uint8Array>> {
  const progress = options.progress ?? silentProgress;
  const { bootSector } = sources;
  if (bootSector.byteLength !== 512 || bootSector[510] !== 0x55 || bootSector[511] !== 0xaa) {
    throw new GuestAssetsFormatError('scripts/boot-sector-test.bin is not a 512-byte boot sector ending in 55 AA');
  }
  const debs = await fetchAll(resolved, options);
  const kernelRelease = kernelReleaseOf(resolved.kernelPackage);
  const kernel = await kernelFiles(debs.kernel, kernelRelease, progress);
  const vmlinuz = kernel.get(kernelImagePath(kernelRelease));
  if (vmlinuz?.type !== 'file') throw new GuestAssetsFormatError(`${resolved.kernelPackage} has no ${kernelImagePath(kernelRelease)}`);
  const busybox = await fileFromDeb(debs.busybox, 'busybox-static', BUSYBOX_PATH);

  progress.begin('writing the initramfs', 0);
  const tree = await initramfsTree({ kernelRelease, kernelFiles: kernel, busybox, init: sources.init });
  const cpio = writeCpioNewc(tree.entries());
  const initramfs = gzipDeterministic(cpio);
  progress.end(`${formatBytes(cpio.byteLength)} cpio, ${formatBytes(initramfs.byteLength)} gzipped`);

  const files = new Map<string, Uint8Array>([
    [GUEST_FILES.seabios, await fileFromDeb(debs.seabios, 'seabios', SEABIOS_PATH)],
    [GUEST_FILES.vgabios, await fileFromDeb(debs.vgabios, 'vgabios', VGABIOS_PATH)],
    [GUEST_FILES.kernel, vmlinuz.data],
    [GUEST_FILES.initramfs, initramfs],
    [GUEST_FILES.bootSector, bootSector],
  ]);
  const sums = SUMMED_FILES.map((name) => `${sha256Hex(files.get(name) ?? new Uint8Array(0))}  ${name}\n`).join('');
  files.set(GUEST_FILES.sums, new TextEncoder().encode(sums));
  files.set(GUEST_FILES.kernelPackage, new TextEncoder().encode(`${resolved.kernelPackage}\n`));
  return files;
}

/** The shared base image (64 MiB ext2) from busybox-static. Throws the build's typed errors. */
export async function buildBaseFile(resolved: ResolvedPackages, options: ArchiveOptions): Promise<Uint8Array> {
  const progress = options.progress ?? silentProgress;
  const busybox = await fileFromDeb(await fetchDeb(options, resolved.busybox), 'busybox-static', BUSYBOX_PATH);
  const { tree, appletLocationsFound } = baseTree(busybox, resolved.busybox.version);
  if (!appletLocationsFound) progress.note('busybox: no install-location table found; every applet link goes to /bin');
  progress.begin('writing the base image (ext2)', 0);
  const image = buildBaseImage(tree);
  progress.end(`${formatBytes(image.byteLength)}, ${tree.entries().length} entries`);
  return image;
}
