/**
 * The `SyncFile` contract: one list of cases that every storage backend must pass. Framework
 * free (each case throws on failure), so Vitest runs it against the Node backends and a browser
 * worker runs it against OPFS. The read cases are also a contract of their own
 * (`syncFileReadContract`) over a file that already holds `READ_CONTRACT_CONTENT`, for read-only
 * backends such as the HTTP range cache; writable backends run them after writing that content.
 */
import type { SyncFile } from '../../src/engine/sync-file.ts';

/** Makes a fresh, empty file for one case. */
export type FileFactory = () => SyncFile | Promise<SyncFile>;

/** One named contract case. */
export interface ContractCase {
  /** Sentence describing the behaviour. */
  name: string;
  /** Runs the case on a fresh file; throws on failure. */
  run(file: SyncFile): void;
}

/** Throws with `message` unless `condition`. */
function expect(condition: boolean, message: string): void {
  if (!condition) throw new Error(`contract violated: ${message}`);
}

/** Returns `length` bytes of a pattern seeded by `seed`. */
function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return bytes;
}

/** True when both arrays hold the same bytes. */
function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The bytes a file holds when a read case checks it (not a multiple of any chunk or sector size). */
export const READ_CONTRACT_CONTENT: Uint8Array = pattern(70_001, 11);

/** One named read case, checking a file that holds exactly `READ_CONTRACT_CONTENT`. */
export interface ReadContractCase {
  /** Sentence describing the behaviour. */
  name: string;
  /** Checks the file; throws on failure. */
  check(file: SyncFile): void;
}

/** The cases a read-only backend must pass. */
export const syncFileReadContract: readonly ReadContractCase[] = [
  {
    name: 'reports the length of what it holds',
    check(file) {
      expect(file.getSize() === READ_CONTRACT_CONTENT.byteLength, `size ${file.getSize()} is not ${READ_CONTRACT_CONTENT.byteLength}`);
    },
  },
  {
    name: 'reads what it holds at any offset and length',
    check(file) {
      for (const [at, length] of [[0, 1], [1, 4096], [4095, 8193], [65_000, 5001], [0, READ_CONTRACT_CONTENT.byteLength]] as const) {
        const back = new Uint8Array(length);
        expect(file.read(back, { at }) === length, `read of ${length} bytes at ${at} did not report the full length`);
        expect(same(back, READ_CONTRACT_CONTENT.subarray(at, at + length)), `bytes read at ${at} differ`);
      }
    },
  },
  {
    name: 'returns a short count reading across the end and 0 at or past it, leaving the rest of the buffer alone',
    check(file) {
      const size = READ_CONTRACT_CONTENT.byteLength;
      const buffer = new Uint8Array(64).fill(0xee);
      expect(file.read(buffer, { at: size - 20 }) === 20, 'a read across the end did not return the bytes left');
      expect(same(buffer.subarray(0, 20), READ_CONTRACT_CONTENT.subarray(size - 20)), 'the bytes before the end differ');
      expect(buffer.subarray(20).every((byte) => byte === 0xee), 'a short read wrote past the bytes it returned');
      expect(file.read(buffer, { at: size }) === 0, 'a read at the end returned bytes');
      expect(file.read(buffer, { at: size + 12_345 }) === 0, 'a read past the end returned bytes');
    },
  },
  {
    name: 'reads into subarrays of larger buffers without touching the rest',
    check(file) {
      const target = new Uint8Array(1000).fill(0xaa);
      expect(file.read(target.subarray(500, 700), { at: 100 }) === 200, 'a read into a subarray did not report its length');
      expect(same(target.subarray(500, 700), READ_CONTRACT_CONTENT.subarray(100, 300)), 'bytes read into a subarray differ');
      expect(target[499] === 0xaa && target[700] === 0xaa, 'a read into a subarray touched bytes around it');
    },
  },
];

/** The read cases as cases of a writable backend: write the content, then check. */
const readCasesOnWrittenFile: readonly ContractCase[] = syncFileReadContract.map((readCase) => ({
  name: readCase.name,
  run(file: SyncFile): void {
    expect(file.write(READ_CONTRACT_CONTENT, { at: 0 }) === READ_CONTRACT_CONTENT.byteLength, 'writing the read cases\' content fell short');
    readCase.check(file);
  },
}));

