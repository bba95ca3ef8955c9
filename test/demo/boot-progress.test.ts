import { describe, expect, it } from 'vitest';
import { BootProgress, formatElapsed, stepOfLine } from '../../demo/boot-progress.ts';

/** A progress with a hand-moved clock; returns what it showed. */
function progress(): { boot: BootProgress; shown: string[]; overlay: { hidden: boolean; textContent: string }; advance: (ms: number) => void } {
  let now = 1000;
  const shown: string[] = [];
  const overlay = { hidden: false, textContent: '' };
  const boot = new BootProgress({ show: (text) => shown.push(text), canShow: () => true, overlay: overlay as unknown as HTMLElement, now: () => now });
  return { boot, shown, overlay, advance: (ms) => (now += ms) };
}

describe('stepOfLine', () => {
  it('follows a cold boot from the kernel to the shell', () => {
    const lines = [
      '[    0.000000] Linux version 6.1.0-50-686 (debian-kernel@lists.debian.org)',
      '[   12.000000] Run /init as init process',
      'QEDISK-SNAPSHOT-POINT',
      'QEDISK-START: cold',
      'QEDISK: /dev/sda is blank, formatting it as ext2 (first boot)',
      'QEDISK-READY',
    ];
    expect(lines.map((line) => stepOfLine(line)?.text)).toEqual([
      'the kernel starts',
      'the init loads the drivers',
      'saving the state for fast starts',
      'reading the disk',
      'formatting the empty disk (first boot)',
      'the disk is mounted on /mnt',
    ]);
    expect(stepOfLine('QEDISK-READY')?.ready).toBe(true);
  });

  it('ends the boot without the disk on the other final markers, and ignores everything else', () => {
    for (const line of ['QEDISK-NO-DISK', 'QEDISK-UNKNOWN-DATA: /dev/sda holds no ext2', 'QEDISK-MOUNT-FAILED']) {
      expect(stepOfLine(line)).toMatchObject({ ready: true, diskMissing: true });
    }
    expect(stepOfLine('[    1.0] serial8250: ttyS0 at I/O 0x3f8')).toBeNull();
    expect(stepOfLine('qedisk# ')).toBeNull();
  });
});

describe('formatElapsed', () => {
  it('shows seconds, then minutes and seconds', () => {
    expect(formatElapsed(999)).toBe('0 s');
    expect(formatElapsed(59_999)).toBe('59 s');
    expect(formatElapsed(61_000)).toBe('1 min 1 s');
    expect(formatElapsed(-5)).toBe('0 s');
  });
});

describe('BootProgress', () => {
  it('says "booting" with the elapsed time until the shell is ready, then how long it took', () => {
    const { boot, shown, overlay, advance } = progress();
    boot.setKind('cold');
    advance(12_000);
    boot.line('[    0.000000] Linux version 6.1.0-50-686');
    expect(shown.at(-1)).toBe('Booting Linux (cold boot): 12 s, the kernel starts…');
    expect(overlay.hidden).toBe(false);
    expect(boot.ready).toBe(false);
    advance(30_500);
    boot.line('QEDISK-READY');
    expect(boot.ready).toBe(true);
    expect(shown.at(-1)).toBe('Linux is ready after 42 s (cold boot): type commands in the serial console.');
    expect(overlay.hidden).toBe(true);
    advance(5000);
    boot.line('[  99.0] Linux version 6.1.0-50-686');
    expect(boot.text()).toContain('ready after 42 s');
    boot.cancel();
  });

  it('hides its line when cancelled (the VM stopped mid-boot)', () => {
    const { boot, overlay } = progress();
    expect(overlay.hidden).toBe(false);
    boot.cancel();
    expect(overlay.hidden).toBe(true);
  });
});
