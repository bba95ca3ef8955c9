/**
 * Small fake .deb files for tests: an ar archive holding `debian-binary`, `control.tar.gz` and a
 * `data.tar.*` made with tar-stream's packer (gzip with Node's zlib; xz and zstd with the `xz` and
 * `zstd` commands, when installed).
 */
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

/** One entry of a fake package's data archive. */
export interface FakeEntry {
  /** Path without `./`. */
  path: string;
  /** File content; absent for a directory or symlink. */
  data?: Uint8Array;
  /** Symlink target. */
  target?: string;
  /** Directory when true. */
  directory?: boolean;
  /** Permission bits (default 0644 files, 0755 directories, 0777 links). */
  mode?: number;
}

/** True when `command` runs. */
export function hasCommand(command: string, args: string[] = ['--version']): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

/** The tar archive (ustar) of `entries`, each path prefixed with `./` as dpkg-deb writes them. */
export async function tarOf(entries: readonly FakeEntry[]): Promise<Buffer> {
  const packer = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    packer.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
    packer.on('end', resolve);
    packer.on('error', reject);
  });
  const mtime = new Date(1_600_000_000_000);
  packer.entry({ name: './', type: 'directory', mode: 0o755, mtime });
  for (const entry of entries) {
    if (entry.directory) packer.entry({ name: `./${entry.path}/`, type: 'directory', mode: entry.mode ?? 0o755, mtime });
    else if (entry.target !== undefined) packer.entry({ name: `./${entry.path}`, type: 'symlink', linkname: entry.target, mode: entry.mode ?? 0o777, mtime });
    else packer.entry({ name: `./${entry.path}`, mode: entry.mode ?? 0o644, mtime }, Buffer.from(entry.data ?? new Uint8Array(0)));
  }
  packer.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** An ar archive of `members` (name, bytes), as dpkg-deb lays it out. */
export function arOf(members: readonly [string, Uint8Array][]): Buffer {
  const parts: Buffer[] = [Buffer.from('!<arch>\n', 'latin1')];
  for (const [name, data] of members) {
    const header = `${name.padEnd(16)}${'0'.padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}${'100644'.padEnd(8)}${String(data.byteLength).padEnd(10)}\`\n`;
    parts.push(Buffer.from(header, 'latin1'), Buffer.from(data));
    if (data.byteLength % 2 === 1) parts.push(Buffer.from('\n', 'latin1'));
  }
  return Buffer.concat(parts);
}

/** Compresses with an installed command (`xz -c`, `zstd -c`). */
function compressWith(command: string, data: Buffer): Buffer {
  const result = spawnSync(command, ['-c', '-q'], { input: data, maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr.toString()}`);
  return result.stdout;
}

/** A fake .deb of `name` holding `entries`, its data member compressed as asked. */
export async function makeDeb(name: string, entries: readonly FakeEntry[], compression: 'gzip' | 'xz' | 'zstd' = 'gzip'): Promise<Buffer> {
  const control = await tarOf([{ path: 'control', data: new TextEncoder().encode(`Package: ${name}\nVersion: 1\nArchitecture: i386\n`) }]);
  const data = await tarOf(entries);
  const [suffix, compressed] =
    compression === 'gzip' ? ['gz', gzipSync(data)] : compression === 'xz' ? ['xz', compressWith('xz', data)] : ['zst', compressWith('zstd', data)];
  return arOf([
    ['debian-binary', new TextEncoder().encode('2.0\n')],
    ['control.tar.gz', gzipSync(control)],
    [`data.tar.${suffix}`, compressed],
  ]);
}
