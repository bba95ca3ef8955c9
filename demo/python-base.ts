/**
 * The demo's Python sandbox base (`python-rootfs.ext2`: Debian's python3 and its standard
 * library, built on request by `node scripts/ensure-guest-assets.mjs --python`): a disk made
 * from it mounts on /mnt like the shared base, and `chroot /mnt python3` runs Python. New disks
 * use its compressed qcow2 copy (`python-rootfs.qcow2`, made by `npm start` through
 * `scripts/ensure-base-qcow2.mjs`) when the server has it: the same disk in half the bytes over
 * the network. The button shows only when the server has a base. A first boot streams what the
 * base's boot manifest (`<base file>.manifest.json`, when the server has one) lists ahead of the
 * guest.
 */
import { type BaseSpec, openDisk } from 'qedisk';
import { byId } from './dom.ts';

/** URL path of the Python base on this site. */
export const PYTHON_BASE_PATH = '/demo/assets/guest/python-rootfs.ext2';
/** URL path of its compressed qcow2 copy. */
export const PYTHON_QCOW2_BASE_PATH = '/demo/assets/guest/python-rootfs.qcow2';

/** The raw base (the overlay's header gets the raw bit). */
export const PYTHON_BASE: BaseSpec = { kind: 'url', url: PYTHON_BASE_PATH, format: 'raw' };
/** The compressed copy. */
export const PYTHON_QCOW2_BASE: BaseSpec = { kind: 'url', url: PYTHON_QCOW2_BASE_PATH, format: 'qcow2' };

/** What the button needs from the page. */
export interface PythonBaseHooks {
  /** Runs `action` as the page's one operation (buttons disabled, errors shown). */
  run(label: string, action: () => Promise<string>): void;
  /** Names of the disks there are. */
  diskNames(): readonly string[];
  /** Makes disk `name` the disk in use. */
  useDisk(name: string): Promise<string>;
}

/** True when the server serves `path` (not the page Vite answers a missing file with). */
async function served(path: string): Promise<boolean> {
  const response = await fetch(path, { method: 'HEAD', cache: 'no-store' }).catch(() => null);
  return response !== null && response.ok && !(response.headers.get('content-type') ?? '').includes('text/html');
}

/** The base new disks get: the compressed copy when the server has it, else the raw base, else null (neither served). */
export async function pythonBaseToUse(): Promise<BaseSpec | null> {
  if (await served(PYTHON_QCOW2_BASE_PATH)) return PYTHON_QCOW2_BASE;
  return (await served(PYTHON_BASE_PATH)) ? PYTHON_BASE : null;
}

/** True when the server serves a Python base. */
export async function pythonBaseServed(): Promise<boolean> {
  return (await pythonBaseToUse()) !== null;
}

/** Creates disk `name` as an empty overlay of the Python base and closes it again. Rejects when `name` exists. */
export async function createPythonBaseDisk(name: string, existingNames: readonly string[]): Promise<void> {
  if (existingNames.includes(name)) throw new Error(`a disk named ${name} exists already`);
  const base = await pythonBaseToUse();
  if (base === null) throw new Error('the Python base is missing: run "node scripts/ensure-guest-assets.mjs --python"');
  const disk = await openDisk(name, { create: { base } });
  await disk.close();
}

/** Wires the "… from the Python base" button (`#base-create-python`, named by `#base-name`), shown once the server is found to have the base. */
export function bindPythonBaseButton(hooks: PythonBaseHooks): void {
  const nameInput = byId('base-name', HTMLInputElement);
  const button = byId('base-create-python', HTMLButtonElement);
  button.hidden = true;
  void pythonBaseServed().then((served) => {
    button.hidden = !served;
  });
  button.addEventListener('click', () => {
    const name = nameInput.value.trim();
    if (name === '' || !nameInput.checkValidity()) return;
    hooks.run(`Creating ${name} on the Python base…`, async () => {
      await createPythonBaseDisk(name, hooks.diskNames());
      await hooks.useDisk(name);
      return `Created ${name} on the Python base: boot it and run "chroot /mnt python3".`;
    });
  });
}
