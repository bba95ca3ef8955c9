import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { NodeFile } from '../../src/backends/node-file.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import { newVmToken } from '../../src/protocol/vm-saves.ts';
import { QedArgumentError } from '../../src/qed/errors.ts';
import { decodeHeader } from '../../src/qed/header.ts';
import { readTagFrom, setBackingName, writeTagInto } from '../../worker/vm-saves/snapshot-files.ts';
import { SNAPSHOT_TAG_BYTES, decodeSnapshotTag, encodeSnapshotTag, snapshotTagOffset, tagFits } from '../../worker/vm-saves/snapshot-tag.ts';

const work = mkdtempSync(join(tmpdir(), 'qedisk-vm-tag-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** `qemu-img info --output=json` of `path`. */
function info(path: string): Record<string, unknown> {
  return JSON.parse(execFileSync('qemu-img', ['info', '--output=json', '-f', 'qed', path], { encoding: 'utf8' })) as Record<string, unknown>;
}

/** `qemu-img check` of `path`: its exit status and output. */
function check(path: string): { status: number | null; output: string } {
  const result = spawnSync('qemu-img', ['check', '-f', 'qed', path], { encoding: 'utf8' });
  return { status: result.status, output: result.stdout + result.stderr };
}

/** A QEMU-made QED overlay on a raw base with data written by qemu-io; returns its path. */
function qemuOverlay(name: string, clusterSize = 65536): string {
  const base = join(work, `${name}-base.raw`);
  writeFileSync(base, new Uint8Array(1024 * 1024).fill(0x5a));
  const path = join(work, `${name}.qed`);
  execFileSync('qemu-img', ['create', '-q', '-f', 'qed', '-o', `cluster_size=${clusterSize}`, '-b', base, '-F', 'raw', path, '1M']);
  execFileSync('qemu-io', ['-f', 'qed', '-c', 'write -P 0x33 65536 65536', path], { stdio: 'ignore' });
  return path;
}

/** Guest bytes of `path` as qemu-img reads them (raw). */
function guestBytes(path: string): Buffer {
  const raw = join(work, `read-${Math.random().toString(36).slice(2)}.raw`);
  execFileSync('qemu-img', ['convert', '-f', 'qed', '-O', 'raw', path, raw]);
  return execFileSync('cat', [raw]);
}

describe('encodeSnapshotTag / decodeSnapshotTag', () => {
  it('round-trips random tokens in 64 bytes', () => {
    for (let round = 0; round < 50; round++) {
      const token = newVmToken();
      const tag = encodeSnapshotTag(token);
      expect(tag.byteLength).toBe(SNAPSHOT_TAG_BYTES);
      expect(decodeSnapshotTag(tag)).toBe(token);
    }
  });

  it('reads no token from zeros, another magic, another version, non-zero padding or another length', () => {
    const tag = encodeSnapshotTag(newVmToken());
    expect(decodeSnapshotTag(new Uint8Array(SNAPSHOT_TAG_BYTES))).toBeNull();
    for (const at of [0, 7, 8, 12, 40, 63]) {
      const changed = tag.slice();
      changed[at] = (changed[at] ?? 0) ^ 0x01;
      expect(decodeSnapshotTag(changed), `byte ${at}`).toBeNull();
    }
    expect(decodeSnapshotTag(tag.subarray(0, 63))).toBeNull();
  });

  it('refuses a malformed token', () => {
    expect(() => encodeSnapshotTag('ABCD')).toThrow(QedArgumentError);
    expect(() => encodeSnapshotTag('g'.repeat(32))).toThrow(QedArgumentError);
  });

  it('puts the tag at the end of the header area, after the backing name', () => {
    const header = { clusterSize: 4096, headerSize: 1, backingFilenameOffset: 64, backingFilenameSize: 100 };
    expect(snapshotTagOffset(header)).toBe(4096 - 64);
    expect(tagFits({ ...decodeHeader(headerBytes(4096, 1)), backingFilenameOffset: 64, backingFilenameSize: 3968 })).toBe(true);
    expect(tagFits({ ...decodeHeader(headerBytes(4096, 1)), backingFilenameOffset: 64, backingFilenameSize: 3969 })).toBe(false);
  });
});

describe('the tag in a QEMU-made QED file', () => {
  it('is invisible to qemu-img check, info and reads, and survives qemu-img rebase -u', () => {
    const path = qemuOverlay('tagged');
    const before = guestBytes(path);
    const token = newVmToken();
    const file = NodeFile.open(path, 'readwrite');
    writeTagInto(file, encodeSnapshotTag(token));
    expect(readTagFrom(file)).toBe(token);
    file.close();
    expect(check(path)).toMatchObject({ status: 0 });
    expect(info(path)['backing-filename']).toBe(join(work, 'tagged-base.raw'));
    expect(guestBytes(path).equals(before)).toBe(true);
    execFileSync('qemu-img', ['rebase', '-u', '-f', 'qed', '-b', 'elsewhere.raw', '-F', 'raw', path]);
    const again = NodeFile.open(path, 'read');
    expect(readTagFrom(again)).toBe(token);
    again.close();
  });

  it('is left alone by qedisk’s engine writing to the image and marking it clean', () => {
    const path = qemuOverlay('engine');
    const token = newVmToken();
    const file = NodeFile.open(path, 'readwrite');
    writeTagInto(file, encodeSnapshotTag(token));
    const image = QedImage.open(file, { resolveBacking: () => new MemoryFile() });
    image.write(0, new Uint8Array(4096).fill(7));
    image.close();
    const reopened = NodeFile.open(path, 'read');
    expect(readTagFrom(reopened)).toBe(token);
    reopened.close();
    expect(check(path)).toMatchObject({ status: 0 });
  });
});

describe('setBackingName', () => {
  it('renames the backing file as qemu-img rebase -u does, keeping the data and the tag', () => {
    const path = qemuOverlay('renamed');
    const token = newVmToken();
    const file = NodeFile.open(path, 'readwrite');
    writeTagInto(file, encodeSnapshotTag(token));
    setBackingName(file, { name: 'renamed-base.raw', raw: true });
    file.close();
    const shown = info(path);
    expect(shown['backing-filename']).toBe('renamed-base.raw');
    expect(shown['backing-filename-format']).toBe('raw');
    expect(check(path)).toMatchObject({ status: 0 });
    expect(guestBytes(path).subarray(65536, 131072).every((byte) => byte === 0x33)).toBe(true);
    expect(guestBytes(path).subarray(0, 65536).every((byte) => byte === 0x5a)).toBe(true);
    const again = NodeFile.open(path, 'readwrite');
    expect(readTagFrom(again)).toBe(token);
    setBackingName(again, null);
    again.close();
    expect(info(path)['backing-filename']).toBeUndefined();
    expect(guestBytes(path).subarray(0, 65536).every((byte) => byte === 0)).toBe(true);
  });

  it('refuses a backing name that would reach into the tag', () => {
    const path = qemuOverlay('long', 4096);
    const file = NodeFile.open(path, 'readwrite');
    expect(() => setBackingName(file, { name: 'x'.repeat(4000), raw: false })).toThrow(QedArgumentError);
    file.close();
    expect(check(path)).toMatchObject({ status: 0 });
  });
});

/** A header struct with only the geometry set. */
function headerBytes(clusterSize: number, headerSize: number): Uint8Array {
  const bytes = new Uint8Array(64);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x00444551, true);
  view.setUint32(4, clusterSize, true);
  view.setUint32(8, 4, true);
  view.setUint32(12, headerSize, true);
  return bytes;
}
