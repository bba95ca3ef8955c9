/**
 * The lines of the stack benchmark: which workloads it runs, and how their per-device medians
 * become `BenchLine`s (qedisk on OPFS against the raw OPFS baseline, and against QED in memory).
 */
import type { BenchLine } from '../measure.ts';
import type { BenchDevice, Workload, WorkloadResult } from './stack-protocol.ts';

const KIB = 1024;
const MIB = 1024 * 1024;

/** One line of the table: a workload and the goal of its ratio against raw OPFS. */
export interface StackLineSpec {
  /** Name of the line. */
  name: string;
  /** `IOPS` (requests per second) or `MiB/s`. */
  unit: 'IOPS' | 'MiB/s';
  /** Goal for qedisk on OPFS / raw OPFS. */
  goal: number;
  /** True when each run needs a fresh, empty disk (allocating writes). */
  fresh: boolean;
  /** The requests. */
  workload: Workload;
}

/** The workloads for a disk of `diskSize` bytes; `scale` (0 < scale <= 1) shortens the random reads. */
export function stackLineSpecs(diskSize: number, scale: number): StackLineSpec[] {
  const count = (n: number): number => Math.max(100, Math.round(n * scale));
  return [
    { name: 'stack: 4 KiB random reads, 1 in flight', unit: 'IOPS', goal: 0.9, fresh: false, workload: { kind: 'random-read', blockSize: 4 * KIB, count: count(4000), inFlight: 1, seed: 1 } },
    { name: 'stack: 4 KiB random reads, 16 in flight', unit: 'IOPS', goal: 0.9, fresh: false, workload: { kind: 'random-read', blockSize: 4 * KIB, count: count(16000), inFlight: 16, seed: 2 } },
    { name: 'stack: 64 KiB sequential reads', unit: 'MiB/s', goal: 0.9, fresh: false, workload: { kind: 'sequential-read', blockSize: 64 * KIB, bytes: diskSize } },
    { name: 'stack: 64 KiB sequential overwrites', unit: 'MiB/s', goal: 0.9, fresh: false, workload: { kind: 'sequential-write', blockSize: 64 * KIB, bytes: diskSize } },
    { name: 'stack: 64 KiB allocating writes', unit: 'MiB/s', goal: 0.8, fresh: true, workload: { kind: 'sequential-write', blockSize: 64 * KIB, bytes: diskSize } },
  ];
}

/** The figure of `result` in `unit` (higher is better). */
export function figureOf(result: WorkloadResult, unit: StackLineSpec['unit']): number {
  return unit === 'IOPS' ? result.ops / result.seconds : result.bytes / MIB / result.seconds;
}

/** Median figure of each device for one line. */
export type DeviceFigures = Record<BenchDevice, number>;

/** The line of `spec`: qedisk on OPFS against raw OPFS (the physical baseline). */
export function lineAgainstRaw(spec: StackLineSpec, figures: DeviceFigures): BenchLine {
  return { name: spec.name, unit: spec.unit, qedisk: figures.qed, baseline: figures.raw, baselineName: 'raw OPFS file, same worker API', ratio: figures.qed / figures.raw, goal: spec.goal };
}

/** For information: qedisk on OPFS against QED in the worker's memory (what OPFS itself costs). Goal 0: no goal. */
export function lineAgainstMemory(spec: StackLineSpec, figures: DeviceFigures): BenchLine {
  return { name: spec.name, unit: spec.unit, qedisk: figures.qed, baseline: figures.memory, baselineName: 'QED on MemoryFile in the worker', ratio: figures.qed / figures.memory, goal: 0 };
}

/** The block lane (the product's path) against plain Comlink calls, both serving a QED disk in OPFS. */
export function lineAgainstComlink(spec: StackLineSpec, figures: DeviceFigures): BenchLine {
  return { name: `${spec.name} (lane vs Comlink)`, unit: spec.unit, qedisk: figures.qed, baseline: figures.comlink, baselineName: 'plain Comlink calls, same QED disk', ratio: figures.qed / figures.comlink, goal: 1 };
}
