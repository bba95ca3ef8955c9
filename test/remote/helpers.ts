/** Small shared helpers of the remote-backing tests: seeded bytes, temp dirs, a served base. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { CachedRemoteFile } from '../../src/backends/remote/cached-remote-file.ts';
import { seededFloats } from '../support/mulberry32.ts';
import { RangeServer } from './range-server.ts';

/** A deterministic PRNG (mulberry32) returning floats in [0, 1). */
export const prng = seededFloats;

/** `length` pseudo-random bytes from `seed`. */
export function randomBytes(length: number, seed: number): Uint8Array {
  const next = prng(seed);
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(next() * 256);
  return bytes;
}

/** A random integer in [low, high). */
export function randomInt(next: () => number, low: number, high: number): number {
  return low + Math.floor(next() * (high - low));
}

/** A fresh temporary directory and its remover. */
export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A base file written to `dir` and served over HTTP. */
export async function serveBase(dir: string, bytes: Uint8Array, name = 'base.img'): Promise<RangeServer> {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return RangeServer.start(path);
}

/** A cache of `bytes` (pretending to come from `url`) in memory, with nothing cached yet. */
export function memoryCache(bytes: Uint8Array, chunkSize = 4096, url = 'http://127.0.0.1:9/base.img'): { remote: CachedRemoteFile; cache: MemoryFile; map: MemoryFile } {
  const cache = new MemoryFile();
  const map = new MemoryFile();
  const remote = CachedRemoteFile.create(cache, map, { url, size: bytes.byteLength, etag: '"e1"', lastModified: null }, chunkSize);
  return { remote, cache, map };
}

/** Fills every chunk of `remote` from `bytes` (the remote file's whole contents). */
export function fillAll(remote: CachedRemoteFile, bytes: Uint8Array): void {
  remote.fill(0, bytes);
}

/** Index of the first byte where `a` and `b` differ, or -1 when they are equal (lengths included). */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.byteLength, b.byteLength);
  if (a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))) return -1;
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return length;
}

/** Asserts that `actual` holds exactly the bytes of `expected` (fast for megabytes, unlike `toEqual`). */
export function expectBytes(actual: Uint8Array, expected: Uint8Array, what = 'bytes'): void {
  expect(actual.byteLength, `${what}: length`).toBe(expected.byteLength);
  expect(firstDifference(actual, expected), `${what}: first differing byte`).toBe(-1);
}
