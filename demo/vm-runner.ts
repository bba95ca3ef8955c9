/**
 * Starts and stops v86 on a qedisk disk. Two guests: the 32-bit Debian Linux (kernel + initramfs
 * that formats an empty disk on first boot and mounts it on /mnt; started from a saved state when
 * there is one, see `linux-start.ts`) and the boot-sector test (a 512-byte program on sector 0 of
 * the disk that bumps a counter in sector 1).
 */
import { V86, type V86Options } from 'v86';
import wasmUrl from 'v86/build/v86.wasm?url';
import { type Disk, toV86Disk, type V86Disk, type V86DiskFailure } from 'qedisk';
import { guestFile } from './guest-assets.ts';
import { GuestControl } from './guest-sync.ts';
import { type StartedFrom, startLinux } from './linux-start.ts';
import { SerialLines } from './serial-lines.ts';

/** The guests the demo can boot. */
export type GuestKind = 'linux' | 'boot-sector';

export type { StartedFrom } from './linux-start.ts';

/**
 * Kernel command line of the Linux guest: kernel messages on the screen (tty0) and on COM1, which
 * is the console the init and the shell use (the last `console=` wins). `init_on_free=1` zeroes memory
 * the kernel frees (the compressed kernel, the initrd, dropped caches): v86 leaves zero pages out
 * of a saved state, which makes it about 15 MB smaller. `cryptomgr.notests` skips the self-tests of
 * the kernel's crypto algorithms and `noisapnp` the ISA Plug & Play probe: with `initcall_debug`
 * they were the longest steps of the boot (3.4 s and 0.45 s of guest time in Firefox; more in
 * Chromium, where the guest runs slower), and the guest needs neither.
 */
export const LINUX_CMDLINE = 'console=tty0 console=ttyS0 tsc=reliable mitigations=off random.trust_cpu=on init_on_free=1 cryptomgr.notests noisapnp';
/** Guest memory in bytes. */
const MEMORY_BYTES = 128 * 1024 * 1024;
/** Video memory in bytes. */
const VGA_MEMORY_BYTES = 8 * 1024 * 1024;

/** What a running VM reports to the page. */
export interface VmCallbacks {
  /** Each byte the guest writes to COM1. */
  onSerialByte: (byte: number) => void;
  /** A guest read (`op` 'read') or write finished; offsets in bytes. */
  onAccess: (op: 'read' | 'write', start: number, length: number) => void;
  /** A disk request failed (the guest is not told; see `toV86Disk`). */
  onDiskError: (failure: V86DiskFailure) => void;
  /** A short report of the runner (state saved, started from the saved state, ...). */
  onNote?: (text: string) => void;
}

/** How to start. */
export interface VmStartOptions {
  /** Linux: boot cold even when a saved state exists (default false). */
  coldBoot?: boolean;
  /** Linux: resume this VM save of `disk` instead of booting (see `restoreVm`). */
  restoreSave?: string;
}

/** A running VM. */
export interface RunningVm {
  /** The guest that runs. */
  readonly guest: GuestKind;
  /** How it started (the boot-sector test always boots cold). */
  readonly startedFrom: StartedFrom;
  /** The disk adapter (its statistics feed the page). */
  readonly disk: V86Disk;
  /** The emulator (for VM saves). */
  readonly emulator: V86;
  /** Sends text to the guest's COM1. */
  sendSerial(text: string): void;
  /** The guest's control line on COM2 (sync, clock, console width; see `guest-sync.ts`). */
  readonly control: GuestControl;
  /** Stops the emulator, waits for its disk requests and flushes the disk. */
  stop(): Promise<void>;
}

