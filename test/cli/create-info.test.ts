import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { asRecord, fileHash, qedisk, qemuImg, qemuImgJson, scratchDirectory, writeU64 } from './cli-harness.ts';

const dir = scratchDirectory();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('qedisk create', () => {
  it('makes an image qemu-img reads with the same size and cluster size', () => {
    const result = qedisk(dir, ['create', '--cluster-size', '16K', '--table-size', '8', 'plain.qed', '10M']);
    expect(result.status).toBe(0);
    expect(result.stdout.toString()).toContain("Formatting 'plain.qed', fmt=qed size=10485760");
    expect(qemuImgJson(dir, ['info', 'plain.qed'])).toMatchObject({ format: 'qed', 'virtual-size': 10 * 2 ** 20, 'cluster-size': 16384 });
    expect(qemuImg(dir, ['check', 'plain.qed']).status).toBe(0);
  });

  it('rounds the size up to 512 bytes, as qemu-img does', () => {
    expect(qedisk(dir, ['create', 'odd.qed', '1000']).status).toBe(0);
    expect(qemuImgJson(dir, ['info', 'odd.qed'])).toMatchObject({ 'virtual-size': 1024 });
  });

  it('takes the size of a raw backing file and records it as raw', () => {
    writeFileSync(join(dir, 'base.raw'), Buffer.alloc(3 * 2 ** 20, 0x11));
    expect(qedisk(dir, ['create', '--backing', 'base.raw', 'overlay.qed']).status).toBe(0);
    const info = qemuImgJson(dir, ['info', 'overlay.qed']);
    expect(info).toMatchObject({ 'virtual-size': 3 * 2 ** 20, 'backing-filename': 'base.raw', 'backing-filename-format': 'raw' });
    const read = qedisk(dir, ['read', 'overlay.qed', '1M', '4']);
    expect([...read.stdout]).toEqual([0x11, 0x11, 0x11, 0x11]);
  });

  it('probes a QED backing file and leaves its format to probing', () => {
    expect(qedisk(dir, ['create', '-b', 'plain.qed', 'over-qed.qed']).status).toBe(0);
    const info = qemuImgJson(dir, ['info', 'over-qed.qed']);
    expect(info).toMatchObject({ 'virtual-size': 10 * 2 ** 20, 'backing-filename': 'plain.qed' });
    expect(info).not.toHaveProperty('backing-filename-format');
  });

  it('refuses a backing format that does not match the file', () => {
    const result = qedisk(dir, ['create', '--backing', 'base.raw', '--backing-format', 'qed', 'mismatch.qed']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^qedisk: .*QED magic.*\n$/);
  });
});

describe('qedisk info', () => {
  it('reports the image as qemu-img sees it, in JSON', () => {
    const result = qedisk(dir, ['info', '--json', 'overlay.qed']);
    expect(result.status).toBe(0);
    const ours: unknown = JSON.parse(result.stdout.toString());
    const theirs = asRecord(qemuImgJson(dir, ['info', 'overlay.qed']));
    expect(ours).toMatchObject({
      virtualSize: theirs['virtual-size'],
      clusterSize: theirs['cluster-size'],
      backingFile: theirs['backing-filename'],
      backingFormat: theirs['backing-filename-format'],
      tableSize: 4,
      headerSize: 1,
      physicalSize: statSync(join(dir, 'overlay.qed')).size,
      allocatedBytes: 0,
      needsCheck: false,
    });
  });

  it('prints human-readable lines modelled on qemu-img info', () => {
    const text = qedisk(dir, ['info', 'plain.qed']).stdout.toString();
    expect(text).toContain('file format: qed\n');
    expect(text).toContain('virtual size: 10 MiB (10485760 bytes)\n');
    expect(text).toContain('cluster_size: 16384\n');
    expect(text).toContain('table_size: 8\n');
    expect(text).toContain('needs check: no\n');
  });

  it('shows the need-check bit as it is on disk, without clearing it', () => {
    expect(qedisk(dir, ['create', 'dirty.qed', '1M']).status).toBe(0);
    writeU64(join(dir, 'dirty.qed'), 16, 0x2); // features: need check
    const before = fileHash(join(dir, 'dirty.qed'));
    const result = qedisk(dir, ['info', '--json', 'dirty.qed']);
    expect(JSON.parse(result.stdout.toString())).toMatchObject({ needsCheck: true });
    expect(fileHash(join(dir, 'dirty.qed'))).toBe(before);
  });

  it('still describes an overlay whose backing file is missing', () => {
    writeFileSync(join(dir, 'gone.raw'), Buffer.alloc(65536));
    expect(qedisk(dir, ['create', '-b', 'gone.raw', 'orphan.qed']).status).toBe(0);
    rmSync(join(dir, 'gone.raw'));
    const result = qedisk(dir, ['info', 'orphan.qed']);
    expect(result.status).toBe(0);
    expect(result.stdout.toString()).toMatch(/backing file: gone\.raw \(cannot be opened: .*no such file/);
  });
});
