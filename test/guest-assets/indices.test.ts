/**
 * Release and Packages parsing: the fields the build relies on, the kernel metapackage's
 * resolution, and typed errors on malformed or unsafe input.
 */
import { describe, expect, it } from 'vitest';
import { parseStanza, stanzas } from '../../scripts/guest-assets/deb822.ts';
import { findPackages, kernelPackageOf, kernelReleaseOf } from '../../scripts/guest-assets/packages-index.ts';
import { choosePackagesIndex, parseRelease } from '../../scripts/guest-assets/release.ts';

const H1 = 'a'.repeat(64);
const H2 = 'b'.repeat(64);
const RELEASE = `Origin: Debian
Codename: bookworm
Acquire-By-Hash: yes
MD5Sum:
 0123 10 main/binary-i386/Packages.gz
SHA256:
 ${H1} 11927458 main/binary-i386/Packages.gz
 ${H2}  8681800 main/binary-i386/Packages.xz
`;

function packageStanza(name: string, extra = ''): string {
  return `Package: ${name}\nVersion: 1.0\n${extra}Filename: pool/main/x/${name}_1.0_i386.deb\nSize: 42\nSHA256: ${H1}\nDescription: x\n long text\n .\n more\n`;
}

describe('parseRelease', () => {
  it('reads the codename, by-hash flag and the SHA256 list (not MD5Sum)', () => {
    const release = parseRelease(RELEASE);
    expect(release.codename).toBe('bookworm');
    expect(release.acquireByHash).toBe(true);
    expect(release.sha256.get('main/binary-i386/Packages.xz')).toEqual({ sha256: H2, size: 8681800 });
    expect(release.sha256.size).toBe(2);
  });

  it('prefers Packages.gz and falls back to Packages.xz', () => {
    expect(choosePackagesIndex(parseRelease(RELEASE), 'main', 'i386')).toMatchObject({ path: 'main/binary-i386/Packages.gz', compression: 'gzip', size: 11927458 });
    const xzOnly = parseRelease(RELEASE.replace(/ a{64} .*\n/, ''));
    expect(choosePackagesIndex(xzOnly, 'main', 'i386')).toMatchObject({ compression: 'xz', sha256: H2 });
    expect(() => choosePackagesIndex(xzOnly, 'main', 'amd64')).toThrow(expect.objectContaining({ name: 'GuestAssetsFormatError' }));
  });

  it('refuses a Release without SHA256, or with a malformed line', () => {
    expect(() => parseRelease('Codename: bookworm\n')).toThrow(/SHA256/);
    expect(() => parseRelease(`Codename: x\nSHA256:\n ${H1} notanumber main/x\n`)).toThrow(expect.objectContaining({ name: 'GuestAssetsFormatError' }));
    expect(() => parseRelease(`Codename: x\nSHA256:\n abc 10 main/x\n`)).toThrow(expect.objectContaining({ name: 'GuestAssetsFormatError' }));
  });
});

describe('deb822 stanzas', () => {
  it('joins continuation lines and splits on blank lines (CRLF too)', () => {
    const all = [...stanzas(`${packageStanza('a')}\n${packageStanza('b')}`.replace(/\n/g, '\r\n'))];
    expect(all).toHaveLength(2);
    expect(all[0]?.get('Description')).toBe('x\nlong text\n.\nmore');
  });

  it('refuses a line that is neither a field nor a continuation', () => {
    expect(() => parseStanza('Package: a\nno colon here\n')).toThrow(expect.objectContaining({ name: 'GuestAssetsFormatError' }));
  });
});

describe('findPackages and kernelPackageOf', () => {
  const index = [packageStanza('other'), packageStanza('linux-image-686', 'Depends: linux-image-6.1.0-50-686 (= 6.1.176-1)\n'), packageStanza('busybox-static')].join('\n');

  it('finds the records asked for, with their pool path, size and hash', () => {
    const found = findPackages(index, ['busybox-static', 'linux-image-686']);
    expect(found.get('busybox-static')).toEqual({ name: 'busybox-static', version: '1.0', filename: 'pool/main/x/busybox-static_1.0_i386.deb', size: 42, sha256: H1, depends: '' });
  });

  it('names every missing package', () => {
    expect(() => findPackages(index, ['seabios', 'vgabios', 'busybox-static'])).toThrow(/seabios, vgabios/);
  });

  it('refuses a Filename outside pool/ or with ..', () => {
    for (const bad of ['../../etc/passwd.deb', 'pool/../x.deb', '/pool/x.deb', 'pool/x.tar']) {
      const text = packageStanza('evil').replace(/Filename: .*/, `Filename: ${bad}`);
      expect(() => findPackages(text, ['evil']), bad).toThrow(expect.objectContaining({ name: 'GuestAssetsFormatError' }));
    }
  });

  it('resolves the kernel metapackage to its ABI package and release', () => {
    const meta = findPackages(index, ['linux-image-686']).get('linux-image-686');
    if (!meta) throw new Error('not found');
    expect(kernelPackageOf(meta)).toBe('linux-image-6.1.0-50-686');
    expect(kernelReleaseOf('linux-image-6.1.0-50-686')).toBe('6.1.0-50-686');
    expect(kernelPackageOf({ ...meta, depends: 'linux-base, linux-image-6.1.0-51-686-unsigned (= 1) | linux-image-6.1.0-51-686' })).toBe('linux-image-6.1.0-51-686-unsigned');
    expect(() => kernelPackageOf({ ...meta, depends: 'linux-base' })).toThrow(expect.objectContaining({ name: 'GuestAssetsFormatError' }));
  });
});
