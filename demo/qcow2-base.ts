/**
 * The demo's images in other formats: disks on the compressed qcow2 copy of the shared base
 * (`scripts/base-qcow2.ts` makes `base-rootfs.qcow2` from the ext2 base), of which an overlay
 * fetches only the compressed clusters the guest reads; and the qcow2 export of a disk of the
 * list (everything it shows, flattened, deflated per cluster) for QEMU, libvirt or a cloud.
 */
import { type BaseSpec, type Disk, openDisk } from 'qedisk';
import { downloadFile, isOpfsDisk } from './base-image.ts';
import { byId } from './dom.ts';
import { formatBytes } from './format.ts';

/** URL path of the compressed qcow2 base on this site. */
export const QCOW2_BASE_PATH = '/demo/assets/guest/base-rootfs.qcow2';

/** The base of every disk made from it: declared qcow2 (checked when the disk is created; the header leaves it to probing, as QEMU does). */
export const QCOW2_BASE: BaseSpec = { kind: 'url', url: QCOW2_BASE_PATH, format: 'qcow2' };

/** What the button needs from the page. */
export interface Qcow2BaseHooks {
  /** Runs `action` as the page's one operation (buttons disabled, errors shown). */
  run(label: string, action: () => Promise<string>): void;
  /** Names of the disks there are. */
  diskNames(): readonly string[];
  /** Makes disk `name` the disk in use. */
  useDisk(name: string): Promise<string>;
}

/**
 * Creates disk `name` as an empty overlay of the compressed qcow2 base and closes it again.
 * Rejects when `name` exists or the server lacks the base (run `npm start`, which makes it).
 */
export async function createQcow2BaseDisk(name: string, existingNames: readonly string[]): Promise<void> {
  if (existingNames.includes(name)) throw new Error(`a disk named ${name} exists already`);
  const response = await fetch(QCOW2_BASE_PATH, { method: 'HEAD', cache: 'no-store' }).catch(() => null);
  if (response !== null && (!response.ok || (response.headers.get('content-type') ?? '').includes('text/html'))) {
    throw new Error('the compressed qcow2 base is missing: run "npm start" or "node scripts/ensure-base-qcow2.mjs"');
  }
  const disk = await openDisk(name, { create: { base: QCOW2_BASE } });
  await disk.close();
}

/** Wires the "New disk from the compressed qcow2 base" button (`#base-create-qcow2`), which takes its name from `#base-name`. */
export function bindQcow2BaseButton(hooks: Qcow2BaseHooks): void {
  const nameInput = byId('base-name', HTMLInputElement);
  byId('base-create-qcow2', HTMLButtonElement).addEventListener('click', () => {
    const name = nameInput.value.trim();
    if (name === '' || !nameInput.checkValidity()) return;
    hooks.run(`Creating ${name} on the compressed qcow2 base…`, async () => {
      await createQcow2BaseDisk(name, hooks.diskNames());
      await hooks.useDisk(name);
      return `Created ${name} on the compressed qcow2 base: the guest's reads fetch compressed clusters only, and its changes stay in this browser.`;
    });
  });
}

/**
 * Creates a disk on the base image `baseName` kept in OPFS (`importDisk(..., { keepAsBase: true })`),
 * named `<base>-disk` (`-2`, `-3`, ... when taken), closes it and resolves its name.
 */
export async function createDiskOnBase(baseName: string, existingNames: readonly string[]): Promise<string> {
  const stem = `${baseName.slice(0, 90)}-disk`;
  let name = stem;
  for (let n = 2; existingNames.includes(name); n++) name = `${stem}-${n}`;
  const disk = await openDisk(name, { create: { base: { kind: 'opfs', name: baseName } } });
  await disk.close();
  return name;
}

/**
 * Downloads `disk` (named `name`) as a standalone compressed qcow2 image, reporting progress in
 * guest bytes; resolves with the status line.
 */
export async function downloadQcow2(name: string, disk: Disk, onProgress: (done: number, total: number) => void): Promise<string> {
  if (!isOpfsDisk(disk)) throw new Error(`disk ${name} cannot be exported as qcow2`);
  const file = await disk.exportFile({ format: 'qcow2', compressed: true, onProgress: (progress) => onProgress(progress.done, progress.total) });
  downloadFile(file, `${name}.qcow2`);
  return `Exported ${name}.qcow2 (${formatBytes(file.size)}, compressed): qemu-img and QEMU open it as it is.`;
}
