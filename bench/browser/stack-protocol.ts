/**
 * What the stack benchmark's Node side (`stack-bench.ts`) and its page (`stack-page/`) exchange
 * through `page.evaluate`: workloads, their results, and the worker memory figures. Types and
 * plain data only. Sizes in bytes, times in seconds unless named otherwise.
 */
/**
 * What serves a disk in the benchmark (devices of its own disk worker, `stack-page/stack-worker.ts`):
 * - `qed`: a QED disk in OPFS, opened with `openDisk` as users do (the product);
 * - `comlink`: the same, but each block request is a plain Comlink call (the path the block lane replaced);
 * - `raw`: a raw OPFS file of the disk's size behind the same worker API (the physical baseline);
 * - `memory`: a QED disk on a `MemoryFile` in the worker (no OPFS at all).
 */
export type BenchDevice = 'qed' | 'comlink' | 'raw' | 'memory';

/** The devices in the order the benchmark first measures them (later runs rotate it). */
export const BENCH_DEVICES: readonly BenchDevice[] = ['raw', 'qed', 'memory', 'comlink'];

/** One measured pattern of requests, sent page → Comlink → worker → device. */
export type Workload =
  /** `count` reads of `blockSize` bytes at random block-aligned offsets, `inFlight` outstanding at a time. */
  | { kind: 'random-read'; blockSize: number; count: number; inFlight: number; seed: number }
  /** Reads of `blockSize` bytes from offset 0 up to `bytes`, one at a time. */
  | { kind: 'sequential-read'; blockSize: number; bytes: number }
  /** Writes of `blockSize` bytes from offset 0 up to `bytes`, one at a time (each in its own buffer, transferred). */
  | { kind: 'sequential-write'; blockSize: number; bytes: number };

/** What a workload did and how long it took. */
export interface WorkloadResult {
  /** Requests completed. */
  ops: number;
  /** Bytes moved. */
  bytes: number;
  /** Wall time from the first request sent to the last answer, in seconds. */
  seconds: number;
}

/** Worker memory around random reads over a large sparse disk. */
export interface WorkerMemoryFigures {
  /** Virtual size of the disk in bytes. */
  virtualSize: number;
  /** L2 tables in the image (one 64 KiB write landed in each). */
  l2Tables: number;
  /** Length of the disk's OPFS file. */
  physicalSize: number;
  /** Time to open the disk (page → worker → OPFS handle, header, L1), in milliseconds. */
  openMs: number;
  /** 4 KiB random reads made over the whole range. */
  randomReads: number;
  /** Their rate, per second. */
  readsPerSecond: number;
  /** Bytes the engine's L2 cache held after the reads. */
  l2CacheBytes: number;
  /** The worker's memory (JS heap and ArrayBuffers) with no disk open, in bytes; null when not measurable. */
  workerBytesIdle: number | null;
  /** The worker's memory after the reads, the disk still open, in bytes; null when not measurable. */
  workerBytesAfterReads: number | null;
}
