import { describe, expect, it } from 'vitest';
import { CliInterruptedError } from '../../src/cli/errors.ts';
import { watchInterrupts } from '../../src/cli/interrupt.ts';
import { createProgress } from '../../src/cli/progress.ts';

function recorder(isTTY: boolean): { isTTY: boolean; text: string; write(text: string): void } {
  return {
    isTTY,
    text: '',
    write(text: string) {
      this.text += text;
    },
  };
}

describe('createProgress', () => {
  it('draws a percentage line on a terminal and ends it at 100%', () => {
    const stream = recorder(true);
    const progress = createProgress(stream);
    progress.update(1, 4);
    progress.update(1, 4); // unchanged: not redrawn
    progress.update(3, 4);
    progress.finish();
    expect(stream.text).toBe('\r    (25.00/100%)\r    (75.00/100%)\r    (100.00/100%)\n');
  });

  it('writes nothing when the stream is not a terminal', () => {
    const stream = recorder(false);
    const progress = createProgress(stream);
    progress.update(1, 2);
    progress.finish();
    expect(stream.text).toBe('');
  });

  it('ends an open line without claiming completion when abandoned', () => {
    const stream = recorder(true);
    const progress = createProgress(stream);
    progress.update(1, 3);
    progress.abandon();
    expect(stream.text).toBe('\r    (33.33/100%)\n');
  });
});

describe('watchInterrupts', () => {
  it('turns SIGINT into an error with exit status 130, and stops listening when disposed', () => {
    const before = process.listenerCount('SIGINT');
    const watch = watchInterrupts();
    expect(() => watch.check()).not.toThrow();
    process.emit('SIGINT', 'SIGINT');
    let caught: unknown;
    try {
      watch.check();
    } catch (error) {
      caught = error;
    }
    watch.dispose();
    expect(caught).toBeInstanceOf(CliInterruptedError);
    expect(caught).toMatchObject({ exitStatus: 130 });
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});
