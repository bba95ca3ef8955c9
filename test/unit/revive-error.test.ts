import { describe, expect, it } from 'vitest';
import { FsNotFoundError } from '../../src/fs/errors.ts';
import { ImageEncryptedError } from '../../src/formats/errors.ts';
import { DiskBusyError, reviveError, toWireError } from '../../src/protocol/errors.ts';
import { QedQuotaError } from '../../src/qed/errors.ts';

describe('reviveError', () => {
  it('brings errors of the engine, the formats and the file systems back as their classes', () => {
    for (const original of [new QedQuotaError('full'), new ImageEncryptedError('encrypted'), new FsNotFoundError('no /x')]) {
      const revived = reviveError(toWireError(original), 'd');
      expect(revived).toBeInstanceOf(original.constructor);
      expect((revived as Error).message).toBe(original.message);
    }
  });

  it('fills in the disk name of Disk*Errors and keeps the worker stack', () => {
    const revived = reviveError({ name: 'DiskBusyError', message: 'busy', stack: 'worker stack' }, 'student-1');
    expect(revived).toBeInstanceOf(DiskBusyError);
    expect(revived).toMatchObject({ diskName: 'student-1', message: 'busy', stack: 'worker stack' });
  });

  it('keeps an unknown error’s name, and passes values that are not errors through', () => {
    expect(reviveError({ name: 'TypeError', message: 'x is not a function' }, 'd')).toMatchObject({ name: 'TypeError', message: 'x is not a function' });
    expect(reviveError(42, 'd')).toBe(42);
  });
});
