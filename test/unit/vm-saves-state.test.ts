import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { V86 } from 'v86';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { localDisk } from '../../src/client/local-disk.ts';
import { adapterEntriesOf, gunzipState, gzipState } from '../../src/client/vm-saves/state-codec.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import { type VmDiskIdentity, VmSaveFormatError, VmSaveMismatchError, decodeAdapterState, encodeAdapterState, newVmToken } from '../../src/protocol/vm-saves.ts';
import { SavePointTracker } from '../../src/v86/save-point.ts';
import { type V86Disk, toV86Disk } from '../../src/v86/v86-disk.ts';
import { ensureGuestAssets, readGuestFile } from '../support/guest-assets.ts';

const MIB = 1024 * 1024;
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** An identity with a fresh token. */
function identity(snapshotId = '1700000000000'): VmDiskIdentity {
  return { diskName: 'lab', snapshotId, token: newVmToken() };
}

/** The adapter over a 4 MiB disk on the real engine in memory. */
async function adapter(): Promise<V86Disk> {
  return toV86Disk(localDisk(QedImage.create(new MemoryFile(), { size: 4 * MIB, clusterSize: 4096 }), { name: 'lab' }), { idleFlushMs: 0 });
}

describe('the adapter entry of a v86 state', () => {
  it('round-trips bound and unbound points and holds strings and numbers only', () => {
    const bound = { kind: 'bound' as const, byteLength: 4 * MIB, identity: identity() };
    expect(decodeAdapterState(encodeAdapterState(bound))).toEqual(bound);
    expect(decodeAdapterState(encodeAdapterState({ kind: 'unbound', byteLength: 512 }))).toEqual({ kind: 'unbound', byteLength: 512 });
    expect(encodeAdapterState(bound).every((item) => typeof item === 'string' || typeof item === 'number')).toBe(true);
  });

  it('reads the empty entry of older adapters as no point, and refuses anything else malformed', () => {
    expect(decodeAdapterState([])).toBeNull();
    const good = encodeAdapterState({ kind: 'bound', byteLength: 4 * MIB, identity: identity() });
    for (const bad of [null, 'x', [1], ['qedisk-vm-save', 2, 'unbound', 512], [...good.slice(0, 6), 'short'], [...good.slice(0, 3), -1, ...good.slice(4)], [...good, 'extra'], ['qedisk-vm-save', 1, 'other', 512]]) {
      expect(() => decodeAdapterState(bad), JSON.stringify(bad)).toThrow(VmSaveFormatError);
    }
  });
});

describe('SavePointTracker', () => {
  it('accepts a bound state only while the disk holds exactly its snapshot', () => {
    const tracker = new SavePointTracker();
    const point = identity();
    const state = encodeAdapterState({ kind: 'bound', byteLength: MIB, identity: point });
    expect(() => tracker.accept(state, MIB)).toThrow(VmSaveMismatchError);
    tracker.set(point);
    expect(() => tracker.accept(state, MIB)).not.toThrow();
    expect(() => tracker.accept(encodeAdapterState({ kind: 'bound', byteLength: MIB, identity: { ...point, token: newVmToken() } }), MIB)).toThrow(VmSaveMismatchError);
    expect(() => tracker.accept(encodeAdapterState({ kind: 'bound', byteLength: MIB, identity: { ...point, diskName: 'other', token: newVmToken() } }), MIB)).toThrow(/disk "other"/);
    // importVm copies the snapshot with its token under another disk name and id: the same contents.
    expect(() => tracker.accept(encodeAdapterState({ kind: 'bound', byteLength: MIB, identity: { ...point, diskName: 'copy', snapshotId: '7' } }), MIB)).not.toThrow();
    expect(() => tracker.accept(state, 2 * MIB)).toThrow(/1048576 bytes/);
    tracker.written();
    expect(() => tracker.accept(state, MIB)).toThrow(VmSaveMismatchError);
  });

  it('accepts unbound and old states on a disk of their size', () => {
    const tracker = new SavePointTracker();
    expect(() => tracker.accept([], MIB)).not.toThrow();
    expect(() => tracker.accept(encodeAdapterState({ kind: 'unbound', byteLength: MIB }), MIB)).not.toThrow();
    expect(() => tracker.accept(encodeAdapterState({ kind: 'unbound', byteLength: MIB }), 2 * MIB)).toThrow(VmSaveMismatchError);
  });
});

