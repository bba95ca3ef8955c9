/**
 * The Python sandbox base (`python-rootfs.ext2`): resolved from the same verified Packages index
 * as the guest (InRelease signature, index hash, each .deb's hash), unpacked with the same .deb
 * reader, and written as a 512 MiB ext2 image by qedisk's own file-system layer, reproducibly
 * (fixed UUID, hash seed, times, owners and order). Built only on request
 * (`node scripts/ensure-guest-assets.mjs --python`), since it downloads about 14 MB more.
 */
import { type ArchiveOptions, fetchDeb, verifiedPackagesText } from './archive.ts';
import { type BaseImageGeometry, buildBaseImage } from './base-image.ts';
import { BUILD_TIME_S, BUSYBOX_PACKAGE, BUSYBOX_PATH, LIMITS } from './config.ts';
import { busyboxApplets } from './busybox-applets.ts';
import { readDeb } from './deb-reader.ts';
import { dependencyClosure, readCatalogue } from './dependency-closure.ts';
import { GuestAssetsFormatError } from './errors.ts';
import { type Progress, formatBytes, silentProgress } from './progress.ts';
import { type UnpackedPackage, keepsPackagePath, pythonBaseTree } from './python-tree.ts';

/** The Python base's file name, beside the guest files. */
export const PYTHON_BASE_FILE = 'python-rootfs.ext2';
/** The root packages of the Python base (their dependencies come along). */
export const PYTHON_ROOT_PACKAGES = ['python3'] as const;

/** The image: 512 MiB ext2, 4 KiB blocks, 16384 inodes, fixed identity. */
export const PYTHON_BASE_IMAGE: BaseImageGeometry = {
  sizeBytes: 512 * 1024 * 1024,
  blockSizeBytes: 4096,
  inodeCount: 16384,
  label: 'qedisk-python',
  uuid: '5eed0b15-9ed1-4a5e-b45e-000000000003',
  hashSeed: '5eed0b15-9ed1-4a5e-b45e-000000000004',
  timestamp: BUILD_TIME_S,
};

/** Unpacks every kept entry of the .deb at `path`. */
async function unpack(path: string, label: string, progress: Progress): Promise<UnpackedPackage['entries']> {
  const found = await readDeb(path, { select: keepsPackagePath, maxFileBytes: LIMITS.keptFileBytes }, progress);
  if (found.size === 0) throw new GuestAssetsFormatError(`${label} holds no files`);
  return [...found.values()];
}

/**
 * The Python base image (a new 512 MiB buffer owned by the caller). Downloads (or takes from the
 * cache) python3, its dependencies and busybox-static. Throws the build's typed errors.
 */
export async function buildPythonBaseFile(options: ArchiveOptions): Promise<Uint8Array> {
  const progress = options.progress ?? silentProgress;
  const { text } = await verifiedPackagesText(options);
  const catalogue = readCatalogue(text);
  const records = dependencyClosure(catalogue, PYTHON_ROOT_PACKAGES);
  const busyboxRecord = catalogue.records.get(BUSYBOX_PACKAGE);
  if (!busyboxRecord) throw new GuestAssetsFormatError(`the Packages index has no ${BUSYBOX_PACKAGE}`);
  progress.note(`Python base: ${records.length} packages, ${formatBytes(records.reduce((sum, record) => sum + record.size, 0))} to download`);
  const packages: UnpackedPackage[] = [];
  for (const record of records) {
    const path = await fetchDeb(options, record);
    packages.push({ name: record.name, version: record.version, entries: await unpack(path, `${record.name} ${record.version}`, silentProgress) });
  }
  const busyboxFiles = await readDeb(await fetchDeb(options, busyboxRecord), { select: (path) => path === BUSYBOX_PATH, maxFileBytes: LIMITS.keptFileBytes });
  const busybox = busyboxFiles.get(BUSYBOX_PATH);
  if (busybox?.type !== 'file') throw new GuestAssetsFormatError(`${BUSYBOX_PACKAGE} has no ${BUSYBOX_PATH}`);
  const tree = pythonBaseTree(packages, { data: busybox.data, version: busyboxRecord.version, applets: busyboxApplets(busybox.data).applets });
  progress.begin('writing the Python base image (ext2)', 0);
  const image = buildBaseImage(tree, PYTHON_BASE_IMAGE);
  progress.end(`${formatBytes(image.byteLength)}, ${tree.entries().length} entries`);
  return image;
}
