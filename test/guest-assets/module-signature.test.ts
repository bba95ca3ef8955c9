/** Stripping the appended signature of a kernel module (scripts/guest-assets/module-signature.ts). */
import { describe, expect, it } from 'vitest';
import { GuestAssetsFormatError } from '../../scripts/guest-assets/errors.ts';
import { isSignedModule, stripModuleSignature } from '../../scripts/guest-assets/module-signature.ts';

const MARKER = new TextEncoder().encode('~Module signature appended~\n');

/** `body` signed as sign-file lays it out: signature (PKCS#7, signer and key id empty), info, marker. */
function signed(body: Uint8Array, signatureBytes: number, declared = signatureBytes): Uint8Array {
  const info = new Uint8Array(12);
  info[2] = 2; // id_type PKEY_ID_PKCS7
  new DataView(info.buffer).setUint32(8, declared);
  const signature = new Uint8Array(signatureBytes).fill(0x30);
  return new Uint8Array([...body, ...signature, ...info, ...MARKER]);
}

describe('stripModuleSignature', () => {
  const body = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0, 9, 8, 7]);

  it('cuts the signature, its info block and the marker, leaving the module bytes', () => {
    const module = signed(body, 471);
    expect(isSignedModule(module)).toBe(true);
    const stripped = stripModuleSignature(module, 'ext4');
    expect([...stripped]).toEqual([...body]);
    expect(isSignedModule(stripped)).toBe(false);
  });

  it('returns an unsigned module as it is', () => {
    expect(stripModuleSignature(body, 'ext4')).toBe(body);
  });

  it('refuses a signature longer than the module, naming the module', () => {
    const module = signed(body, 16, 4096);
    expect(() => stripModuleSignature(module, 'ext4')).toThrow(GuestAssetsFormatError);
    expect(() => stripModuleSignature(module, 'ext4')).toThrow(/kernel module ext4 has a signature of 4096 bytes/);
    expect(() => stripModuleSignature(MARKER, 'tiny')).toThrow(/too short/);
  });
});
