/**
 * The whole build against a fake Debian mirror on 127.0.0.1 (no network): it builds complete,
 * reproducible guest files; a checksum mismatch, an interrupted download or a bad signature fails
 * with a typed error and leaves no asset in place (and an earlier complete build untouched).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KERNEL_MODULES } from '../../scripts/guest-assets/config.ts';
import { type EnsureOptions, GUEST_STAMP, REQUIRED_GUEST_FILES, ensureGuestAssets } from '../../scripts/guest-assets/ensure.ts';
import { FAKE_KERNEL_RELEASE, type FakeArchive, makeFakeArchive } from './support/fake-archive.ts';
import { hasCommand } from './support/fake-deb.ts';
import { FakeMirror } from './support/fake-mirror.ts';

let archive: FakeArchive;
let mirror: FakeMirror;
let scratch: string;

beforeAll(async () => {
  archive = await makeFakeArchive();
  mirror = await FakeMirror.start(archive.files);
  scratch = mkdtempSync(join(tmpdir(), 'qedisk-guest-assets-'));
});

afterAll(async () => {
  await mirror.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** Options for a build into a fresh folder of `scratch`, with a cache of its own unless given. */
function options(label: string, cacheDir?: string): EnsureOptions & { outDir: string; cacheDir: string } {
  return {
    outDir: join(scratch, label, 'out'),
    cacheDir: cacheDir ?? join(scratch, label, 'cache'),
    mirror: mirror.url,
    trustedKeys: [archive.publicKey],
    retry: { attempts: 2, retryDelayMs: 10, idleTimeoutMs: 5000 },
  };
}

