/**
 * Fixtures of the format tests, built at test time in a temporary directory: a patterned raw
 * disk (random, compressible, sparse and zero regions), images made from it by `qemu-img`, and
 * reading helpers. QEMU is the oracle: `qemu-img convert -O raw` gives the expected bytes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeFile } from '../../src/backends/node-file.ts';
import { nodeBackingResolver } from '../../src/node.ts';
import { type ImageFormat, type ImageReader, openImageReader } from '../../src/formats/index.ts';
import { mulberry32 } from '../support/mulberry32.ts';

/** 1 MiB. */
export const MiB = 1024 * 1024;

/** A scratch directory removed by `dispose`. */
export interface Scratch {
  readonly dir: string;
  /** The path of `name` inside the directory. */
  at(name: string): string;
  dispose(): void;
}

/** Creates a scratch directory under the system temp directory. */
export function scratch(prefix: string): Scratch {
  const dir = mkdtempSync(join(tmpdir(), `qedisk-${prefix}-`));
  return { dir, at: (name) => join(dir, name), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs a command and returns stdout; throws with stderr when the exit code is not allowed. */
export function run(command: string, args: readonly string[], allowed: readonly number[] = [0]): string {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 * MiB });
  if (result.error) throw result.error;
  if (!allowed.includes(result.status ?? -1)) throw new Error(`${command} ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** Runs `qemu-img` with `args`. */
export function qemuImg(...args: string[]): string {
  return run('qemu-img', args);
}

/**
 * Creates a 1 MiB LUKS-encrypted qcow2 at `path` with `qemu-img`. QEMU times PBKDF2 on the
 * thread's CPU clock to pick an iteration count and gives up with "Unable to get accurate CPU
 * usage" when a first round measures 0 ms, which a coarse (tick-based) CPU clock does now and then;
 * such a refusal is retried, any other failure is thrown at once.
 */
export function qemuLuksQcow2(path: string, secret = 'x'): void {
  const args = ['create', '-q', '-f', 'qcow2', '--object', `secret,id=s0,data=${secret}`, '-o', 'encrypt.format=luks,encrypt.key-secret=s0,encrypt.iter-time=10', path, '1M'];
  for (let attempt = 1; ; attempt++) {
    try {
      run('qemu-img', args);
      return;
    } catch (error) {
      if (attempt >= 20 || !String(error).includes('Unable to get accurate CPU usage')) throw error;
    }
  }
}

/** Runs `qemu-io` with one `-c` per command on `path` of format `format`. */
export function qemuIo(path: string, format: string, commands: readonly string[]): void {
  run('qemu-io', ['-f', format, ...commands.flatMap((command) => ['-c', command]), path]);
}

/**
 * A disk of `size` bytes made of 64 KiB regions cycling through random bytes, zeros, a
 * compressible text pattern, zeros, and sparse single bytes; seeded, so every run builds the
 * same bytes.
 */
export function patternedDisk(size: number, seed: number): Uint8Array {
  const disk = new Uint8Array(size);
  const next = mulberry32(seed);
  const region = 64 * 1024;
  for (let start = 0, index = 0; start < size; start += region, index++) {
    const end = Math.min(size, start + region);
    switch (index % 5) {
      case 0:
        for (let i = start; i < end; i += 4) {
          const value = next();
          for (let k = 0; k < 4 && i + k < end; k++) disk[i + k] = (value >>> (8 * k)) & 0xff;
        }
        break;
      case 2:
        for (let i = start; i < end; i++) disk[i] = 0x41 + ((i >> 3) % 26);
        break;
      case 4:
        for (let i = start; i < end; i += 4096) disk[i + (next() % 4096)] = 1 + (next() % 255);
        break;
      default:
        break;
    }
  }
  return disk;
}

/** Writes `bytes` to `path` as a raw image. */
export function writeRaw(path: string, bytes: Uint8Array): void {
  writeFileSync(path, bytes);
}

/** What QEMU reads from `path` as format `format`, converted to raw. */
export function qemuRaw(path: string, format: string, work: Scratch): Buffer {
  const out = work.at(`reference-${Math.random().toString(36).slice(2)}.raw`);
  qemuImg('convert', '-f', format, '-O', 'raw', path, out);
  const bytes = readFileSync(out);
  rmSync(out);
  return bytes;
}

/** Opens `path` with qedisk's readers (format probed unless given), backing files next to it. */
export function openReader(path: string, format: ImageFormat | 'probe' = 'probe'): ImageReader {
  const file = NodeFile.open(path, 'read');
  try {
    return openImageReader(file, format, nodeBackingResolver(path));
  } catch (error) {
    file.close();
    throw error;
  }
}

/** Reads the whole virtual disk of `reader` in pieces of `pieceBytes`. */
export function readAll(reader: ImageReader, pieceBytes = 3 * 65536 + 512): Buffer {
  const out = Buffer.alloc(reader.size);
  for (let offset = 0; offset < reader.size; offset += pieceBytes) {
    reader.readInto(offset, out.subarray(offset, Math.min(reader.size, offset + pieceBytes)));
  }
  return out;
}

/** Describes where two buffers first differ, for assertion messages. */
export function firstDifference(a: Uint8Array, b: Uint8Array): string {
  if (a.byteLength !== b.byteLength) return `sizes ${a.byteLength} and ${b.byteLength}`;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return `first difference at byte ${i}`;
  return 'identical';
}
