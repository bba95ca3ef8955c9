import { copyFileSync, rmSync, truncateSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRecord, fileHash, pokeFirstL2Entry, qedisk, qemuImg, qemuImgJson, scratchDirectory } from './cli-harness.ts';

const dir = scratchDirectory();
const at = (name: string): string => join(dir, name);

beforeAll(() => {
  // The image of the qemu-img check walkthrough: 128 clusters, 3 allocated, 1 fragmented.
  expect(qemuImg(dir, ['create', '-q', '-f', 'qed', 'clean.qed', '8M']).status).toBe(0);
  expect(qedisk(dir, ['write', 'clean.qed', '0'], Buffer.alloc(128 * 1024, 0xab)).status).toBe(0);
  expect(qedisk(dir, ['write', 'clean.qed', '1M'], Buffer.alloc(64 * 1024, 0xcd)).status).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('qedisk check', () => {
  it('exits 0 on a clean image and words it as qemu-img does', () => {
    const result = qedisk(dir, ['check', 'clean.qed']);
    expect(result.status).toBe(0);
    const text = result.stdout.toString();
    expect(text).toContain('No errors were found on the image.\n');
    expect(text).toContain('3/128 = 2.34% allocated, 33.33% fragmented, 0.00% compressed clusters\n');
  });

  it('agrees with qemu-img check --output=json on the counts', () => {
    const ours = asRecord(JSON.parse(qedisk(dir, ['check', '--json', 'clean.qed']).stdout.toString()));
    const theirs = asRecord(qemuImgJson(dir, ['check', 'clean.qed']));
    expect(ours).toEqual({
      corruptions: 0,
      corruptionsFixed: 0,
      leaks: 0,
      leaksFixed: 0,
      checkErrors: theirs['check-errors'],
      allocatedClusters: theirs['allocated-clusters'],
      fragmentedClusters: theirs['fragmented-clusters'],
      totalClusters: theirs['total-clusters'],
      imageEndOffset: statSync(at('clean.qed')).size,
    });
  });

  it('exits 3 when the only problem is a leaked cluster, and leaves the file alone', () => {
    copyFileSync(at('clean.qed'), at('leak.qed'));
    truncateSync(at('leak.qed'), statSync(at('leak.qed')).size + 64 * 1024);
    const before = fileHash(at('leak.qed'));
    const result = qedisk(dir, ['check', 'leak.qed']);
    expect(result.status).toBe(3);
    expect(qemuImg(dir, ['check', 'leak.qed']).status).toBe(3);
    expect(result.stdout.toString()).toContain('1 leaked clusters were found on the image.\n');
    expect(fileHash(at('leak.qed'))).toBe(before);
  });

  it('cuts leaked clusters at the end of the file off with --repair, after which qemu-img check finds no leak', () => {
    copyFileSync(at('clean.qed'), at('trailing.qed'));
    const cleanSize = statSync(at('clean.qed')).size;
    truncateSync(at('trailing.qed'), cleanSize + 3 * 64 * 1024 + 100); // three whole clusters and a partial one
    expect(qemuImg(dir, ['check', 'trailing.qed']).status).toBe(3);
    const result = qedisk(dir, ['check', '--repair', 'trailing.qed']);
    expect(result.status).toBe(0);
    expect(result.stdout.toString()).toContain('    3 leaked clusters\n    0 corruptions\n');
    expect(statSync(at('trailing.qed')).size).toBe(cleanSize);
    expect(qemuImg(dir, ['check', 'trailing.qed']).status).toBe(0);
    expect(qemuImg(dir, ['compare', '-f', 'qed', '-F', 'qed', 'trailing.qed', 'clean.qed']).status).toBe(0);
  });

  it('exits 2 on a corrupted L2 entry, as qemu-img does, without repairing it', () => {
    copyFileSync(at('clean.qed'), at('bad.qed'));
    pokeFirstL2Entry(at('bad.qed'), 5, 0x1000000); // far past the end of the file
    const before = fileHash(at('bad.qed'));
    const result = qedisk(dir, ['check', 'bad.qed']);
    expect(result.status).toBe(2);
    expect(qemuImg(dir, ['check', 'bad.qed']).status).toBe(2);
    expect(result.stdout.toString()).toContain('1 errors were found on the image.\n');
    expect(fileHash(at('bad.qed'))).toBe(before);
  });

  it('repairs the corrupted entry with --repair, after which qemu-img check is clean', () => {
    copyFileSync(at('clean.qed'), at('fix.qed'));
    pokeFirstL2Entry(at('fix.qed'), 5, 0x1000000);
    const result = qedisk(dir, ['check', '--repair', '--json', 'fix.qed']);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout.toString())).toMatchObject({ corruptions: 0, corruptionsFixed: 1, allocatedClusters: 3 });
    expect(qemuImg(dir, ['check', 'fix.qed']).status).toBe(0);
  });

  it('exits 2 after --repair when a cluster is referenced twice (never repairable)', () => {
    copyFileSync(at('clean.qed'), at('dup.qed'));
    pokeFirstL2Entry(at('dup.qed'), 5, 0x50000); // the data cluster of guest offset 0
    const result = qedisk(dir, ['check', '--repair', 'dup.qed']);
    expect(result.status).toBe(2);
    expect(result.stdout.toString()).toContain('Data may be corrupted');
  });
});
