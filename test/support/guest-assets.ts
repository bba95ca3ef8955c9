/** The demo's guest files (kernel, BIOS, boot-sector test, base) for the tests that run them. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Builds the guest files with `scripts/ensure-guest-assets.mjs --strict` unless they are there (throws if it cannot).
 * Under `flock`: Playwright workers and Vitest files running in parallel would otherwise build into the same folder at once.
 */
export function ensureGuestAssets(): void {
  const lock = join(tmpdir(), 'qedisk-guest-assets.lock');
  execFileSync('flock', [lock, process.execPath, join(repoRoot, 'scripts', 'ensure-guest-assets.mjs'), '--strict'], {
    stdio: 'inherit',
    timeout: 300_000,
  });
}

/** The bytes of guest file `name` (in demo/assets/guest; build them first with `ensureGuestAssets`). */
export function readGuestFile(name: string): ArrayBuffer {
  const bytes = readFileSync(join(repoRoot, 'demo', 'assets', 'guest', name));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
