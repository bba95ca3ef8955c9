import { describe, expect, it } from 'vitest';
import { VmSaveFormatError, newVmToken } from '../../src/protocol/vm-saves.ts';
import { MAX_MANIFEST_BYTES, VM_FILE_HEAD_BYTES, type VmFileManifest, decodeVmHeadLength, decodeVmManifest, encodeVmHead, partRanges, validateManifest } from '../../src/client/vm-saves/vm-file-format.ts';
import { openVmFile } from '../../src/client/vm-saves/vm-save-store.ts';

/** A manifest of a bound save with `levels` disk levels of 1000, 2000, ... bytes after a 300-byte state. */
function manifest(levels = 0, overrides: Partial<VmFileManifest> = {}): VmFileManifest {
  return {
    format: 'qedisk-vm',
    version: 1,
    name: 'lab-1',
    createdAt: 1_700_000_000_000,
    stateBytes: 40_000_000,
    point: { kind: 'bound', diskName: 'lab', snapshotId: '1700000000001', token: newVmToken(), diskBytes: 64 * 1024 * 1024 },
    meta: { guest: 'linux', memory: 134217728, fast: false, none: null },
    parts: [{ role: 'state', bytes: 300, encoding: 'gzip' }, ...Array.from({ length: levels }, (_, index) => ({ role: 'level' as const, bytes: 1000 * (index + 1), id: String(1700000000001 - index) }))],
    disk: levels === 0 ? 'none' : 'overlay',
    base: levels === 0 ? null : { url: 'https://example.org/base.ext2', format: 'raw' },
    ...overrides,
  };
}

/** The bytes of a whole file for `value`: head, then each part filled with its index. */
function fileOf(value: VmFileManifest): Uint8Array<ArrayBuffer> {
  const head = encodeVmHead(value);
  const total = head.byteLength + value.parts.reduce((sum, part) => sum + part.bytes, 0);
  const bytes = new Uint8Array(total);
  bytes.set(head);
  let at = head.byteLength;
  value.parts.forEach((part, index) => {
    bytes.fill(index + 1, at, at + part.bytes);
    at += part.bytes;
  });
  return bytes;
}

/** Decodes a whole file the way readers do. */
function decode(bytes: Uint8Array): VmFileManifest {
  const length = decodeVmHeadLength(bytes.subarray(0, VM_FILE_HEAD_BYTES));
  return decodeVmManifest(bytes.subarray(VM_FILE_HEAD_BYTES, VM_FILE_HEAD_BYTES + length), bytes.byteLength);
}

/** `bytes` with the manifest JSON replaced by `json` (head length adjusted). */
function withJson(json: string, extraBytes: number): Uint8Array<ArrayBuffer> {
  const text = new TextEncoder().encode(json);
  const bytes = new Uint8Array(VM_FILE_HEAD_BYTES + text.byteLength + extraBytes);
  bytes.set(new TextEncoder().encode('QEDISKVM'));
  new DataView(bytes.buffer).setUint32(8, 1, true);
  new DataView(bytes.buffer).setUint32(12, text.byteLength, true);
  bytes.set(text, VM_FILE_HEAD_BYTES);
  return bytes;
}

