/**
 * The page of the VM saves benchmark (`vm-save-page.html`): the demo's Linux guest, booted cold,
 * on a qedisk OPFS disk as the demo runs it (`?kind=qedisk`, `demo/vm-runner.ts`), or on one of
 * v86's own disks (`?kind=v86-async-file`: a `File` read and written asynchronously, whose state
 * keeps the blocks written; `?kind=v86-array-buffer`: an `ArrayBuffer`, whose state keeps the
 * whole disk) with the same machine. The Node side drives it through `window.vmBench`.
 */
import { V86 } from 'v86';
import wasmUrl from 'v86/build/v86.wasm?url';
import { exportVm, openDisk, restoreVm, saveVm } from '../../src/index.ts';
import { guestFile } from '../../demo/guest-assets.ts';
import { LINUX_CMDLINE, type RunningVm, startVm } from '../../demo/vm-runner.ts';

/** The guests the benchmark compares. */
export type BenchGuestKind = 'qedisk' | 'v86-async-file' | 'v86-array-buffer';

/** What the page offers the benchmark. */
export interface VmBench {
  /** The guest's serial output so far. */
  console(): string;
  /** Sends text to COM1. */
  send(text: string): void;
  /** qedisk: `saveVm` as `name`; its times (ms) and sizes (bytes). */
  saveVm(name: string): Promise<{ pausedMs: number; totalMs: number; stateBytes: number; storedBytes: number }>;
  /** qedisk: `restoreVm(name)` in place; milliseconds. */
  restoreVm(name: string): Promise<number>;
  /** qedisk: v86's own `save_state()` and `restore_state()` of the same guest, paused; milliseconds each. */
  ownSaveRestore(): Promise<{ saveMs: number; restoreMs: number }>;
  /** qedisk: the file `exportVm(name)` writes, in base64. */
  exportVm(name: string): Promise<string>;
  /** v86's own disks: the size of `save_state()`, and gzipped (`CompressionStream`), in bytes. */
  ownSize(): Promise<{ stateBytes: number; gzipBytes: number }>;
}

declare global {
  interface Window {
    vmBench: VmBench;
  }
}

/** The demo's machine (`demo/vm-runner.ts`). */
const MIB = 1024 * 1024;
const params = new URLSearchParams(location.search);
const kind = params.get('kind') ?? 'qedisk';
const diskBytes = Number(params.get('size') ?? '64') * MIB;
let text = '';
const decoder = new TextDecoder();
const receive = (byte: number): void => void (text += decoder.decode(new Uint8Array([byte]), { stream: true }));
const screen = document.querySelector<HTMLElement>('#screen') ?? document.body;

async function gzipSize(state: ArrayBuffer): Promise<number> {
  return (await new Response(new Blob([state]).stream().pipeThrough(new CompressionStream('gzip'))).blob()).size;
}

async function qedisk(): Promise<void> {
  const disk = await openDisk(`vm-bench-${Date.now()}`, { create: { size: diskBytes } });
  const vm: RunningVm = await startVm('linux', disk, screen, { onSerialByte: receive, onAccess: () => undefined, onDiskError: () => undefined }, { coldBoot: true });
  const missing = (): never => {
    throw new Error('not on this page');
  };
  window.vmBench = {
    console: () => text,
    send: (line) => vm.sendSerial(line),
    saveVm: async (name) => saveVm(vm.emulator, vm.disk, { name }),
    restoreVm: async (name) => {
      const started = performance.now();
      await restoreVm(vm.emulator, vm.disk, name);
      return performance.now() - started;
    },
    ownSaveRestore: async () => {
      await vm.emulator.stop();
      await vm.disk.settled();
      const saveStart = performance.now();
      const state = await vm.emulator.save_state();
      const saveMs = performance.now() - saveStart;
      const restoreStart = performance.now();
      await vm.emulator.restore_state(state);
      const restoreMs = performance.now() - restoreStart;
      await vm.emulator.run();
      return { saveMs, restoreMs };
    },
    exportVm: async (name) => {
      const bytes = new Uint8Array(await (await exportVm(name)).arrayBuffer());
      let binary = '';
      for (let at = 0; at < bytes.byteLength; at += 0x8000) binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
      return btoa(binary);
    },
    ownSize: missing,
  };
}

async function ownDisk(): Promise<void> {
  const [bios, vgaBios, kernel, initrd] = await Promise.all(['seabios.bin', 'vgabios.bin', 'vmlinuz-686.bin', 'initramfs.cpio.gz'].map((name) => guestFile(name as 'seabios.bin')));
  const blank = new ArrayBuffer(diskBytes);
  const hda = kind === 'v86-array-buffer' ? { buffer: blank } : { buffer: new File([blank], 'disk.img'), async: true };
  const emulator = new V86({
    wasm_path: wasmUrl,
    memory_size: 128 * MIB,
    vga_memory_size: 8 * MIB,
    bios: { buffer: bios ?? blank },
    vga_bios: { buffer: vgaBios ?? blank },
    bzimage: { buffer: kernel ?? blank },
    initrd: { buffer: initrd ?? blank },
    cmdline: LINUX_CMDLINE,
    hda: hda as { buffer: ArrayBuffer },
    screen_container: screen,
    disable_mouse: true,
    autostart: true,
    uart1: true,
  });
  let line = '';
  emulator.add_listener('serial0-output-byte', (byte) => {
    receive(byte);
    line = byte === 10 ? '' : line + String.fromCharCode(byte);
    if (line === 'QEDISK-SNAPSHOT-POINT') emulator.serial0_send('cold 00112233445566778899aabbccddeeff\n');
  });
  const missing = (): never => {
    throw new Error('not on this page');
  };
  window.vmBench = {
    console: () => text,
    send: (data) => emulator.serial0_send(data),
    saveVm: missing,
    restoreVm: missing,
    ownSaveRestore: missing,
    exportVm: missing,
    ownSize: async () => {
      await emulator.stop();
      const state = await emulator.save_state();
      return { stateBytes: state.byteLength, gzipBytes: await gzipSize(state) };
    },
  };
}

void (kind === 'qedisk' ? qedisk() : ownDisk());
