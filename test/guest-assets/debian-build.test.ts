/**
 * The real build from Debian's archive (the mirror of QEDISK_DEBIAN_MIRROR, by default
 * deb.debian.org): the packages are resolved once, then the guest files and the base image are
 * built twice from them with one download cache (the checkout's, so `npm start` and these tests
 * download once) and must be byte-identical. The results are checked with native tools where
 * installed: cpio lists the initramfs, e2fsck checks the base and debugfs reads its files.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArchiveOptions, type ResolvedPackages, resolvePackages } from '../../scripts/guest-assets/archive.ts';
import { buildBaseFile, buildGuestFiles, sha256Hex } from '../../scripts/guest-assets/builder.ts';
import { DownloadCache } from '../../scripts/guest-assets/cache.ts';
import { CACHE_ENV, DEFAULT_DEBIAN_MIRROR, KERNEL_MODULES, MIRROR_ENV } from '../../scripts/guest-assets/config.ts';
import { REPO_ROOT } from '../../scripts/guest-assets/ensure.ts';
import { isSignedModule } from '../../scripts/guest-assets/module-signature.ts';
import { hasCommand } from './support/fake-deb.ts';

const options: ArchiveOptions = {
  mirror: process.env[MIRROR_ENV] ?? DEFAULT_DEBIAN_MIRROR,
  cache: new DownloadCache(process.env[CACHE_ENV] ?? join(REPO_ROOT, '.cache', 'guest-assets')),
};
const sources = {
  init: readFileSync(join(REPO_ROOT, 'scripts', 'guest-init.sh')),
  bootSector: readFileSync(join(REPO_ROOT, 'scripts', 'boot-sector-test.bin')),
};
const scratch = mkdtempSync(join(tmpdir(), 'qedisk-debian-build-'));
let resolved: ResolvedPackages;

beforeAll(async () => {
  resolved = await resolvePackages(options);
}, 300_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the guest built from Debian packages', () => {
  let first: Map<string, Uint8Array>;

  it('resolves linux-image-686 to a kernel ABI package signed for by a Debian archive key', () => {
    expect(resolved.kernelPackage).toMatch(/^linux-image-\d+\.\d+\.\d+-\d+-686$/);
    expect(resolved.signers.length).toBeGreaterThan(0);
  });

  it('gives byte-identical guest files in two builds from the same packages', async () => {
    first = await buildGuestFiles(resolved, sources, options);
    const second = await buildGuestFiles(resolved, sources, options);
    expect([...second.keys()]).toEqual([...first.keys()]);
    for (const [name, data] of first) expect(sha256Hex(second.get(name) ?? new Uint8Array(0)), name).toBe(sha256Hex(data));
  }, 300_000);

  it('has a bzImage kernel, and an initramfs cpio lists with busybox, /init and every module', ({ skip }) => {
    const kernel = first.get('vmlinuz-686.bin') ?? new Uint8Array(0);
    expect(Buffer.from(kernel.subarray(0x202, 0x206)).toString('latin1')).toBe('HdrS'); // the Linux boot protocol's magic
    if (!hasCommand('cpio')) skip();
    const listing = spawnSync('cpio', ['-t', '--quiet'], { input: gunzipSync(first.get('initramfs.cpio.gz') ?? new Uint8Array(0)) });
    expect(listing.status).toBe(0);
    const names = listing.stdout.toString().trim().split('\n');
    expect(names).toEqual(expect.arrayContaining(['bin/busybox', 'init', 'lib/modules/order']));
    expect(names.filter((name) => name.endsWith('.ko'))).toHaveLength(KERNEL_MODULES.length);
    // Debian signs its modules; the initramfs carries them unsigned, ELF files still.
    const tree = join(scratch, 'initramfs');
    mkdirSync(tree, { recursive: true });
    expect(spawnSync('cpio', ['-idm', '--quiet'], { cwd: tree, input: gunzipSync(first.get('initramfs.cpio.gz') ?? new Uint8Array(0)) }).status).toBe(0);
    for (const name of names.filter((entry) => entry.endsWith('.ko'))) {
      const module = readFileSync(join(tree, name));
      expect(module.subarray(0, 4).toString('latin1'), name).toBe('\x7fELF');
      expect(isSignedModule(module), name).toBe(false);
    }
  });

  it('gives a byte-identical base image in two builds, which e2fsck finds clean and debugfs reads', async ({ skip }) => {
    const image = await buildBaseFile(resolved, options);
    expect(sha256Hex(await buildBaseFile(resolved, options))).toBe(sha256Hex(image));
    expect(image.byteLength).toBe(64 * 1024 * 1024);
    if (!hasCommand('e2fsck', ['-V']) || !hasCommand('debugfs', ['-V'])) skip();
    const path = join(scratch, 'base.ext2');
    writeFileSync(path, image);
    const check = spawnSync('e2fsck', ['-f', '-n', path], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const readme = spawnSync('debugfs', ['-R', 'cat /README', path], { encoding: 'utf8' }).stdout;
    expect(readme).toContain('qedisk shared base root file system');
    expect(readme).toContain(`busybox-static ${resolved.busybox.version}`);
    const links = spawnSync('debugfs', ['-R', 'stat /usr/sbin/chroot', path], { encoding: 'utf8' }).stdout;
    expect(links).toContain('Type: symlink');
    expect(links).toContain('Fast link dest: "/bin/busybox"');
  }, 300_000);
});
