import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import type { BackingResolver } from '../../src/engine/types.ts';
import { CrashFile, type CrashOutcome, SimulatedCrash } from '../support/crash-file.ts';
import { memoryResolver, pattern } from '../support/images.ts';
import { seededFloats } from '../support/mulberry32.ts';
import { CrashOracle, applyOp, makeWorkload } from './workload.ts';

const KIB = 1024;
const MIB = 1024 * KIB;
const directory = mkdtempSync(join(tmpdir(), 'qedisk-crash-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Crash outcomes tried at every crash point: all land, none land, and seeded random subsets with torn writes. */
function outcomes(seed: number): Array<{ name: string; outcome: CrashOutcome }> {
  const list: Array<{ name: string; outcome: CrashOutcome }> = [
    { name: 'all writes land', outcome: { lands: () => true, keepSector: () => true } },
    { name: 'no unflushed write lands', outcome: { lands: () => false, keepSector: () => true } },
    { name: 'only the last write is lost', outcome: { lands: (i: number, n: number) => i < n - 1, keepSector: () => true } },
  ];
  for (let variant = 0; variant < 3; variant++) {
    const random = seededFloats(seed * 31 + variant);
    const landing = new Map<number, boolean>();
    const sectors = new Map<string, boolean>();
    list.push({
      name: `random subset ${variant} with torn writes`,
      outcome: {
        lands: (i) => landing.get(i) ?? (landing.set(i, random() < 0.5), landing.get(i)!),
        keepSector: (w, s) => sectors.get(`${w}:${s}`) ?? (sectors.set(`${w}:${s}`, random() < 0.7), sectors.get(`${w}:${s}`)!),
      },
    });
  }
  return list;
}

interface SweepResult {
  crashPoints: number;
  images: number;
  qemuChecked: number;
}

/**
 * Crashes the workload at every write, in every outcome, and judges each reopened image. With
 * `groupCommitLimit` above 1 (over a backing file), allocating writes share group commits, and
 * the host commits after every second write, as the worker does after each batch of requests.
 * Besides the crash rule (each byte reads as of the last flush, or as written since), the
 * "all writes land" outcome (a killed process, the machine alive) must keep every write that
 * completed, and was committed, before the kill.
 */
function sweep(seed: number, backing: boolean, qemuSample: number, groupCommitLimit = 1): SweepResult {
  // Two L2 tables of 4 KiB x 2 clusters (4 MiB each): the disk crosses a table boundary.
  const size = 4 * MIB + 64 * KIB + 512;
  const clusterSize = 4 * KIB;
  const files: Record<string, MemoryFile> = {};
  let resolver: BackingResolver | undefined;
  let baseBytes: Uint8Array = new Uint8Array(size);
  if (backing) {
    baseBytes = pattern(2 * MIB, seed);
    files['base.raw'] = new MemoryFile(baseBytes);
    resolver = memoryResolver(files);
  }
  const template = new MemoryFile();
  QedImage.create(template, { size, clusterSize, tableSize: 2, backing: backing ? { name: 'base.raw', format: 'raw' } : undefined, resolveBacking: resolver }).close();
  const initial = template.snapshot();
  const visible = new Uint8Array(size);
  visible.set(baseBytes.subarray(0, Math.min(size, baseBytes.byteLength)));
  const workload = makeWorkload(seed, 20, size, clusterSize);

  const openOptions = { resolveBacking: resolver, groupCommitLimit };
  /** Applies op `index`, then commits as the host would; returns true when every completed op is committed. */
  const runOp = (target: QedImage, index: number): boolean => {
    const op = workload[index]!;
    applyOp(target, op);
    if (groupCommitLimit === 1 || op.kind === 'flush' || op.kind === 'idle') return true;
    if (index % 2 === 0) return false;
    target.commitPending();
    return true;
  };

  const dryRun = new CrashFile(initial);
  const image = QedImage.open(dryRun, openOptions);
  const model = new CrashOracle(visible);
  workload.forEach((op, index) => {
    model.issue(op);
    runOp(image, index);
    model.flushed();
    // What the guest reads while table updates may wait is what it wrote.
    expect(Buffer.compare(image.read(0, size), model.current) === 0, `seed ${seed}: reads after op ${index}`).toBe(true);
  });
  const totalWrites = dryRun.writes;

  const result: SweepResult = { crashPoints: 0, images: 0, qemuChecked: 0 };
  const random = seededFloats(seed + 7);
  for (let crashAt = 1; crashAt <= totalWrites; crashAt++) {
    const file = new CrashFile(initial);
    file.crashAfter = crashAt;
    const oracle = new CrashOracle(visible);
    /** The rule of a killed process: what completed and was committed is there. */
    const killOracle = new CrashOracle(visible);
    const running = QedImage.open(file, openOptions);
    try {
      for (const [index, op] of workload.entries()) {
        oracle.issue(op);
        killOracle.issue(op);
        const committed = runOp(running, index);
        if (op.kind === 'flush' || op.kind === 'idle') oracle.flushed();
        if (committed) killOracle.flushed();
      }
      throw new Error(`crash point ${crashAt} was never reached`);
    } catch (error) {
      if (!(error instanceof SimulatedCrash) && !(error instanceof Error && error.name === 'QedIoError' && String(error.message).includes('SimulatedCrash'))) throw error;
    }
    result.crashPoints++;
    for (const { name, outcome } of outcomes(seed * 1000 + crashAt)) {
      const bytes = file.materialise(outcome);
      const context = `seed ${seed}, crash after write ${crashAt}/${totalWrites}, ${name}`;
      const reopened = QedImage.open(new MemoryFile(bytes), { resolveBacking: resolver });
      const report = reopened.check();
      if (report.corruptions !== 0) throw new Error(`${context}: ${report.corruptions} corruptions after reopening`);
      try {
        const read = reopened.read(0, size);
        oracle.verify(read);
        if (name === 'all writes land') killOracle.verify(read);
      } catch (error) {
        throw new Error(`${context}: ${(error as Error).message}`);
      }
      result.images++;
      reopened.close();
      if (random() < qemuSample / totalWrites) {
        // The image as qedisk leaves it after the repairing open and a close, judged by QEMU.
        const repairedPath = join(directory, `seed${seed}-crash${crashAt}.qed`);
        writeFileSync(repairedPath, reopenedBytes(bytes, resolver));
        if (backing) writeFileSync(join(directory, 'base.raw'), baseBytes);
        const status = qemuCheck(repairedPath);
        if (status !== 0 && status !== 3) throw new Error(`${context}: qemu-img check exited ${status} (corruption)`);
        result.qemuChecked++;
      }
    }
  }
  return result;
}

/** The bytes of `bytes` after a read-write open and close by qedisk (repair included). */
function reopenedBytes(bytes: Uint8Array, resolver: BackingResolver | undefined): Uint8Array {
  const file = new MemoryFile(bytes);
  QedImage.open(file, { resolveBacking: resolver }).close();
  return file.snapshot();
}

/** `qemu-img check` exit status for `path`. */
function qemuCheck(path: string): number {
  try {
    execFileSync('qemu-img', ['check', '-f', 'qed', path], { stdio: 'pipe' });
    return 0;
  } catch (error) {
    return (error as { status: number }).status;
  }
}

describe('crash sweeps', () => {
  const totals = { crashPoints: 0, images: 0, qemuChecked: 0 };
  afterAll(() => {
    console.log(`crash sweeps: ${totals.crashPoints} crash points, ${totals.images} crashed images reopened and verified, ${totals.qemuChecked} checked by qemu-img`);
  });
  for (const seed of [1, 2, 3, 4]) {
    for (const backing of [false, true]) {
      it(`recovers from a crash at every write (seed ${seed}, ${backing ? 'raw backing file' : 'no backing file'})`, () => {
        const result = sweep(seed, backing, 3);
        expect(result.crashPoints).toBeGreaterThan(10);
        totals.crashPoints += result.crashPoints;
        totals.images += result.images;
        totals.qemuChecked += result.qemuChecked;
      });
    }
    it(`recovers from a crash at every write with group commits (seed ${seed}, raw backing file)`, () => {
      const result = sweep(seed, true, 3, 3);
      expect(result.crashPoints).toBeGreaterThan(10);
      totals.crashPoints += result.crashPoints;
      totals.images += result.images;
      totals.qemuChecked += result.qemuChecked;
    });
  }
});