describe('toV86Disk and save points', () => {
  it('writes the save point into get_state until the guest writes, and refuses other states in set_state', async () => {
    const disk = await adapter();
    expect(decodeAdapterState(disk.get_state())).toEqual({ kind: 'unbound', byteLength: 4 * MIB });
    const point = identity();
    disk.setSavePoint(point);
    const state = disk.get_state();
    expect(decodeAdapterState(state)).toEqual({ kind: 'bound', byteLength: 4 * MIB, identity: point });
    expect(() => disk.set_state(state)).not.toThrow();
    disk.set(4096, new Uint8Array(512).fill(1), () => undefined);
    expect(disk.savePoint()).toBeNull();
    expect(() => disk.set_state(state)).toThrow(VmSaveMismatchError);
    await disk.settled();
  });

  it('reads sector 0 again after the disk changed beneath it', async () => {
    const disk = await adapter();
    expect(disk.get_from_cache(0, 512)?.every((byte) => byte === 0)).toBe(true);
    await disk.disk.write(0, new Uint8Array(512).fill(9));
    expect(disk.get_from_cache(0, 512)?.every((byte) => byte === 0)).toBe(true);
    await disk.reloadSectorZero();
    expect(disk.get_from_cache(0, 512)?.every((byte) => byte === 9)).toBe(true);
  });
});

describe('the v86 state of a VM save', () => {
  let state: ArrayBuffer;
  const point = identity();

  beforeAll(async () => {
    ensureGuestAssets();
    // A real v86 state: SeaBIOS booting the boot-sector test from a qedisk disk, paused.
    const disk = await adapter();
    await disk.disk.write(0, new Uint8Array(readGuestFile('boot-sector-test.bin')));
    await disk.reloadSectorZero();
    const emulator = new V86({
      wasm_path: join(repoRoot, 'node_modules', 'v86', 'build', 'v86.wasm'),
      memory_size: 32 * MIB,
      vga_memory_size: 2 * MIB,
      bios: { buffer: readGuestFile('seabios.bin') },
      vga_bios: { buffer: readGuestFile('vgabios.bin') },
      hda: disk as unknown as { buffer: ArrayBuffer },
      autostart: true,
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await emulator.stop();
    await disk.settled();
    disk.setSavePoint(point);
    state = await emulator.save_state();
    await emulator.destroy();
  }, 400_000); // the first run builds the guest files (a download from Debian's archive)

  it('holds exactly one adapter entry: the save point, no disk bytes', () => {
    expect(adapterEntriesOf(state)).toEqual([encodeAdapterState({ kind: 'bound', byteLength: 4 * MIB, identity: point })]);
  });

  it('refuses a truncated state, one whose info block is not JSON and one whose buffers lie outside it', () => {
    expect(() => adapterEntriesOf(state.slice(0, state.byteLength - 4))).toThrow(VmSaveFormatError);
    expect(() => adapterEntriesOf(state.slice(0, 8))).toThrow(VmSaveFormatError);
    const notJson = state.slice(0);
    new Uint8Array(notJson, 16, 4).set([0x7b, 0x7b, 0x7b, 0x7b]);
    expect(() => adapterEntriesOf(notJson)).toThrow(/not JSON/);
    const shortened = state.slice(0, state.byteLength - 4096);
    new Int32Array(shortened, 0, 4)[2] = shortened.byteLength;
    expect(() => adapterEntriesOf(shortened)).toThrow(/outside/);
  });

  it('gzips and gunzips to the same bytes, and refuses a stream of another length or a damaged one', async () => {
    const packed = await gzipState(state);
    expect(packed.size).toBeLessThan(state.byteLength);
    expect(Buffer.compare(new Uint8Array(await gunzipState(packed, state.byteLength)), new Uint8Array(state))).toBe(0);
    await expect(gunzipState(packed, state.byteLength - 1)).rejects.toThrow(/longer/);
    await expect(gunzipState(packed, state.byteLength + 1)).rejects.toThrow(/bytes, its manifest says/);
    const damaged = new Uint8Array(await packed.arrayBuffer());
    damaged.fill(0xff, 100, 200);
    await expect(gunzipState(new Blob([damaged]), state.byteLength)).rejects.toThrow(VmSaveFormatError);
  });
});
