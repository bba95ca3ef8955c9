/**
 * The Python base's pieces: the dependency closure over a Packages index, the merged-/usr layout
 * of unpacked packages, and (when the image was built) the image itself read back by e2fsprogs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dependencyClosure, parseDependsGroups, readCatalogue } from '../../scripts/guest-assets/dependency-closure.ts';
import { PYTHON_BASE_FILE } from '../../scripts/guest-assets/python-base.ts';
import { keepsPackagePath, mergedUsrPath, pythonBaseTree } from '../../scripts/guest-assets/python-tree.ts';

const H = 'c'.repeat(64);
function stanza(name: string, fields = ''): string {
  return `Package: ${name}\nVersion: 1.0\n${fields}Filename: pool/main/x/${name}_1.0_i386.deb\nSize: 10\nSHA256: ${H}\n`;
}

describe('parseDependsGroups', () => {
  it('splits groups and alternatives, dropping versions and architecture qualifiers', () => {
    expect(parseDependsGroups('a (>= 1.2), b:any | c (<< 3), d')).toEqual([['a'], ['b', 'c'], ['d']]);
    expect(parseDependsGroups('')).toEqual([]);
  });
});

describe('dependencyClosure', () => {
  const index = [
    stanza('app', 'Pre-Depends: libc\nDepends: lib-a (>= 1), virtual-thing | real-thing, debconf | debconf-2.0\n'),
    stanza('lib-a', 'Depends: libc, lib-b\n'),
    stanza('lib-b', 'Depends: libc\n'),
    stanza('libc'),
    stanza('real-thing'),
    stanza('debconf', 'Depends: perl-base\n'),
    stanza('unrelated'),
  ].join('\n');

  it('follows Pre-Depends and Depends, takes the first alternative the index has, leaves out the excluded ones, sorted by name', () => {
    const names = dependencyClosure(readCatalogue(index), ['app']).map((record) => record.name);
    expect(names).toEqual(['app', 'lib-a', 'lib-b', 'libc', 'real-thing']);
  });

  it('names the package whose dependency the index lacks', () => {
    const broken = `${index}\n${stanza('needy', 'Depends: nowhere\n')}`;
    expect(() => dependencyClosure(readCatalogue(broken), ['needy'])).toThrow(expect.objectContaining({ name: 'GuestAssetsFormatError', message: expect.stringContaining('needy depends on nowhere') }));
    expect(() => dependencyClosure(readCatalogue(index), ['missing-root'])).toThrow(/has no missing-root/);
  });
});

describe('the merged-/usr tree', () => {
  it('moves /bin, /sbin and /lib into /usr and leaves documentation out', () => {
    expect(mergedUsrPath('lib/i386-linux-gnu/libc.so.6')).toBe('usr/lib/i386-linux-gnu/libc.so.6');
    expect(mergedUsrPath('bin')).toBe('usr/bin');
    expect(mergedUsrPath('library/x')).toBe('library/x');
    expect(keepsPackagePath('usr/share/doc/libc6/copyright')).toBe(false);
    expect(keepsPackagePath('usr/share/docs/x')).toBe(true);
    expect(keepsPackagePath('usr/lib/python3.11/os.py')).toBe(true);
  });

  it('puts package files under /usr with links from the top level', () => {
    const data = new TextEncoder().encode('x');
    const tree = pythonBaseTree([{ name: 'p', version: '1', entries: [
      { path: 'lib', type: 'directory', mode: 0o755, data: new Uint8Array(0), target: '' },
      { path: 'lib/ld-linux.so.2', type: 'symlink', mode: 0o777, data: new Uint8Array(0), target: 'i386-linux-gnu/ld-linux.so.2' },
      { path: 'usr/bin/python3.11', type: 'file', mode: 0o755, data, target: '' },
      { path: 'usr/share/doc/p/copyright', type: 'file', mode: 0o644, data, target: '' },
    ] }], { data: new Uint8Array(64), version: '1', applets: [{ name: 'sh', directory: 'bin' }, { name: 'ls', directory: 'bin' }] });
    expect(tree.get('lib')).toMatchObject({ type: 'symlink', target: 'usr/lib' });
    expect(tree.get('usr/lib/ld-linux.so.2')).toMatchObject({ type: 'symlink', target: 'i386-linux-gnu/ld-linux.so.2' });
    expect(tree.get('usr/bin/python3.11')).toMatchObject({ type: 'file', mode: 0o755 });
    expect(tree.get('usr/share/doc/p/copyright')).toBeUndefined();
    expect(tree.get('usr/bin/sh')).toMatchObject({ type: 'symlink', target: '/usr/bin/busybox' });
  });
});

const built = join(import.meta.dirname, '..', '..', 'demo', 'assets', 'guest', PYTHON_BASE_FILE);
describe.runIf(existsSync(built))('the built Python base (node scripts/ensure-guest-assets.mjs --python)', () => {
  it('is a clean ext2 file system that e2fsck accepts, with python3 and its standard library', () => {
    execFileSync('e2fsck', ['-fn', built], { stdio: 'pipe' });
    const stat = (path: string): string => execFileSync('debugfs', ['-R', `stat ${path}`, built], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(stat('/usr/bin/python3.11')).toMatch(/Type: regular/);
    expect(stat('/usr/lib/python3.11/encodings/utf_8.py')).toMatch(/Type: regular/);
    expect(stat('/lib')).toMatch(/Type: symlink/);
  });
});