/** Every case of the contract, for writable backends (each read case writes `READ_CONTRACT_CONTENT` first). */
export const syncFileContract: readonly ContractCase[] = [
  {
    name: 'starts empty',
    run(file) {
      expect(file.getSize() === 0, `size ${file.getSize()} of a new file is not 0`);
      expect(file.read(new Uint8Array(16), { at: 0 }) === 0, 'reading an empty file returned bytes');
    },
  },
  {
    name: 'reads back what it wrote at any offset',
    run(file) {
      const data = pattern(10_000, 1);
      expect(file.write(data, { at: 123 }) === data.byteLength, 'write did not report the full length');
      const back = new Uint8Array(data.byteLength);
      expect(file.read(back, { at: 123 }) === data.byteLength, 'read did not report the full length');
      expect(same(back, data), 'bytes read differ from bytes written');
    },
  },
  {
    name: 'grows to the end of the furthest write and zero-fills the gap',
    run(file) {
      file.write(pattern(10, 2), { at: 0 });
      file.write(pattern(10, 3), { at: 70_000 });
      expect(file.getSize() === 70_010, `size is ${file.getSize()}, expected 70010`);
      const gap = new Uint8Array(70_000 - 10);
      file.read(gap, { at: 10 });
      expect(gap.every((b) => b === 0), 'the gap between writes is not zero');
    },
  },
  {
    name: 'returns a short count when reading across the end',
    run(file) {
      file.write(pattern(100, 4), { at: 0 });
      const buffer = new Uint8Array(64).fill(0xee);
      expect(file.read(buffer, { at: 80 }) === 20, 'read across the end did not return 20');
      expect(same(buffer.subarray(0, 20), pattern(100, 4).subarray(80)), 'bytes before the end are wrong');
      expect(file.read(buffer, { at: 1000 }) === 0, 'read past the end returned bytes');
    },
  },
  {
    name: 'overwrites in place without changing the size',
    run(file) {
      file.write(pattern(4096, 5), { at: 0 });
      file.write(pattern(512, 6), { at: 1024 });
      expect(file.getSize() === 4096, 'overwrite changed the size');
      const back = new Uint8Array(4096);
      file.read(back, { at: 0 });
      const expected = pattern(4096, 5);
      expected.set(pattern(512, 6), 1024);
      expect(same(back, expected), 'overwrite did not land exactly');
    },
  },
  {
    name: 'truncates down and zero-extends up',
    run(file) {
      file.write(pattern(8192, 7), { at: 0 });
      file.truncate(1000);
      expect(file.getSize() === 1000, 'truncate down did not set the size');
      file.truncate(5000);
      expect(file.getSize() === 5000, 'truncate up did not set the size');
      const back = new Uint8Array(5000);
      file.read(back, { at: 0 });
      expect(same(back.subarray(0, 1000), pattern(8192, 7).subarray(0, 1000)), 'truncate lost the kept bytes');
      expect(back.subarray(1000).every((b) => b === 0), 'truncate up did not zero-fill');
    },
  },
  {
    name: 'writes from and reads into subarrays of larger buffers',
    run(file) {
      const big = pattern(4096, 8);
      file.write(big.subarray(100, 300), { at: 0 });
      const target = new Uint8Array(1000).fill(0xaa);
      file.read(target.subarray(500, 700), { at: 0 });
      expect(same(target.subarray(500, 700), big.subarray(100, 300)), 'subarray round trip failed');
      expect(target[499] === 0xaa && target[700] === 0xaa, 'read wrote outside its subarray');
    },
  },
  {
    name: 'flushes without changing anything',
    run(file) {
      file.write(pattern(300, 9), { at: 0 });
      file.flush();
      const back = new Uint8Array(300);
      file.read(back, { at: 0 });
      expect(file.getSize() === 300 && same(back, pattern(300, 9)), 'flush changed the file');
    },
  },
  {
    name: 'handles a multi-megabyte write at a large offset',
    run(file) {
      const data = pattern(3 * 1024 * 1024, 10);
      const at = 5 * 1024 * 1024 * 1024; // 5 GiB: beyond 32-bit offsets, sparse where supported
      file.write(data, { at });
      expect(file.getSize() === at + data.byteLength, 'size after a write past 4 GiB is wrong');
      const back = new Uint8Array(data.byteLength);
      file.read(back, { at });
      expect(same(back, data), 'bytes past 4 GiB differ');
    },
  },
  ...readCasesOnWrittenFile,
];

/** Cases that need sparse storage (skipped for in-memory backends). */
export const SPARSE_ONLY_CASES = new Set(['handles a multi-megabyte write at a large offset']);
