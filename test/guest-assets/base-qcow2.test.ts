/**
 * The demo's compressed qcow2 bases (`scripts/base-qcow2.ts`): made from an ext2 image by mke2fs
 * in a scratch guest folder, checked by qemu-img (a valid qcow2 holding the same disk, its data
 * clusters compressed), rebuilt only when the ext2 image changes, and skipped without one.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUSYBOX_QCOW2_BASE, PYTHON_QCOW2_BASE, ensureBaseQcow2 } from '../../scripts/base-qcow2.ts';

let guestDir: string;

beforeEach(() => {
  guestDir = mkdtempSync(join(tmpdir(), 'qedisk-base-qcow2-'));
});
afterEach(() => rmSync(guestDir, { recursive: true, force: true }));

/** Writes a 4 MiB ext2 image holding `text` in /hello.txt at `path`. */
function makeExt2(path: string, text: string): void {
  const content = join(guestDir, 'content');
  rmSync(content, { recursive: true, force: true });
  execFileSync('mkdir', ['-p', content]);
  writeFileSync(join(content, 'hello.txt'), text.repeat(2000));
  execFileSync('mke2fs', ['-q', '-F', '-t', 'ext2', '-E', 'root_owner=0:0', '-d', content, path, '4M'], { stdio: 'ignore' });
}

describe('ensureBaseQcow2', () => {
  it('makes the Python base a compressed qcow2 image holding the same disk, once', () => {
    const ext2 = join(guestDir, PYTHON_QCOW2_BASE.ext2);
    const qcow2 = join(guestDir, PYTHON_QCOW2_BASE.qcow2);
    makeExt2(ext2, 'python base ');
    expect(ensureBaseQcow2({ guestDir, base: PYTHON_QCOW2_BASE })).toBe('written');
    const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', qcow2], { encoding: 'utf8' })) as { format: string; 'virtual-size': number };
    expect(info.format).toBe('qcow2');
    expect(info['virtual-size']).toBe(statSync(ext2).size);
    expect(execFileSync('qemu-img', ['check', qcow2], { encoding: 'utf8' })).toMatch(/100(\.00)?% compressed clusters/);
    execFileSync('qemu-img', ['compare', '-f', 'raw', '-F', 'qcow2', ext2, qcow2]);
    expect(statSync(qcow2).size).toBeLessThan(statSync(ext2).size / 4);
    expect(readFileSync(join(guestDir, PYTHON_QCOW2_BASE.stamp), 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);

    expect(ensureBaseQcow2({ guestDir, base: PYTHON_QCOW2_BASE })).toBe('up to date');
    makeExt2(ext2, 'changed base ');
    expect(ensureBaseQcow2({ guestDir, base: PYTHON_QCOW2_BASE })).toBe('written');
    execFileSync('qemu-img', ['compare', '-f', 'raw', '-F', 'qcow2', ext2, qcow2]);
  });

  it('does nothing without the ext2 image, and keeps the bases apart', () => {
    expect(ensureBaseQcow2({ guestDir, base: PYTHON_QCOW2_BASE })).toBe('no ext2 base');
    makeExt2(join(guestDir, BUSYBOX_QCOW2_BASE.ext2), 'busybox base ');
    expect(ensureBaseQcow2({ guestDir })).toBe('written');
    expect(ensureBaseQcow2({ guestDir, base: PYTHON_QCOW2_BASE })).toBe('no ext2 base');
    expect(() => statSync(join(guestDir, PYTHON_QCOW2_BASE.qcow2))).toThrow();
  });
});
