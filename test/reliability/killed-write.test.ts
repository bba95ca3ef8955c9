/**
 * The killed write of issue 16: `qedisk write` of a large file into a fresh image, killed with
 * SIGKILL half-way, leaves data clusters no table references. `qedisk check --repair` must give
 * them back (the file ends up no larger than the referenced data plus the tables) so that
 * `qemu-img check` finds no leak. The same crash is also simulated at every write of the engine
 * (CrashFile), with and without a backing file, where the first write of the next session gives
 * the space back instead of a repair.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import { QEDISK_BIN, asRecord, qedisk, qemuImg, qemuImgJson } from '../cli/cli-harness.ts';
import { CrashFile } from '../support/crash-file.ts';
import { memoryResolver, pattern } from '../support/images.ts';

const KIB = 1024;
const MIB = 1024 * KIB;
const dir = mkdtempSync(join(tmpdir(), 'qedisk-killed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bytes the metadata of the QED file at `path` takes: header area, L1 table and every L2 table its L1 names. */
function metadataBytes(path: string): number {
  const bytes = readFileSync(path);
  const clusterSize = bytes.readUInt32LE(4);
  const tableSize = bytes.readUInt32LE(8);
  const headerSize = bytes.readUInt32LE(12);
  const l1Offset = Number(bytes.readBigUInt64LE(40));
  let tables = 0;
  for (let i = 0; i < (clusterSize * tableSize) / 8; i++) if (bytes.readBigUInt64LE(l1Offset + 8 * i) !== 0n) tables++;
  return (headerSize + tableSize * (1 + tables)) * clusterSize;
}

/** Starts `qedisk write IMAGE 0 < data` and SIGKILLs it once the image has grown past `killAt` bytes; resolves whether it was killed mid-way. */
function killedWrite(image: string, data: string, killAt: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const input = openSync(data, 'r');
    const child = spawn(QEDISK_BIN, ['write', image, '0'], { stdio: [input, 'ignore', 'ignore'] });
    closeSync(input);
    const timer = setInterval(() => {
      if (statSync(image).size > killAt) child.kill('SIGKILL');
    }, 1);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      resolve(signal === 'SIGKILL' && code === null);
    });
  });
}

describe('a qedisk write killed with SIGKILL half-way', () => {
  it('leaves leaks that check --repair cuts off, after which qemu-img check is clean and the file holds only data and tables', async () => {
    const data = join(dir, 'data.bin');
    writeFileSync(data, pattern(96 * MIB, 16));
    const image = join(dir, 'killed.qed');
    let killed = false;
    for (let attempt = 0; attempt < 4 && !killed; attempt++) {
      expect(qedisk(dir, ['create', 'killed.qed', '1G']).status).toBe(0);
      killed = await killedWrite(image, data, 8 * MIB);
    }
    expect(killed, 'the write finished before it could be killed').toBe(true);
    const grown = statSync(image).size;
    const before = asRecord(JSON.parse(qemuImg(dir, ['check', '--output=json', 'killed.qed']).stdout.toString()));
    expect(before.leaks).toBeGreaterThan(100);
    const repaired = qedisk(dir, ['check', '--repair', '--json', 'killed.qed']);
    expect(repaired.status).toBe(0);
    const report = asRecord(JSON.parse(repaired.stdout.toString()));
    expect(report).toMatchObject({ corruptions: 0, leaks: 0 });
    expect(report.leaksFixed).toBe(before.leaks);
    const after = asRecord(qemuImgJson(dir, ['check', 'killed.qed']));
    expect(after.leaks ?? 0).toBe(0);
    expect(after.corruptions ?? 0).toBe(0);
    const size = statSync(image).size;
    const allocated = Number(after['allocated-clusters'] ?? 0);
    expect(size).toBeLessThanOrEqual(allocated * 64 * KIB + metadataBytes(image));
    expect(size).toBeLessThan(grown);
    console.log(`killed write: ${grown} bytes after the kill (${String(before.leaks)} leaked clusters), ${size} after check --repair`);
    // And the image takes writes again where it left off.
    expect(qedisk(dir, ['write', 'killed.qed', '0'], pattern(3 * 64 * KIB, 17)).status).toBe(0);
    expect(qemuImg(dir, ['check', 'killed.qed']).status).toBe(0);
  });
});

describe('a large write crashed at every one of its file writes', () => {
  for (const backing of [false, true]) {
    it(`gives the leaked space back on the next read-write session (${backing ? 'over a raw backing file: first write' : 'no backing file: repair on open'})`, () => {
      const size = 16 * MIB;
      const resolveBacking = backing ? memoryResolver({ 'base.raw': new MemoryFile(pattern(size, 18)) }) : undefined;
      const template = new MemoryFile();
      QedImage.create(template, { size, clusterSize: 4 * KIB, tableSize: 2, ...(backing ? { backing: { name: 'base.raw', format: 'raw' as const } } : {}), resolveBacking }).close();
      const initial = template.snapshot();
      const big = pattern(6 * MIB + 5000, 19); // crosses an L2 table boundary (4 MiB): two extents, two tables
      const dryRun = new CrashFile(initial);
      const dry = QedImage.open(dryRun, { resolveBacking });
      dry.write(1000, big);
      const writes = dryRun.writes;
      dry.close();
      const before = QedImage.open(new MemoryFile(initial), { readOnly: true, resolveBacking }).read(0, size);
      for (let crashAt = 1; crashAt <= writes; crashAt++) {
        const file = new CrashFile(initial);
        file.crashAfter = crashAt;
        const running = QedImage.open(file, { resolveBacking });
        expect(() => running.write(1000, big)).toThrow(/SimulatedCrash|crash after write/);
        // Everything issued reached the disk (a killed process, not a power cut), the worst case for leaks.
        const bytes = file.materialise({ lands: () => true, keepSector: () => true });
        const reopened = new MemoryFile(bytes);
        const image = QedImage.open(reopened, { resolveBacking });
        image.write(size - 512, pattern(512, 20)); // a write that allocates: the session's first
        // The crash can only leave leaks at the end of the file (clusters are appended in order),
        // and they were given back before the new cluster was appended: none is left anywhere.
        expect(image.check(), `crash after write ${crashAt}`).toMatchObject({ corruptions: 0, leaks: 0 });
        const now = image.read(0, size);
        // Each byte of the big write reads as before it or as written (the crash decided which), never anything else.
        for (let at = 0; at < size; at += 4096) {
          const end = Math.min(size - 512, at + 4096);
          for (let i = at; i < end; i++) {
            const inside = i >= 1000 && i < 1000 + big.byteLength;
            if (now[i] !== before[i] && !(inside && now[i] === big[i - 1000])) throw new Error(`crash after write ${crashAt}: byte ${i} reads ${now[i]}`);
          }
        }
        image.close();
      }
      expect(writes).toBeGreaterThan(4);
    });
  }
});
