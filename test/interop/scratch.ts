/** Scratch directories and byte helpers shared by the interop tests. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QedImage, nodeBackingResolver, NodeFile } from '../../src/node.ts';

/** A temporary directory for one test file; `remove()` deletes it with its contents. */
export interface Scratch {
  /** Absolute path of the directory. */
  readonly dir: string;
  /** Absolute path of `name` inside the directory. */
  path(name: string): string;
  /** Deletes the directory. */
  remove(): void;
}

/** Creates a scratch directory under the system temp directory. */
export function makeScratch(prefix: string): Scratch {
  const dir = mkdtempSync(join(tmpdir(), `qedisk-interop-${prefix}-`));
  return {
    dir,
    path: (name) => join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The whole file at `path` as bytes. */
export function fileBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** Opens the QED image at `path` with qedisk, resolving backing names next to it. */
export function openQed(path: string, readOnly: boolean): QedImage {
  return QedImage.open(NodeFile.open(path, readOnly ? 'read' : 'readwrite'), { readOnly, resolveBacking: nodeBackingResolver(path) });
}

/**
 * Describes the first difference between `actual` and `expected` (length, then the first byte
 * that differs, with its guest offset `base + i`), or returns null when they are equal.
 */
export function firstDifference(actual: Uint8Array, expected: Uint8Array, base = 0): string | null {
  if (actual.byteLength !== expected.byteLength) return `length ${actual.byteLength}, expected ${expected.byteLength}`;
  if (Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected)) return null;
  let i = 0;
  while (actual[i] === expected[i]) i++;
  const hex = (value: number | undefined): string => `0x${(value ?? 0).toString(16).padStart(2, '0')}`;
  return `byte at offset ${base + i} is ${hex(actual[i])}, expected ${hex(expected[i])}`;
}

/** A human-readable byte size for test names (4K, 2M, 3M+512, 1000). */
export function sizeLabel(bytes: number): string {
  const units: Array<[number, string]> = [
    [1024 * 1024, 'M'],
    [1024, 'K'],
  ];
  for (const [unit, suffix] of units) {
    if (bytes >= unit) {
      const whole = Math.floor(bytes / unit);
      const rest = bytes - whole * unit;
      return `${whole}${suffix}${rest === 0 ? '' : `+${rest}`}`;
    }
  }
  return String(bytes);
}
