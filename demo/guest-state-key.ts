/**
 * The key of a saved v86 state of the Linux guest. A state can only be restored into an emulator
 * that is set up the same way, so the key covers everything the state depends on: the guest files
 * (through the SHA-256 sums the asset build writes beside them), the v86 build, the machine
 * (memory, command line) and the size of the hard disk, which v86's IDE state and the guest
 * kernel both remember. Disk contents are not part of it: the guest's init drops what the
 * kernel read from the disk before it looks at the disk (see `scripts/guest-init.sh`).
 */
import v86Package from 'v86/package.json';
import { guestText } from './guest-assets.ts';

/** Bumped when the page's side of the snapshot-point protocol changes (2: COM2 control line, clock in the start line). */
const PROTOCOL_VERSION = 2;

/** What a saved state depends on besides the guest files. */
export interface GuestMachine {
  /** Guest memory in bytes. */
  memoryBytes: number;
  /** Video memory in bytes. */
  vgaMemoryBytes: number;
  /** Kernel command line. */
  cmdline: string;
  /** Size of the hard disk in bytes. */
  diskBytes: number;
}

/** A state key split in the part shared by every disk size and the disk size. */
export interface GuestStateKey {
  /** Hex SHA-256 (first 32 digits) of the guest files, v86 build and machine, disk size aside. */
  config: string;
  /** Disk size in bytes. */
  diskBytes: number;
}

/** Computes the key of the state of `machine` with the guest files the server has now. */
export async function guestStateKey(machine: GuestMachine): Promise<GuestStateKey> {
  const sums = await guestText('sha256sums.txt');
  const text = JSON.stringify({
    protocol: PROTOCOL_VERSION,
    v86: v86Package.version,
    sums: sums.trim(),
    memoryBytes: machine.memoryBytes,
    vgaMemoryBytes: machine.vgaMemoryBytes,
    cmdline: machine.cmdline,
  });
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  const hex = Array.from(digest.subarray(0, 16), (byte) => byte.toString(16).padStart(2, '0')).join('');
  return { config: hex, diskBytes: machine.diskBytes };
}
