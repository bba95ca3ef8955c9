import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QEDISK_BIN } from '../cli/cli-harness.ts';
import { MiB, patternedDisk, qemuImg, qemuIo, qemuLuksQcow2, run, scratch, writeRaw } from './fixtures.ts';

const work = scratch('formats-cli');

/** Runs `qedisk args...` in the scratch directory. */
function qedisk(...args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(QEDISK_BIN, args, { cwd: work.dir, encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

beforeAll(() => {
  writeRaw(work.at('disk.raw'), patternedDisk(2 * MiB + 512, 61));
  qemuImg('convert', '-f', 'raw', '-O', 'qcow2', '-c', '-o', 'compression_type=zstd', work.at('disk.raw'), work.at('zstd.qcow2'));
  qemuImg('create', '-q', '-f', 'qcow2', '-b', 'zstd.qcow2', '-F', 'qcow2', work.at('top.qcow2'));
  qemuIo(work.at('top.qcow2'), 'qcow2', ['write -P 0x21 1M 100k', 'write -z 0 64k']);
});
afterAll(() => work.dispose());

describe('qedisk convert with foreign formats', () => {
  it('converts a qcow2 chain over a zstd-compressed base to raw byte-identical to qemu-img', () => {
    expect(qedisk('convert', '-O', 'raw', 'top.qcow2', 'ours.raw')).toEqual({ status: 0, stderr: '' });
    qemuImg('convert', '-O', 'raw', work.at('top.qcow2'), work.at('theirs.raw'));
    expect(Buffer.compare(readFileSync(work.at('ours.raw')), readFileSync(work.at('theirs.raw')))).toBe(0);
  });

  it('writes compressed qcow2 from a VMDK that qemu-img check finds clean and compare finds equal', () => {
    qemuImg('convert', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=streamOptimized', work.at('disk.raw'), work.at('disk.vmdk'));
    expect(qedisk('convert', '-O', 'qcow2', '-c', '--cluster-size', '16K', 'disk.vmdk', 'out.qcow2')).toEqual({ status: 0, stderr: '' });
    expect(run('qemu-img', ['check', work.at('out.qcow2')])).toMatch(/No errors were found/);
    expect(run('qemu-img', ['check', work.at('out.qcow2')])).toMatch(/[1-9][0-9.]*% compressed clusters/);
    expect(run('qemu-img', ['compare', '-f', 'raw', '-F', 'qcow2', work.at('disk.raw'), work.at('out.qcow2')])).toMatch(/Images are identical/);
  });

  it('reads a fixed VHD when told -f vpc, and as VHD when probed, into QED', () => {
    qemuImg('convert', '-f', 'raw', '-O', 'vpc', '-o', 'subformat=fixed,force_size=on', work.at('disk.raw'), work.at('fixed.vhd'));
    expect(qedisk('convert', '-f', 'vpc', 'fixed.vhd', 'forced.qed')).toEqual({ status: 0, stderr: '' });
    expect(qedisk('convert', 'fixed.vhd', 'probed.qed')).toEqual({ status: 0, stderr: '' });
    for (const name of ['forced.qed', 'probed.qed']) expect(run('qemu-img', ['compare', '-F', 'raw', work.at(name), work.at('disk.raw')])).toMatch(/Images are identical/);
    expect(qedisk('convert', '-f', 'raw', '-O', 'raw', 'fixed.vhd', 'as-raw.raw')).toEqual({ status: 0, stderr: '' });
    expect(readFileSync(work.at('as-raw.raw')).byteLength).toBe(readFileSync(work.at('fixed.vhd')).byteLength);
  });

  it('refuses an encrypted qcow2 with a one-line typed error and leaves nothing behind', () => {
    qemuLuksQcow2(work.at('secret.qcow2'), 'hunter2');
    const result = qedisk('convert', '-O', 'raw', 'secret.qcow2', 'never.raw');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^qedisk: .*secret\.qcow2: the qcow2 image is encrypted \(LUKS\).*\n$/);
    expect(readdirSync(work.dir).filter((name) => name.startsWith('never') || name.includes('.tmp'))).toEqual([]);
  });

  it('refuses -c without qcow2 output and unknown input formats', () => {
    expect(qedisk('convert', '-O', 'raw', '-c', 'disk.raw', 'x.raw').stderr).toMatch(/-c \(compression\) applies to qcow2 output only/);
    expect(qedisk('convert', '-f', 'qcow', 'disk.raw', 'x.qed').stderr).toMatch(/invalid input format 'qcow'/);
  });
});
