/**
 * VM saves as one file to hand out: `exportVm` (the state with the disk as it was at the save
 * point: its snapshot files and a reference to the HTTP base under them, or one flattened
 * image), `importVm` (a new disk and save from such a file, in another browser profile too), and
 * `openPublishedVm` (the same from a URL, e.g. a file on a static server next to its base; kept
 * locally, so later opens work offline).
 */
import { QedArgumentError, QedIoError } from '../../qed/errors.ts';
import { validateDiskName } from '../../protocol/disk-name.ts';
import { type VmBaseRef, VmSaveError, VmSaveFormatError, validateVmSaveName } from '../../protocol/vm-saves.ts';
import { getRecord, putRecord } from '../catalogue.ts';
import { type VmFileManifest, type VmMeta, encodeVmHead, validateManifest } from './vm-file-format.ts';
import { hasVmSave, openVmFile, vmSaveFile, writeVmSave } from './vm-save-store.ts';
import { infoOf, labelSnapshot } from './vm-saves.ts';
import type { VmSaveInfo } from './vm-types.ts';
import { callVmWorker } from './vm-worker.ts';

/** Options of `exportVm`. */
export interface ExportVmOptions {
  /**
   * How the disk travels: `overlay` (the snapshot files, small, plus the URL of the HTTP base
   * under them; not possible on an OPFS base), `flat` (one standalone image of the whole disk),
   * or `auto` (default: `overlay` unless the disk stands on another OPFS disk).
   */
  disk?: 'auto' | 'overlay' | 'flat';
  /** The base URL to write instead of the one the disk reads (e.g. a path relative to where the file will be published). */
  baseUrl?: string;
  /** Origins besides the page's own an HTTP base may be read from while flattening. */
  allowedOrigins?: string[];
}

/** Options of `importVm` and `openPublishedVm`. */
export interface ImportVmOptions {
  /** The new save's name (default: the name in the file). */
  name?: string;
  /** The new disk's name (default: the disk name in the file). */
  diskName?: string;
  /** Origins besides the page's own the HTTP base may come from. */
  allowedOrigins?: string[];
  /** The URL a relative base URL in the file is resolved against (default: the page's). */
  fileUrl?: string;
  /** Application data to add to the save's `meta`. */
  meta?: VmMeta;
}

/**
 * One file holding VM save `name` and its disk at the save point (see `ExportVmOptions.disk`),
 * named `NAME.qvm`. An unbound save carries no disk. Rejects with `VmSaveNotFoundError`,
 * `VmSaveMismatchError` (the snapshot is gone), `QedArgumentError` (`overlay` on an OPFS base).
 */
export async function exportVm(name: string, options: ExportVmOptions = {}): Promise<File> {
  const stored = await openVmFile(await vmSaveFile(validateVmSaveName(name)));
  const { manifest, state } = stored;
  const head = (extra: Partial<VmFileManifest>, levels: Array<{ id: string; file: Blob }>): File => {
    const parts = [manifest.parts[0] ?? { role: 'state', bytes: state.size, encoding: 'gzip' }, ...levels.map((level) => ({ role: 'level' as const, bytes: level.file.size, id: level.id }))];
    const out = validateManifest({ ...manifest, ...extra, parts });
    return new File([encodeVmHead(out), state, ...levels.map((level) => level.file)], `${manifest.name}.qvm`, { type: 'application/octet-stream' });
  };
  const point = manifest.point;
  if (point.kind === 'unbound') return head({ disk: 'none', base: null }, []);
  const { diskName, snapshotId, token } = point;
  await callVmWorker({ kind: 'verify', diskName, snapshotId, token });
  const mode = options.disk ?? 'auto';
  if (mode !== 'flat') {
    const chain = await callVmWorker({ kind: 'chain', diskName, snapshotId });
    if (chain.opfsBase === null) {
      const base: VmBaseRef | null = chain.base && (options.baseUrl !== undefined ? { ...chain.base, url: options.baseUrl } : chain.base);
      return head({ disk: 'overlay', base }, chain.levels);
    }
    if (mode === 'overlay') throw new QedArgumentError(`disk "${diskName}" stands on ${chain.opfsBase} in this browser: export it flattened`);
  }
  const flat = await callVmWorker({ kind: 'flatten', diskName, snapshotId, allowedOrigins: [...(options.allowedOrigins ?? [])] });
  return head({ disk: 'flat', base: null }, [{ id: snapshotId, file: flat }]);
}

