import { copyFileSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRecord, fileHash, pokeFirstL2Entry, qedisk, qemuImg, qemuImgJson, scratchDirectory } from './cli-harness.ts';

const dir = scratchDirectory();
const at = (name: string): string => join(dir, name);

beforeAll(() => {
  // 2 MiB of data, 1 MiB of it zeros, then 4 leaked clusters and a partial one at the end.
  expect(qemuImg(dir, ['create', '-q', '-f', 'qed', 'messy.qed', '64M']).status).toBe(0);
  expect(qedisk(dir, ['write', 'messy.qed', '0'], Buffer.alloc(1024 * 1024, 0x5a)).status).toBe(0);
  expect(qedisk(dir, ['write', 'messy.qed', '8M'], Buffer.alloc(1024 * 1024, 0)).status).toBe(0);
  truncateSync(at('messy.qed'), statSync(at('messy.qed')).size + 4 * 64 * 1024 + 300);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('qedisk compact', () => {
  it('replaces the image with a smaller one holding the same guest bytes, and says what it freed', () => {
    copyFileSync(at('messy.qed'), at('a.qed'));
    const before = statSync(at('a.qed')).size;
    const result = qedisk(dir, ['compact', 'a.qed']);
    expect(result.status).toBe(0);
    const after = statSync(at('a.qed')).size;
    expect(after).toBe((1 + 4 + 16 + 4) * 64 * 1024); // header, L1, 16 data clusters, one L2 table
    expect(result.stdout.toString()).toContain(`(${before} -> ${after} bytes, ${before - after} bytes freed)`);
    expect(result.stdout.toString()).toContain('16 data clusters kept, 16 all-zero clusters and 4 leaked clusters dropped');
    expect(qemuImg(dir, ['compare', '-f', 'qed', '-F', 'qed', 'a.qed', 'messy.qed']).status).toBe(0);
    expect(asRecord(qemuImgJson(dir, ['check', 'a.qed']))).toMatchObject({ 'allocated-clusters': 16 });
    expect(qemuImg(dir, ['check', 'a.qed']).status).toBe(0);
    expect(readdirSync(dir).filter((name) => name.includes('.tmp'))).toEqual([]);
  });

  it('writes to OUT instead when given, leaving FILE alone, and prints JSON with --json', () => {
    const hash = fileHash(at('messy.qed'));
    const result = qedisk(dir, ['compact', '--json', 'messy.qed', 'out.qed']);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout.toString())).toEqual({
      bytesBefore: statSync(at('messy.qed')).size,
      bytesAfter: statSync(at('out.qed')).size,
      dataClusters: 16,
      zeroClustersDropped: 16,
      leakedClustersDropped: 4,
      tables: 1,
    });
    expect(fileHash(at('messy.qed'))).toBe(hash);
  });

  it('refuses a corrupted image with exit 1, a hint to repair, and the file untouched', () => {
    copyFileSync(at('messy.qed'), at('bad.qed'));
    pokeFirstL2Entry(at('bad.qed'), 40, 0x50000); // a second reference to the first data cluster
    const hash = fileHash(at('bad.qed'));
    const result = qedisk(dir, ['compact', 'bad.qed']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^qedisk: bad\.qed: .*repair it before compacting/);
    expect(fileHash(at('bad.qed'))).toBe(hash);
    expect(readdirSync(dir).filter((name) => name.includes('.tmp'))).toEqual([]);
  });

  it('refuses a file that is not QED, and a missing file, with exit 1', () => {
    expect(qedisk(dir, ['compact', 'nothing.qed']).stderr).toMatch(/nothing\.qed: no such file/);
    expect(qemuImg(dir, ['create', '-q', '-f', 'raw', 'plain.raw', '1M']).status).toBe(0);
    const result = qedisk(dir, ['compact', 'plain.raw']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/not in QED format/);
  });
});
