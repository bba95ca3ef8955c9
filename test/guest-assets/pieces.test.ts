/**
 * The smaller pieces of the build: busybox's applet table, the checked-in boot sector against
 * nasm, InRelease signatures, downloads that must not be retried, and publishing that keeps
 * unchanged files as they are.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCleartextMessage, generateKey, readPrivateKey, sign } from 'openpgp';
import { afterAll, describe, expect, it } from 'vitest';
import { appletNames, busyboxApplets } from '../../scripts/guest-assets/busybox-applets.ts';
import { gzipDeterministic } from '../../scripts/guest-assets/builder.ts';
import { DEFAULT_RETRY_POLICY, downloadVerified } from '../../scripts/guest-assets/download.ts';
import { TerminalProgress, silentProgress } from '../../scripts/guest-assets/progress.ts';
import { publishFiles } from '../../scripts/guest-assets/publish.ts';
import { debianArchiveKeys, verifyInRelease } from '../../scripts/guest-assets/signature.ts';
import { fakeBusybox } from './support/fake-archive.ts';
import { hasCommand } from './support/fake-deb.ts';

const scratch = mkdtempSync(join(tmpdir(), 'qedisk-pieces-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const scriptsDir = join(import.meta.dirname, '..', '..', 'scripts');

describe('busyboxApplets', () => {
  it('reads the names and the install-location nibbles', () => {
    expect(busyboxApplets(fakeBusybox())).toEqual({
      applets: [{ name: '[', directory: 'usr/bin' }, { name: '[[', directory: 'usr/bin' }, { name: 'ls', directory: 'bin' }, { name: 'sh', directory: 'bin' }],
      locationsFound: true,
    });
  });

  it('puts every applet in /bin when no location table is found', () => {
    const binary = new Uint8Array([0x7f, ...new TextEncoder().encode('[\0[[\0ls\0\0')]);
    expect(busyboxApplets(binary)).toEqual({ applets: ['[', '[[', 'ls'].map((name) => ({ name, directory: 'bin' })), locationsFound: false });
  });

  it('refuses a binary without an applet table', () => {
    expect(() => appletNames(new TextEncoder().encode('not busybox'))).toThrow(expect.objectContaining({ name: 'GuestAssetsFormatError' }));
  });
});

describe('the boot-sector test', () => {
  it('is the 512 bytes nasm assembles from boot-sector-test.asm', ({ skip }) => {
    if (!hasCommand('nasm', ['-v'])) skip();
    const out = join(scratch, 'boot.bin');
    expect(spawnSync('nasm', ['-f', 'bin', '-o', out, join(scriptsDir, 'boot-sector-test.asm')]).status).toBe(0);
    const checkedIn = readFileSync(join(scriptsDir, 'boot-sector-test.bin'));
    expect(checkedIn.byteLength).toBe(512);
    expect(checkedIn.subarray(510)).toEqual(Buffer.from([0x55, 0xaa]));
    expect(checkedIn.equals(readFileSync(out))).toBe(true);
  });
});

describe('gzipDeterministic', () => {
  it('writes a zero time stamp and OS byte 3, and gunzip (the oracle) restores the input', ({ skip }) => {
    const input = new TextEncoder().encode('initramfs '.repeat(5000));
    const gz = gzipDeterministic(input);
    expect([...gz.subarray(4, 10)]).toEqual([0, 0, 0, 0, 2, 3]);
    if (!hasCommand('gzip')) skip();
    expect(spawnSync('gzip', ['-dc'], { input: gz }).stdout.equals(Buffer.from(input))).toBe(true);
  });
});

describe('verifyInRelease', () => {
  it('accepts a message when one trusted key signed it, ignoring a signature by an unknown key', async () => {
    const [trusted, unknown] = await Promise.all([1, 2].map((n) => generateKey({ type: 'ecc', curve: 'nistP256', userIDs: [{ name: `k${n}` }], format: 'armored' })));
    if (!trusted || !unknown) throw new Error('no keys');
    const signingKeys = await Promise.all([trusted, unknown].map((key) => readPrivateKey({ armoredKey: key.privateKey })));
    const text = 'Codename: bookworm\nSHA256:\n';
    const signed = await sign({ message: await createCleartextMessage({ text }), signingKeys, format: 'armored' });
    const verified = await verifyInRelease(signed, [trusted.publicKey]);
    expect(verified.text).toBe(text);
    expect(verified.signers).toHaveLength(1);
    await expect(verifyInRelease(signed.replace('bookworm', 'bookwarm'), [trusted.publicKey])).rejects.toMatchObject({ name: 'GuestAssetsSignatureError' });
    await expect(verifyInRelease(text, [trusted.publicKey])).rejects.toMatchObject({ name: 'GuestAssetsSignatureError' });
  });

  it('reads the Debian archive keys kept in the checkout', async () => {
    const keys = debianArchiveKeys();
    expect(keys.length).toBeGreaterThanOrEqual(3);
    for (const key of keys) expect(key).toContain('BEGIN PGP PUBLIC KEY BLOCK');
  });
});

describe('downloadVerified', () => {
  it('does not retry a 404 and leaves no file', async () => {
    let requests = 0;
    const server = createServer((_request, response) => {
      requests += 1;
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x.deb`;
      const destination = join(scratch, 'x.deb');
      await expect(downloadVerified(url, 'x', { size: 1, sha256: '0'.repeat(64) }, destination, { ...DEFAULT_RETRY_POLICY, retryDelayMs: 1 }, silentProgress)).rejects.toMatchObject({ name: 'GuestAssetsNotFoundError' });
      expect(requests).toBe(1);
      expect(existsSync(destination)).toBe(false);
    } finally {
      server.close();
    }
  });
});

describe('publishFiles', () => {
  it('replaces changed files, keeps unchanged ones (and their times) and writes the stamp', async () => {
    const out = join(scratch, 'publish');
    await publishFiles(out, new Map([['a', new Uint8Array([1])], ['b', new Uint8Array([2])]]), 'STAMP', 'one\n');
    const old = new Date(1_500_000_000_000);
    utimesSync(join(out, 'a'), old, old);
    const result = await publishFiles(out, new Map([['a', new Uint8Array([1])], ['b', new Uint8Array([3])]]), 'STAMP', 'two\n');
    expect(result).toEqual({ replaced: ['b'], unchanged: ['a'] });
    expect(statSync(join(out, 'a')).mtimeMs).toBe(old.getTime());
    expect([...readFileSync(join(out, 'b'))]).toEqual([3]);
    expect(readFileSync(join(out, 'STAMP'), 'utf8')).toBe('two\n');
  });

  it('removes the staging folder of a run that died, not of one that is alive', async () => {
    const out = join(scratch, 'stale');
    await publishFiles(out, new Map([['a', new Uint8Array([1])]]), 'STAMP', 'x\n');
    const dead = join(out, '.staging-999999999-dead');
    const alive = join(out, `.staging-${process.pid}-live`);
    for (const dir of [dead, alive]) {
      spawnSync('mkdir', ['-p', dir]);
      writeFileSync(join(dir, 'junk'), 'junk');
    }
    await publishFiles(out, new Map([['a', new Uint8Array([1])]]), 'STAMP', 'x\n');
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(alive)).toBe(true);
  });
});

describe('TerminalProgress', () => {
  it('prints a line when a step begins and one with its size and time when it ends, in a log', () => {
    let text = '';
    const progress = new TerminalProgress('p: ', { write: (chunk: string) => (text += chunk) });
    progress.begin('downloading k', 3 * 1024 * 1024);
    progress.advance(3 * 1024 * 1024);
    progress.end();
    progress.note('done');
    expect(text).toMatch(/^p: downloading k \(3\.0 MiB\)\.\.\.\np: downloading k: 3\.0 MiB in \d+\.\d s\np: done\n$/);
  });

  it('draws a bar with the bytes so far and the total on a terminal', () => {
    let text = '';
    const progress = new TerminalProgress('p: ', { write: (chunk: string) => (text += chunk), isTTY: true, columns: 200 });
    progress.begin('downloading k', 2048);
    expect(text).toContain('[------------------------] 0.0 KiB / 2.0 KiB');
    progress.end();
    expect(text).toContain('\r\x1b[2Kp: downloading k: 2.0 KiB in ');
  });
});