/** Boots `guest` with `disk` as the first hard disk, its screen drawn into `screen`. */
export async function startVm(guest: GuestKind, disk: Disk, screen: HTMLElement, callbacks: VmCallbacks, options: VmStartOptions = {}): Promise<RunningVm> {
  if (guest === 'boot-sector') await installBootSector(disk);
  const adapter = await toV86Disk(disk, { onError: callbacks.onDiskError, onAccess: callbacks.onAccess });
  const [bios, vgaBios] = await Promise.all([guestFile('seabios.bin'), guestFile('vgabios.bin')]);
  const lines = new SerialLines();
  const stopping = new AbortController();
  let current: V86 | null = null;
  /** Resolves once each emulator has loaded (v86's `stop` and `destroy` need it loaded). */
  const loaded = new WeakMap<V86, Promise<void>>();
  const whenLoaded = (emulator: V86): Promise<void> => loaded.get(emulator) ?? Promise.reject(new Error('demo bug: an emulator not made by launch'));
  const control = new GuestControl((text) => current?.serial_send_bytes(1, new TextEncoder().encode(text)));
  const launch = (extra: Partial<V86Options>): V86 => {
    const emulator = new V86({
      wasm_path: wasmUrl,
      memory_size: MEMORY_BYTES,
      vga_memory_size: VGA_MEMORY_BYTES,
      bios: { buffer: bios },
      vga_bios: { buffer: vgaBios },
      // v86 takes any object with get/set/load as a disk; its typings only know files and URLs.
      hda: adapter as unknown as { buffer: ArrayBuffer },
      screen_container: screen,
      disable_mouse: true,
      autostart: true,
      uart1: true, // COM2: the control line of the guest's agent
      ...extra,
    });
    current = emulator;
    loaded.set(emulator, new Promise<void>((resolve) => emulator.add_listener('emulator-loaded', () => resolve())));
    emulator.add_listener('serial1-output-byte', (byte) => control.receive(byte));
    emulator.add_listener('serial0-output-byte', (byte) => {
      lines.receive(byte);
      callbacks.onSerialByte(byte);
    });
    return emulator;
  };
  let emulator: V86;
  let startedFrom: StartedFrom = 'cold';
  if (guest === 'linux') {
    ({ emulator, startedFrom } = await startLinux({
      launch,
      whenLoaded,
      bootFiles: async () => ({
        bzimage: { buffer: await guestFile('vmlinuz-686.bin') },
        initrd: { buffer: await guestFile('initramfs.cpio.gz') },
        cmdline: LINUX_CMDLINE,
      }),
      lines,
      disk: adapter,
      machine: { memoryBytes: MEMORY_BYTES, vgaMemoryBytes: VGA_MEMORY_BYTES, cmdline: LINUX_CMDLINE },
      coldBoot: options.coldBoot ?? false,
      restoreSave: options.restoreSave ?? null,
      signal: stopping.signal,
      note: (text) => callbacks.onNote?.(text),
    }));
  } else {
    emulator = launch({});
  }
  return {
    guest,
    startedFrom,
    disk: adapter,
    emulator,
    sendSerial: (text) => emulator.serial0_send(text),
    control,
    stop: async () => {
      if (stopping.signal.aborted) return;
      stopping.abort();
      await stopEmulator(emulator, loaded.get(emulator));
      adapter.detach();
      await adapter.flush();
    },
  };
}

/** Writes the boot-sector test to sector 0 unless it is there already. */
async function installBootSector(disk: Disk): Promise<void> {
  const program = new Uint8Array(await guestFile('boot-sector-test.bin'));
  const current = await disk.read(0, program.byteLength);
  if (!current.every((byte, index) => byte === program[index])) await disk.write(0, program.slice());
}

/** Longest wait for an emulator still loading (its BIOS, wasm and boot files) before it is stopped, in milliseconds. */
const LOAD_WAIT_MS = 60_000;

/**
 * Stops and destroys `emulator`. One stopped while it still loads (Stop pressed right after
 * Start) is waited for: v86's `destroy` fails before the emulator has loaded. One that does not
 * load within `LOAD_WAIT_MS` is destroyed whenever it does.
 */
async function stopEmulator(emulator: V86, loaded: Promise<void> | undefined): Promise<void> {
  if (loaded) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const inTime = await Promise.race([loaded.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), LOAD_WAIT_MS)))]);
    clearTimeout(timer);
    if (!inTime) {
      void loaded.then(() => emulator.destroy());
      return;
    }
  }
  await emulator.stop();
  await emulator.destroy();
}
