/**
 * Checks the OpenPGP signatures of a clear-signed InRelease against trusted keys and returns the
 * signed text: the only part of the file the build then believes. Keys of the Debian archive are
 * kept beside this file (`keys/`); a test mirror passes its own.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Key, readCleartextMessage, readKeys, verify } from 'openpgp';
import { GuestAssetsSignatureError } from './errors.ts';

/** The Debian archive's public keys (ASCII-armoured), read from `keys/*.asc` beside this file. */
export function debianArchiveKeys(): string[] {
  const folder = join(dirname(fileURLToPath(import.meta.url)), 'keys');
  return readdirSync(folder)
    .filter((name) => name.endsWith('.asc'))
    .sort()
    .map((name) => readFileSync(join(folder, name), 'utf8'));
}

/** What a verified InRelease gives. */
export interface VerifiedRelease {
  /** The signed text (the Release file inside InRelease). */
  text: string;
  /** Fingerprints (upper-case hex) of the trusted keys whose signatures verified. */
  signers: string[];
}

/**
 * Verifies the clear-signed `inRelease` against `armoredKeys`. At least one signature must verify
 * with a trusted key; signatures by other keys are ignored (Debian adds its next key's signature
 * before its users have it). Throws `GuestAssetsSignatureError` otherwise, or when the text is not
 * a clear-signed message.
 */
export async function verifyInRelease(inRelease: string, armoredKeys: readonly string[]): Promise<VerifiedRelease> {
  let keys: Key[];
  try {
    keys = (await Promise.all(armoredKeys.map((armoredKeys) => readKeys({ armoredKeys })))).flat();
  } catch (error) {
    throw new GuestAssetsSignatureError(`a trusted key could not be read: ${(error as Error).message}`);
  }
  let message: Awaited<ReturnType<typeof readCleartextMessage>>;
  try {
    message = await readCleartextMessage({ cleartextMessage: inRelease });
  } catch (error) {
    throw new GuestAssetsSignatureError(`InRelease is not a clear-signed OpenPGP message: ${(error as Error).message}`);
  }
  const result = await verify({ message, verificationKeys: keys });
  const signers: string[] = [];
  const failures: string[] = [];
  for (const signature of result.signatures) {
    try {
      await signature.verified;
      const key = keys.find((candidate) => candidate.getKeys(signature.keyID).length > 0);
      if (key) signers.push(key.getFingerprint().toUpperCase());
    } catch (error) {
      failures.push(`${signature.keyID.toHex()}: ${(error as Error).message}`);
    }
  }
  if (signers.length === 0) {
    throw new GuestAssetsSignatureError(
      `InRelease has no valid signature by a trusted Debian archive key (${failures.join('; ') || 'no signatures'}): ` +
        'the mirror may be serving tampered or stale files, or the keys in scripts/guest-assets/keys/ are out of date',
    );
  }
  return { text: message.getText(), signers };
}