describe('the VM file head', () => {
  it('round-trips a stored save, an overlay export and an unbound save', () => {
    for (const value of [manifest(0), manifest(3), manifest(0, { point: { kind: 'unbound', diskBytes: 1 << 20 } })]) {
      expect(decode(fileOf(value))).toEqual(value);
    }
  });

  it('lays the parts out back to back after the manifest', async () => {
    const value = manifest(2);
    const bytes = fileOf(value);
    const length = decodeVmHeadLength(bytes);
    const ranges = partRanges(value, length);
    expect(ranges.map((range) => range.end - range.start)).toEqual([300, 1000, 2000]);
    expect(ranges.at(-1)?.end).toBe(bytes.byteLength);
    const opened = await openVmFile(new Blob([bytes]));
    expect(opened.state.size).toBe(300);
    expect(new Uint8Array(await opened.state.arrayBuffer()).every((byte) => byte === 1)).toBe(true);
    expect(opened.levels.map((level) => [level.id, level.file.size])).toEqual([
      ['1700000000001', 1000],
      ['1700000000000', 2000],
    ]);
    expect(new Uint8Array(await opened.levels[1]!.file.arrayBuffer()).every((byte) => byte === 3)).toBe(true);
  });

  it('refuses another magic, another version and manifest lengths out of range', () => {
    const bytes = fileOf(manifest(1));
    const badMagic = bytes.slice();
    badMagic[0] = 0x00;
    expect(() => decode(badMagic)).toThrow(VmSaveFormatError);
    const badVersion = bytes.slice();
    new DataView(badVersion.buffer).setUint32(8, 2, true);
    expect(() => decode(badVersion)).toThrow(/version 2/);
    for (const length of [0, MAX_MANIFEST_BYTES + 1]) {
      const badLength = bytes.slice();
      new DataView(badLength.buffer).setUint32(12, length, true);
      expect(() => decode(badLength)).toThrow(/length/);
    }
  });

  it('refuses a file shorter or longer than its parts', async () => {
    const bytes = fileOf(manifest(2));
    expect(() => decode(bytes.subarray(0, bytes.byteLength - 1))).toThrow(/describes/);
    const longer = new Uint8Array(bytes.byteLength + 1);
    longer.set(bytes);
    expect(() => decode(longer)).toThrow(/describes/);
    await expect(openVmFile(new Blob([bytes.subarray(0, 40)]))).rejects.toThrow(VmSaveFormatError);
  });

  it('refuses manifests with a bad field', () => {
    const good = manifest(1);
    const bound = good.point.kind === 'bound' ? good.point : null;
    if (!bound) throw new Error('unreachable');
    const bad: Array<[string, unknown]> = [
      ['not JSON', '{'],
      ['an array', []],
      ['another format', { ...good, format: 'other' }],
      ['a bad name', { ...good, name: '../x' }],
      ['a negative date', { ...good, createdAt: -1 }],
      ['a huge state', { ...good, stateBytes: 3 * 1024 ** 3 }],
      ['a bad token', { ...good, point: { ...bound, token: 'XYZ' } }],
      ['a bad snapshot id', { ...good, point: { ...bound, snapshotId: '1a' } }],
      ['a disk size not a multiple of 512', { ...good, point: { ...bound, diskBytes: 1000 } }],
      ['an unbound point with extra fields', { ...good, point: { kind: 'unbound', diskBytes: 512, diskName: 'x' } }],
      ['an unbound point with disk levels', { ...good, point: { kind: 'unbound', diskBytes: 512 } }],
      ['nested meta', { ...good, meta: { a: { b: 1 } } }],
      ['meta over 16 KiB', { ...good, meta: { a: 'x'.repeat(17000) } }],
      ['the state not first', { ...good, parts: [...good.parts].reverse() }],
      ['two states', { ...good, parts: [...good.parts, good.parts[0]] }],
      ['duplicate level ids', { ...good, parts: [good.parts[0], good.parts[1], good.parts[1]] }],
      ['an empty level', { ...good, parts: [good.parts[0], { role: 'level', id: '5', bytes: 0 }] }],
      ['levels without a disk kind', { ...good, disk: 'none' }],
      ['a flat disk with two levels', { ...manifest(2), disk: 'flat', base: null }],
      ['a base on a flat disk', { ...good, disk: 'flat' }],
      ['a base with another format', { ...good, base: { url: 'x', format: 'qcow2' } }],
    ];
    for (const [label, value] of bad) {
      const json = typeof value === 'string' ? value : JSON.stringify(value);
      const parts = typeof value === 'object' && value !== null && 'parts' in value && Array.isArray(value.parts) ? (value.parts as Array<{ bytes: number }>) : [];
      const extra = parts.reduce((sum, part) => sum + (typeof part?.bytes === 'number' ? part.bytes : 0), 0);
      expect(() => decode(withJson(json, extra)), label).toThrow(VmSaveFormatError);
      if (typeof value !== 'string') expect(() => validateManifest(value), label).toThrow(VmSaveFormatError);
    }
  });

  it('decodes any damaged head to a checked manifest or a VmSaveFormatError, nothing else (seeded)', () => {
    let seed = 0x2545f491;
    const random = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    const source = fileOf(manifest(2));
    const headEnd = VM_FILE_HEAD_BYTES + decodeVmHeadLength(source);
    let decoded = 0;
    for (let round = 0; round < 3000; round++) {
      const bytes = source.slice();
      const flips = 1 + Math.floor(random() * 4);
      for (let flip = 0; flip < flips; flip++) {
        const at = Math.floor(random() * headEnd);
        bytes[at] = Math.floor(random() * 256);
      }
      try {
        decode(bytes);
        decoded++;
      } catch (error) {
        expect(error, `round ${round}`).toBeInstanceOf(VmSaveFormatError);
      }
    }
    expect(decoded).toBeLessThan(3000);
  });
});
