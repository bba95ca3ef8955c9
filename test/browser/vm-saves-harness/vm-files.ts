/**
 * Node-side helpers of the VM saves specs: reading an exported VM file (`.qvm`) as QEMU would see
 * its disk, and a small static HTTP server to publish one on (another origin, CORS open).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeVmHeadLength, decodeVmManifest, partRanges, type VmFileManifest, VM_FILE_HEAD_BYTES } from '../../../src/client/vm-saves/vm-file-format.ts';

/** The shared base as the dev server serves it. */
export const BASE_ROOTFS_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'demo', 'assets', 'guest', 'base-rootfs.ext2');

/** The manifest of the VM file at `path`, checked by the product's own decoder. */
export function readVmFileManifest(path: string): VmFileManifest {
  const bytes = readFileSync(path);
  const length = decodeVmHeadLength(bytes.subarray(0, VM_FILE_HEAD_BYTES));
  return decodeVmManifest(bytes.subarray(VM_FILE_HEAD_BYTES, VM_FILE_HEAD_BYTES + length), bytes.byteLength);
}

/**
 * Writes the disk levels of the VM file at `path` into `folder` under the names their headers
 * use for each other (`DISK.<id>.qsnap`), points the bottom one at `basePath` (raw) with
 * `qemu-img rebase -u`, checks the top with `qemu-img check`, and converts it to a raw image;
 * resolves that image's path.
 */
export function extractLevels(path: string, folder: string, basePath: string): string {
  const bytes = readFileSync(path);
  const length = decodeVmHeadLength(bytes.subarray(0, VM_FILE_HEAD_BYTES));
  const manifest = decodeVmManifest(bytes.subarray(VM_FILE_HEAD_BYTES, VM_FILE_HEAD_BYTES + length), bytes.byteLength);
  if (manifest.point.kind !== 'bound') throw new Error('the VM file carries no disk');
  const disk = manifest.point.diskName;
  mkdirSync(folder, { recursive: true });
  const files: string[] = [];
  for (const { part, start, end } of partRanges(manifest, length)) {
    if (part.role !== 'level') continue;
    const file = join(folder, `${disk}.${part.id}.qsnap`);
    writeFileSync(file, bytes.subarray(start, end));
    files.push(file);
  }
  const [top] = files;
  const bottom = files[files.length - 1];
  if (!top || !bottom) throw new Error('the VM file holds no disk level');
  execFileSync('qemu-img', ['rebase', '-u', '-f', 'qed', '-b', basePath, '-F', 'raw', bottom]);
  const check = spawnSync('qemu-img', ['check', '-f', 'qed', top], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`qemu-img check ${top}: ${check.stdout}${check.stderr}`);
  const raw = join(folder, 'disk.raw');
  execFileSync('qemu-img', ['convert', '-f', 'qed', '-O', 'raw', top, raw]);
  return raw;
}

/** A running static server. */
export interface StaticServer {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** Requests answered so far (200s and 404s). */
  requests(): number;
  /** Stops it. */
  close(): Promise<void>;
}

/** Serves `files` (path to bytes) with open CORS on a free port of 127.0.0.1. */
export async function startStaticServer(files: Record<string, Uint8Array>): Promise<StaticServer> {
  let requests = 0;
  const server: Server = createServer((request, response) => {
    requests += 1;
    const body = files[new URL(request.url ?? '/', 'http://localhost').pathname];
    response.setHeader('Access-Control-Allow-Origin', '*');
    if (!body) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.byteLength) }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
