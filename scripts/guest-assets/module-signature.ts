/**
 * Kernel module signatures. Debian signs every module: `sign-file` appends the signature, a
 * 12-byte `struct module_signature` and a fixed marker. A kernel that does not enforce signatures
 * (the demo guest's: no `module.sig_enforce`, no lockdown) still checks an appended signature at
 * each `insmod`, an RSA verification that the emulated CPU pays for on every boot; a module without
 * one loads after a one-line "module verification failed ... tainting kernel" notice.
 */
import { GuestAssetsFormatError } from './errors.ts';

/** The marker after a signed module's signature (`MODULE_SIG_STRING` and a newline). */
const SIGNATURE_MARKER = new TextEncoder().encode('~Module signature appended~\n');
/** Bytes of `struct module_signature`: algo, hash, id_type, signer_len, key_id_len (1 byte each), 3 padding bytes, sig_len (u32, big-endian). */
const SIGNATURE_INFO_BYTES = 12;

/** True when `module` ends with the signature marker. */
export function isSignedModule(module: Uint8Array): boolean {
  if (module.byteLength < SIGNATURE_MARKER.byteLength) return false;
  const tail = module.subarray(module.byteLength - SIGNATURE_MARKER.byteLength);
  return tail.every((byte, index) => byte === SIGNATURE_MARKER[index]);
}

/**
 * `module` without its appended signature (a view of the same bytes), or `module` itself when it
 * carries none. Throws `GuestAssetsFormatError` when the signature's lengths run past the file.
 */
export function stripModuleSignature(module: Uint8Array, name: string): Uint8Array {
  if (!isSignedModule(module)) return module;
  const infoEnd = module.byteLength - SIGNATURE_MARKER.byteLength;
  const infoStart = infoEnd - SIGNATURE_INFO_BYTES;
  if (infoStart < 0) throw new GuestAssetsFormatError(`kernel module ${name} ends with a signature marker but is too short to carry a signature`);
  const view = new DataView(module.buffer, module.byteOffset + infoStart, SIGNATURE_INFO_BYTES);
  const signerBytes = view.getUint8(3);
  const keyIdBytes = view.getUint8(4);
  const signatureBytes = view.getUint32(8);
  const end = infoStart - signatureBytes - signerBytes - keyIdBytes;
  if (end <= 0) throw new GuestAssetsFormatError(`kernel module ${name} has a signature of ${signatureBytes} bytes, longer than the module`);
  return module.subarray(0, end);
}
