/**
 * The initramfs of the demo guest as a file tree: busybox, the kernel modules (their signatures
 * stripped) in load order (`lib/modules/order`) and `scripts/guest-init.sh` as `/init`.
 */
import { Readable } from 'node:stream';
import { KERNEL_MODULES } from './config.ts';
import type { DebEntry } from './deb-reader.ts';
import { type Compression, decompressStream } from './decompress.ts';
import { GuestAssetsFormatError } from './errors.ts';
import { FileTree } from './file-tree.ts';
import { stripModuleSignature } from './module-signature.ts';

/** The paths in the kernel package a module may have (plain, or compressed as newer kernels ship them). */
export function modulePaths(kernelRelease: string, module: string): { path: string; compression: Compression }[] {
  const base = `lib/modules/${kernelRelease}/kernel/${module}.ko`;
  return [
    { path: base, compression: 'none' },
    { path: `${base}.xz`, compression: 'xz' },
    { path: `${base}.zst`, compression: 'zstd' },
  ];
}

/** The kernel image's path in the kernel package. */
export function kernelImagePath(kernelRelease: string): string {
  return `boot/vmlinuz-${kernelRelease}`;
}

/** Every path the build takes from the kernel package. */
export function kernelPackagePaths(kernelRelease: string): Set<string> {
  const paths = new Set([kernelImagePath(kernelRelease)]);
  for (const module of KERNEL_MODULES) for (const { path } of modulePaths(kernelRelease, module)) paths.add(path);
  return paths;
}

/** True once `found` holds the kernel image and one file for every module. */
export function hasWholeKernel(kernelRelease: string, found: ReadonlyMap<string, DebEntry>): boolean {
  return found.has(kernelImagePath(kernelRelease)) && KERNEL_MODULES.every((module) => modulePaths(kernelRelease, module).some(({ path }) => found.has(path)));
}

/** `data` decompressed as `compression`, in memory. */
async function decompressBytes(data: Uint8Array, compression: Compression): Promise<Uint8Array> {
  if (compression === 'none') return data;
  const chunks: Buffer[] = [];
  for await (const chunk of decompressStream(Readable.from([Buffer.from(data)]), compression)) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

/** What the initramfs is made of. */
export interface InitramfsInputs {
  /** The kernel release (`6.1.0-50-686`). */
  kernelRelease: string;
  /** Entries taken from the kernel package (see `kernelPackagePaths`). */
  kernelFiles: ReadonlyMap<string, DebEntry>;
  /** The busybox binary (from busybox-static). */
  busybox: Uint8Array;
  /** The guest's /init script (scripts/guest-init.sh). */
  init: Uint8Array;
}

/** The initramfs tree. Throws `GuestAssetsFormatError` naming a module the kernel package lacks. */
export async function initramfsTree(inputs: InitramfsInputs): Promise<FileTree> {
  const tree = new FileTree();
  for (const directory of ['bin', 'dev', 'proc', 'sys', 'mnt', 'tmp', 'lib', 'lib/modules']) tree.addDirectory(directory);
  tree.addFile('bin/busybox', inputs.busybox, { mode: 0o755 });
  const order: string[] = [];
  for (const module of KERNEL_MODULES) {
    const candidate = modulePaths(inputs.kernelRelease, module).find(({ path }) => inputs.kernelFiles.get(path)?.type === 'file');
    const entry = candidate && inputs.kernelFiles.get(candidate.path);
    if (!candidate || !entry) throw new GuestAssetsFormatError(`kernel module ${module} is not in linux-image-${inputs.kernelRelease}`);
    const name = module.slice(module.lastIndexOf('/') + 1);
    // Unsigned: the guest kernel would verify each signature at every boot (see module-signature.ts).
    tree.addFile(`lib/modules/${name}.ko`, stripModuleSignature(await decompressBytes(entry.data, candidate.compression), name), { mode: 0o644 });
    order.push(name);
  }
  tree.addFile('lib/modules/order', new TextEncoder().encode(order.map((name) => `${name}\n`).join('')), { mode: 0o644 });
  tree.addFile('init', inputs.init, { mode: 0o755 });
  return tree;
}
