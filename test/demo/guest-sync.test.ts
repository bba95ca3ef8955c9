import { describe, expect, it, vi } from 'vitest';
import { GuestControl, MAX_COLUMNS, MIN_COLUMNS, SYNC_RESEND_MS, epochSeconds, parseAgentLine } from '../../demo/guest-sync.ts';

/** A control line whose sent text is recorded and whose guest answers are typed in by the test. */
function harness(): { control: GuestControl; sent: string[]; answer: (line: string) => void } {
  const sent: string[] = [];
  const control = new GuestControl((text) => sent.push(text));
  const answer = (line: string): void => {
    for (const byte of new TextEncoder().encode(`${line}\r\n`)) control.receive(byte);
  };
  return { control, sent, answer };
}

describe('parseAgentLine', () => {
  it('reads each answer of the agent', () => {
    expect(parseAgentLine('QEDISK-SYNCED 7')).toEqual({ kind: 'synced', id: '7' });
    expect(parseAgentLine('QEDISK-CLOCK 1700000000')).toEqual({ kind: 'clock', seconds: 1700000000 });
    expect(parseAgentLine('QEDISK-COLS 132')).toEqual({ kind: 'cols', columns: 132 });
    expect(parseAgentLine('QEDISK-DIRTY 0')).toEqual({ kind: 'dirty', kilobytes: 0 });
    expect(parseAgentLine('QEDISK-DIRTY 4096\r')).toEqual({ kind: 'dirty', kilobytes: 4096 });
  });

  it('ignores other lines and damaged numbers', () => {
    expect(parseAgentLine('[ 1.0] serial8250: ttyS1 at I/O 0x2f8')).toBeNull();
    expect(parseAgentLine('QEDISK-DIRTY -5')).toBeNull();
    expect(parseAgentLine('QEDISK-DIRTY 12kB')).toBeNull();
    expect(parseAgentLine('QEDISK-COLS')).toBeNull();
    expect(parseAgentLine('QEDISK-READY')).toBeNull();
  });
});

describe('GuestControl', () => {
  it('knows nothing of the guest until its agent reports, then follows each report', () => {
    const { control, answer } = harness();
    const seen: (number | null)[] = [];
    control.onChange(() => seen.push(control.unsavedKilobytes));
    expect(control.agentRunning).toBe(false);
    expect(control.unsavedKilobytes).toBeNull();
    answer('QEDISK-DIRTY 0');
    answer('QEDISK-DIRTY 48');
    answer('QEDISK-DIRTY 0');
    expect(control.agentRunning).toBe(true);
    expect(seen).toEqual([0, 48, 0]);
  });

  it('resolves a sync only on the answer with its own number', async () => {
    const { control, sent, answer } = harness();
    const first = control.sync(5000);
    const second = control.sync(5000);
    expect(sent).toEqual(['sync 1\n', 'sync 2\n']);
    let firstDone = false;
    void first.then(() => (firstDone = true));
    answer('QEDISK-SYNCED 2');
    expect(await second).toBe('synced');
    await Promise.resolve();
    expect(firstDone).toBe(false);
    answer('QEDISK-SYNCED 1');
    expect(await first).toBe('synced');
  });

  it('sends an unanswered sync again until the answer comes, then stops sending', async () => {
    vi.useFakeTimers();
    try {
      const { control, sent, answer } = harness();
      const pending = control.sync(10 * SYNC_RESEND_MS);
      vi.advanceTimersByTime(2 * SYNC_RESEND_MS + 1);
      expect(sent).toEqual(['sync 1\n', 'sync 1\n', 'sync 1\n']);
      answer('QEDISK-SYNCED 1');
      expect(await pending).toBe('synced');
      vi.advanceTimersByTime(3 * SYNC_RESEND_MS);
      expect(sent).toHaveLength(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it('gives up on a sync after the timeout, and at once on an aborted signal', async () => {
    const { control } = harness();
    expect(await control.sync(20)).toBe('timeout');
    const stop = new AbortController();
    const pending = control.sync(5000, stop.signal);
    stop.abort();
    expect(await pending).toBe('aborted');
    expect(await control.sync(5000, stop.signal)).toBe('aborted');
  });

  it('sends the clock in whole seconds and a console width within bounds', () => {
    const { control, sent } = harness();
    control.setClock(1_700_000_000_999);
    control.setColumns(131.7);
    control.setColumns(3);
    control.setColumns(100_000);
    expect(sent).toEqual(['clock 1700000000\n', 'cols 131\n', `cols ${MIN_COLUMNS}\n`, `cols ${MAX_COLUMNS}\n`]);
    expect(epochSeconds(1999)).toBe(1);
  });
});