/** Every file under `dir` (recursively), relative, sorted; [] when `dir` does not exist. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => statSync(join(dir, name)).isFile())
    .sort();
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

describe('the guest build against a fake mirror', () => {
  it('builds every guest file, with sums that match and an initramfs holding busybox, the modules in order and /init', async () => {
    const opts = options('complete');
    const report = await ensureGuestAssets(opts, 'guest');
    expect(report.guest).not.toBe('up to date');
    for (const name of [...REQUIRED_GUEST_FILES, GUEST_STAMP]) expect(existsSync(join(opts.outDir, name)), name).toBe(true);
    expect(readFileSync(join(opts.outDir, 'seabios.bin'), 'utf8')).toBe('fake seabios\n');
    expect(readFileSync(join(opts.outDir, 'KERNEL_PACKAGE'), 'utf8')).toBe(`linux-image-${FAKE_KERNEL_RELEASE}\n`);
    for (const line of readFileSync(join(opts.outDir, 'sha256sums.txt'), 'utf8').trim().split('\n')) {
      const [sum, name] = line.split(/\s+/);
      expect(sha256(readFileSync(join(opts.outDir, name ?? '')))).toBe(sum);
    }
    const cpio = gunzipSync(readFileSync(join(opts.outDir, 'initramfs.cpio.gz')));
    const text = cpio.toString('latin1');
    expect(text).toContain('lib/modules/ext4.ko');
    expect(text).toContain(`fake module fs/ext4/ext4`);
    const order = KERNEL_MODULES.map((module) => module.slice(module.lastIndexOf('/') + 1)).join('\n');
    expect(text).toContain(`${order}\n`);
    expect(text).toContain(readFileSync(join(import.meta.dirname, '..', '..', 'scripts', 'guest-init.sh'), 'latin1'));
    // A second run finds everything up to date and fetches nothing.
    const before = mirror.requests.get('dists/bookworm/InRelease') ?? 0;
    expect((await ensureGuestAssets(opts, 'guest')).guest).toBe('up to date');
    expect(mirror.requests.get('dists/bookworm/InRelease') ?? 0).toBe(before);
  });

  it('gives byte-identical files in two builds that share a download cache', async () => {
    const first = options('twice-1');
    const second = options('twice-2', first.cacheDir);
    await ensureGuestAssets(first, 'guest');
    const debRequests = mirror.requests.get(archive.kernelDebPath);
    await ensureGuestAssets(second, 'guest');
    expect(mirror.requests.get(archive.kernelDebPath)).toBe(debRequests); // the second build used the cache
    expect(filesUnder(second.outDir)).toEqual(filesUnder(first.outDir));
    for (const name of filesUnder(first.outDir)) {
      expect(sha256(readFileSync(join(second.outDir, name))), name).toBe(sha256(readFileSync(join(first.outDir, name))));
    }
  });

  it('lists the initramfs with cpio -t as the tree it was built from', async ({ skip }) => {
    if (!hasCommand('cpio')) skip();
    const opts = options('cpio-list');
    await ensureGuestAssets(opts, 'guest');
    const listing = spawnSync('cpio', ['-t', '--quiet'], { input: gunzipSync(readFileSync(join(opts.outDir, 'initramfs.cpio.gz'))) });
    expect(listing.status).toBe(0);
    const names = listing.stdout.toString().trim().split('\n');
    expect(names.slice(0, 4)).toEqual(['.', 'bin', 'bin/busybox', 'dev']);
    expect(names).toContain('init');
    expect(names).toContain('lib/modules/order');
    expect(names.filter((name) => name.endsWith('.ko'))).toHaveLength(KERNEL_MODULES.length);
  });

  it('fails with GuestAssetsChecksumError on a .deb whose bytes differ from the index, retrying once, and leaves nothing', async () => {
    const opts = options('checksum');
    mirror.faults.set(archive.kernelDebPath, 'corrupt');
    const before = mirror.requests.get(archive.kernelDebPath) ?? 0;
    try {
      await expect(ensureGuestAssets(opts, 'guest')).rejects.toMatchObject({ name: 'GuestAssetsChecksumError' });
    } finally {
      mirror.faults.delete(archive.kernelDebPath);
    }
    expect((mirror.requests.get(archive.kernelDebPath) ?? 0) - before).toBe(2);
    expect(filesUnder(opts.outDir)).toEqual([]);
    expect(filesUnder(join(opts.cacheDir, 'sha256')).filter((name) => name.includes('.part-'))).toEqual([]);
    expect(existsSync(join(opts.cacheDir, 'sha256', sha256(archive.files.get(archive.kernelDebPath) ?? Buffer.alloc(0))))).toBe(false);
  });

  it('fails with GuestAssetsNetworkError on a download cut off halfway, and leaves nothing', async () => {
    const opts = options('interrupted');
    mirror.faults.set(archive.kernelDebPath, 'interrupt');
    try {
      await expect(ensureGuestAssets(opts, 'guest')).rejects.toMatchObject({ name: 'GuestAssetsNetworkError' });
    } finally {
      mirror.faults.delete(archive.kernelDebPath);
    }
    expect(filesUnder(opts.outDir)).toEqual([]);
    expect(filesUnder(join(opts.cacheDir, 'sha256')).filter((name) => name.includes('.part-'))).toEqual([]);
  });

  it('retries a transfer that failed once and then builds', async () => {
    const opts = options('retry');
    const path = 'pool/main/s/seabios/seabios_1.0-1_all.deb';
    mirror.failOnce(path, 'interrupt');
    const before = mirror.requests.get(path) ?? 0;
    await ensureGuestAssets(opts, 'guest');
    expect((mirror.requests.get(path) ?? 0) - before).toBe(2);
    expect(readFileSync(join(opts.outDir, 'seabios.bin'), 'utf8')).toBe('fake seabios\n');
  });

  it('refuses an InRelease not signed by a trusted key (GuestAssetsSignatureError) and leaves nothing', async () => {
    const opts = { ...options('signature'), trustedKeys: [archive.otherPublicKey] };
    await expect(ensureGuestAssets(opts, 'guest')).rejects.toMatchObject({ name: 'GuestAssetsSignatureError' });
    expect(filesUnder(opts.outDir)).toEqual([]);
  });

  it('leaves a complete earlier build untouched when a rebuild fails', async () => {
    const opts = options('rebuild');
    await ensureGuestAssets(opts, 'guest');
    const before = new Map(filesUnder(opts.outDir).map((name) => [name, sha256(readFileSync(join(opts.outDir, name)))]));
    rmSync(join(opts.cacheDir, 'sha256'), { recursive: true });
    mirror.faults.set(archive.kernelDebPath, 'corrupt');
    try {
      await expect(ensureGuestAssets({ ...opts, force: true }, 'guest')).rejects.toMatchObject({ name: 'GuestAssetsChecksumError' });
    } finally {
      mirror.faults.delete(archive.kernelDebPath);
    }
    expect(new Map(filesUnder(opts.outDir).map((name) => [name, sha256(readFileSync(join(opts.outDir, name)))]))).toEqual(before);
  });

  it('rebuilds from the cache while the mirror is down, with the InRelease verified on an earlier run', async () => {
    const online = options('offline-1');
    await ensureGuestAssets(online, 'guest');
    const offline = options('offline-2', online.cacheDir);
    mirror.faults.set('dists/bookworm/InRelease', 'unavailable');
    try {
      await ensureGuestAssets(offline, 'guest');
      await expect(ensureGuestAssets(options('offline-3'), 'guest')).rejects.toMatchObject({ name: 'GuestAssetsNetworkError' });
    } finally {
      mirror.faults.delete('dists/bookworm/InRelease');
    }
    expect(readFileSync(join(offline.outDir, 'sha256sums.txt'), 'utf8')).toBe(readFileSync(join(online.outDir, 'sha256sums.txt'), 'utf8'));
  });
});
