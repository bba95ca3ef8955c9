/**
 * A tiny fake Debian archive (bookworm, i386) for tests: the four packages the guest needs, made
 * of small fake files, indexed by a Packages.gz whose hash is in an InRelease signed with a key
 * made for the test. Served by `FakeMirror`.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { createCleartextMessage, generateKey, readPrivateKey, sign } from 'openpgp';
import { KERNEL_MODULES } from '../../../scripts/guest-assets/config.ts';
import { type FakeEntry, makeDeb } from './fake-deb.ts';

/** The fake kernel's release. */
export const FAKE_KERNEL_RELEASE = '9.9.9-1-686';
const encoder = new TextEncoder();
const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** A fake busybox: some bytes, an applet-location table for [, [[, ls, sh (3, 3, 1, 1) and the name table. */
export function fakeBusybox(): Uint8Array {
  return new Uint8Array([...encoder.encode('\x7fELF fake busybox\0'), 0x33, 0x11, 0xff, ...encoder.encode('[\0[[\0ls\0sh\0\0tail')]);
}

/** What the fake archive holds, by path below the mirror's root, and the key that signed it. */
export interface FakeArchive {
  files: Map<string, Buffer>;
  /** The test key's public half (ASCII-armoured): pass it as `trustedKeys`. */
  publicKey: string;
  /** Another key's public half, which did not sign: InRelease must not verify with it alone. */
  otherPublicKey: string;
  /** Path of the kernel .deb. */
  kernelDebPath: string;
}

/** A Packages stanza for a .deb. */
function stanza(name: string, path: string, deb: Buffer, depends?: string): string {
  return [`Package: ${name}`, 'Version: 1.0-1', 'Architecture: i386', ...(depends ? [`Depends: ${depends}`] : []), `Filename: ${path}`, `Size: ${deb.byteLength}`, `SHA256: ${sha256(deb)}`, 'Description: fake', ' for tests', ''].join('\n');
}

/** Builds the archive; `compression` is the kernel package's data compression. */
export async function makeFakeArchive(compression: 'gzip' | 'xz' | 'zstd' = 'gzip'): Promise<FakeArchive> {
  const modules: FakeEntry[] = KERNEL_MODULES.map((module) => ({ path: `lib/modules/${FAKE_KERNEL_RELEASE}/kernel/${module}.ko`, data: encoder.encode(`fake module ${module}\n`) }));
  const packages: [string, string, FakeEntry[], string?][] = [
    ['linux-image-686', 'pool/main/l/linux-signed-i386/linux-image-686_1.0-1_i386.deb', [{ path: 'usr/share/doc/linux-image-686', directory: true }], `linux-image-${FAKE_KERNEL_RELEASE} (= 1.0-1)`],
    [
      `linux-image-${FAKE_KERNEL_RELEASE}`,
      `pool/main/l/linux-signed-i386/linux-image-${FAKE_KERNEL_RELEASE}_1.0-1_i386.deb`,
      [{ path: 'boot', directory: true }, { path: `boot/vmlinuz-${FAKE_KERNEL_RELEASE}`, data: encoder.encode('fake kernel image\n'.repeat(100)) }, { path: `boot/config-${FAKE_KERNEL_RELEASE}`, data: encoder.encode('CONFIG_X=y\n') }, ...modules],
    ],
    ['busybox-static', 'pool/main/b/busybox/busybox-static_1.0-1_i386.deb', [{ path: 'bin', directory: true }, { path: 'bin/busybox', data: fakeBusybox(), mode: 0o755 }]],
    ['seabios', 'pool/main/s/seabios/seabios_1.0-1_all.deb', [{ path: 'usr/share/seabios/bios.bin', data: encoder.encode('fake seabios\n') }, { path: 'usr/share/seabios/vgabios.bin', target: 'vgabios-isavga.bin' }]],
    ['vgabios', 'pool/main/v/vgabios/vgabios_1.0-1_all.deb', [{ path: 'usr/share/vgabios/vgabios.bin', data: encoder.encode('fake vgabios\n') }]],
  ];
  const files = new Map<string, Buffer>();
  const stanzas: string[] = [];
  for (const [name, path, entries, depends] of packages) {
    const deb = await makeDeb(name, entries, name.startsWith('linux-image-9') ? compression : 'gzip');
    files.set(path, deb);
    stanzas.push(stanza(name, path, deb, depends));
  }
  const packagesGz = gzipSync(encoder.encode(stanzas.join('\n')));
  files.set('dists/bookworm/main/binary-i386/Packages.gz', packagesGz);
  const release = [
    'Origin: Fake', 'Suite: oldstable', 'Codename: bookworm', 'Architectures: i386', 'Components: main', 'SHA256:',
    ` ${sha256(packagesGz)} ${packagesGz.byteLength} main/binary-i386/Packages.gz`,
    ` ${'0'.repeat(64)} 0 main/binary-amd64/Packages.gz`, '',
  ].join('\n');
  const [signer, other] = await Promise.all([1, 2].map((n) => generateKey({ type: 'ecc', curve: 'nistP256', userIDs: [{ name: `fake archive ${n}` }], format: 'armored' })));
  if (!signer || !other) throw new Error('key generation failed');
  const signed = await sign({ message: await createCleartextMessage({ text: release }), signingKeys: await readPrivateKey({ armoredKey: signer.privateKey }), format: 'armored' });
  files.set('dists/bookworm/InRelease', Buffer.from(signed));
  return { files, publicKey: signer.publicKey, otherPublicKey: other.publicKey, kernelDebPath: packages[1]?.[1] ?? '' };
}