/**
 * Makes a VM save (and, for a bound one, its disk: the exported levels as snapshots with a new
 * empty overlay on top) from a file `exportVm` wrote. Restore it with `restoreVm` on the new disk.
 * Rejects with `VmSaveFormatError` (not a VM file, damaged), `VmSaveError` (a save of that name
 * exists), `DiskExistsError`, `QedBackingError` (a base origin not allowed), ...
 */
export async function importVm(file: Blob, options: ImportVmOptions = {}): Promise<VmSaveInfo> {
  if (!(file instanceof Blob)) throw new QedArgumentError('importVm takes a Blob or File');
  const { manifest, state, levels } = await openVmFile(file);
  const name = validateVmSaveName(options.name ?? manifest.name);
  if (await hasVmSave(name)) throw new VmSaveError(`a VM save named "${name}" exists already`);
  const meta: VmMeta = { ...manifest.meta, ...options.meta };
  const stored = (point: VmFileManifest['point']): VmFileManifest =>
    validateManifest({ ...manifest, name, meta, point, disk: 'none', base: null, parts: [{ role: 'state', bytes: state.size, encoding: 'gzip' }] });
  const point = manifest.point;
  if (point.kind === 'unbound') {
    const out = stored(point);
    return infoOf(out, await writeVmSave(out, [state]));
  }
  if (levels.length === 0) throw new VmSaveFormatError('the VM file carries no disk for its bound state');
  const diskName = validateDiskName(options.diskName ?? point.diskName);
  const base = manifest.base && { ...manifest.base, url: new URL(manifest.base.url, options.fileUrl ?? location.href).href };
  const made = await callVmWorker({ kind: 'import', diskName, levels, base, token: point.token, allowedOrigins: [...(options.allowedOrigins ?? [])] });
  const now = Date.now();
  const existing = await getRecord(diskName);
  await putRecord({ ...existing, name: diskName, size: made.diskBytes, createdAt: now, lastOpenedAt: 0, base: base?.url ?? null, format: 'qed', snapshots: [] });
  await labelSnapshot(diskName, made.snapshotId, name, manifest.createdAt);
  const out = stored({ ...point, diskName, snapshotId: made.snapshotId });
  return infoOf(out, await writeVmSave(out, [state]));
}

/**
 * The VM save published at `url` (a file `exportVm` wrote, on any server that allows the page to
 * fetch it): the first call downloads it and imports it as save (and disk) `options.name`
 * (default `published-<hash of the URL>`); later calls find that save and need no network. The
 * base is read as the guest needs it and kept in OPFS (`OpfsDisk.makeAvailableOffline` fetches
 * the rest). Rejects with `QedIoError` when the file cannot be fetched, and as `importVm`.
 */
export async function openPublishedVm(url: string, options: ImportVmOptions = {}): Promise<VmSaveInfo & { downloaded: boolean }> {
  const absolute = new URL(url, location.href).href;
  const name = validateVmSaveName(options.name ?? (await publishedName(absolute)));
  if (await hasVmSave(name)) {
    const kept = await openVmFile(await vmSaveFile(name));
    if (kept.manifest.meta['publishedFrom'] === absolute) return { ...infoOf(kept.manifest, kept.fileBytes), downloaded: false };
    throw new VmSaveError(`a VM save named "${name}" exists already and does not come from ${absolute}`);
  }
  let response: Response;
  try {
    response = await fetch(absolute, { cache: 'no-cache' });
  } catch (error) {
    throw new QedIoError(`could not fetch the VM at ${absolute}`, error);
  }
  if (!response.ok) throw new QedIoError(`the VM at ${absolute} answered HTTP ${response.status}`);
  const file = await response.blob();
  const info = await importVm(file, { ...options, name, diskName: options.diskName ?? name, fileUrl: absolute, meta: { ...options.meta, publishedFrom: absolute } });
  return { ...info, downloaded: true };
}

/** `published-` and 16 hex digits of the SHA-256 of `url`. */
async function publishedName(url: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(url)));
  return `published-${Array.from(digest.subarray(0, 8), (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

