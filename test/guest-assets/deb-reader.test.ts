/**
 * Reading .deb files in JavaScript against dpkg-deb (the oracle) on packages it built itself with
 * each compression, and the ar reader against binutils' ar; malformed archives fail with a typed
 * error.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listArMembers } from '../../scripts/guest-assets/ar-archive.ts';
import { readDeb } from '../../scripts/guest-assets/deb-reader.ts';
import { arOf, hasCommand, makeDeb } from './support/fake-deb.ts';

const scratch = mkdtempSync(join(tmpdir(), 'qedisk-deb-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const encoder = new TextEncoder();

/** Builds a .deb with dpkg-deb from a small tree; returns its path. */
function dpkgBuild(compression: string): string {
  const root = join(scratch, `pkg-${compression}`);
  mkdirSync(join(root, 'DEBIAN'), { recursive: true });
  writeFileSync(join(root, 'DEBIAN', 'control'), 'Package: qedisk-test\nVersion: 1.0\nArchitecture: all\nMaintainer: t <t@example.org>\nDescription: test\n');
  mkdirSync(join(root, 'usr', 'bin'), { recursive: true });
  writeFileSync(join(root, 'usr', 'bin', 'tool'), 'tool body\n'.repeat(1000));
  chmodSync(join(root, 'usr', 'bin', 'tool'), 0o755);
  symlinkSync('tool', join(root, 'usr', 'bin', 'alias'));
  const deb = join(scratch, `qedisk-test-${compression}.deb`);
  const result = spawnSync('dpkg-deb', ['--root-owner-group', `-Z${compression}`, '--build', root, deb], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
  return deb;
}

describe('readDeb', () => {
  for (const compression of ['xz', 'gzip', 'zstd', 'none']) {
    it(`takes files and symlinks out of a dpkg-deb package compressed with ${compression}`, async ({ skip }) => {
      if (!hasCommand('dpkg-deb')) skip();
      const deb = dpkgBuild(compression);
      const listing = spawnSync('dpkg-deb', ['-c', deb], { encoding: 'utf8' }).stdout;
      expect(listing).toContain('./usr/bin/tool');
      const found = await readDeb(deb, { select: () => true, maxFileBytes: 1 << 20 });
      const tool = found.get('usr/bin/tool');
      expect(tool?.type).toBe('file');
      expect(tool?.mode).toBe(0o755);
      expect(Buffer.from(tool?.data ?? new Uint8Array(0)).toString()).toBe('tool body\n'.repeat(1000));
      expect(found.get('usr/bin/alias')).toMatchObject({ type: 'symlink', target: 'tool' });
      expect([...found.keys()].sort()).toEqual(['', 'usr', 'usr/bin', 'usr/bin/alias', 'usr/bin/tool']);
    });
  }

  it('stops reading once the selection is complete', async () => {
    const deb = join(scratch, 'early.deb');
    writeFileSync(deb, await makeDeb('early', [{ path: 'a', data: encoder.encode('A') }, { path: 'b', data: encoder.encode('B') }]));
    const seen: string[] = [];
    const found = await readDeb(deb, { select: (path) => (seen.push(path), path === 'a'), isComplete: (entries) => entries.has('a'), maxFileBytes: 100 });
    expect([...found.keys()]).toEqual(['a']);
    expect(seen).not.toContain('b');
  });

  it('refuses a kept file over the size cap with GuestAssetsLimitError', async () => {
    const deb = join(scratch, 'big.deb');
    writeFileSync(deb, await makeDeb('big', [{ path: 'big', data: new Uint8Array(5000) }]));
    await expect(readDeb(deb, { select: () => true, maxFileBytes: 4096 })).rejects.toMatchObject({ name: 'GuestAssetsLimitError' });
  });

  it('refuses a file that is not a .deb, and a data member cut short, with GuestAssetsFormatError', async () => {
    const notDeb = join(scratch, 'not.deb');
    writeFileSync(notDeb, 'hello, world\n');
    await expect(readDeb(notDeb, { select: () => true, maxFileBytes: 100 })).rejects.toMatchObject({ name: 'GuestAssetsFormatError' });
    const good = await makeDeb('cut', [{ path: 'a', data: new Uint8Array(4000).fill(7) }], 'gzip');
    const cutDeb = join(scratch, 'cut.deb');
    const members = listArMembers((offset, length) => good.subarray(offset, offset + length), good.byteLength);
    const data = members[2];
    if (!data) throw new Error('no data member');
    writeFileSync(cutDeb, arOf([['debian-binary', encoder.encode('2.0\n')], ['data.tar.gz', good.subarray(data.offset, data.offset + (data.size >> 1))]]));
    await expect(readDeb(cutDeb, { select: () => true, maxFileBytes: 1 << 20 })).rejects.toMatchObject({ name: 'GuestAssetsFormatError' });
  });
});

describe('listArMembers', () => {
  it('lists what binutils ar wrote, with each member where ar p finds it', ({ skip }) => {
    if (!hasCommand('ar', ['--version'])) skip();
    const dir = join(scratch, 'ar');
    mkdirSync(dir);
    writeFileSync(join(dir, 'one'), 'odd-sized member');
    writeFileSync(join(dir, 'two.bin'), new Uint8Array(300).fill(9));
    expect(spawnSync('ar', ['rcD', 'x.a', 'one', 'two.bin'], { cwd: dir }).status).toBe(0);
    const archive = spawnSync('cat', [join(dir, 'x.a')]).stdout;
    const members = listArMembers((offset, length) => archive.subarray(offset, offset + length), archive.byteLength);
    expect(members.map((member) => member.name)).toEqual(['one', 'two.bin']);
    for (const member of members) {
      const expected = spawnSync('ar', ['p', 'x.a', member.name], { cwd: dir }).stdout;
      expect(archive.subarray(member.offset, member.offset + member.size)).toEqual(expected);
    }
  });

  it('refuses a member reaching past the end, and a header without its end marker', () => {
    const archive = arOf([['m', new Uint8Array(10)]]);
    const cut = archive.subarray(0, archive.byteLength - 4);
    expect(() => listArMembers((offset, length) => cut.subarray(offset, offset + length), cut.byteLength)).toThrow(expect.objectContaining({ name: 'GuestAssetsFormatError' }));
    const broken = Buffer.from(archive);
    broken[8 + 58] = 0x20;
    expect(() => listArMembers((offset, length) => broken.subarray(offset, offset + length), broken.byteLength)).toThrow(/end marker/);
  });
});
