import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileHash, qedisk, scratchDirectory } from './cli-harness.ts';

const dir = scratchDirectory();
const image = join(dir, 'disk.qed');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => {
  expect(qedisk(dir, ['create', 'disk.qed', '1M']).status).toBe(0);
  expect(qedisk(dir, ['write', 'disk.qed', '0'], Buffer.alloc(4096, 0x33)).status).toBe(0);
});

/** Commands that must fail with one line on stderr and leave disk.qed exactly as it was. */
const BAD_COMMANDS: Array<[string, string[], RegExp]> = [
  ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
  ['an unknown option', ['info', '--verbose', 'disk.qed'], /unknown option '--verbose'/],
  ['a missing argument', ['resize', 'disk.qed'], /missing SIZE/],
  ['a malformed size', ['resize', 'disk.qed', '2Q'], /invalid size '2Q'/],
  ['shrinking', ['resize', 'disk.qed', '512K'], /shrinking/],
  ['a size that is not a multiple of 512', ['resize', 'disk.qed', '1048577'], /multiple of 512/],
  ['a read past the end of the disk', ['read', 'disk.qed', '1M', '1'], /outside the 1048576-byte disk/],
  ['a zero write past the end', ['write', '--zero', 'disk.qed', '1020K', '8K'], /outside/],
  ['data from stdin that does not fit', ['write', 'disk.qed', '1023K'], /stdin holds more than/],
  ['a bad output format', ['convert', '-O', 'vmdk', 'disk.qed', 'out.img'], /invalid output format 'vmdk'/],
  ['a bad table size on create over the image', ['create', '--table-size', '5', 'disk.qed', '1M'], /table size 5/],
  ['a cluster size out of range on create over the image', ['create', '--cluster-size', '2K', 'disk.qed', '1M'], /cluster size 2048/],
  ['a size beyond the geometry on create over the image', ['create', '--cluster-size', '4K', '--table-size', '2', 'disk.qed', '64G'], /exceeds the maximum/],
  ['a missing backing file on create over the image', ['create', '-b', 'missing.raw', 'disk.qed'], /missing\.raw: no such file/],
];

describe('qedisk with bad arguments', () => {
  for (const [what, args, message] of BAD_COMMANDS) {
    it(`rejects ${what} with one line on stderr and the image unchanged`, () => {
      const before = fileHash(image);
      const result = qedisk(dir, args, Buffer.alloc(2048, 1));
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/^qedisk: [^\n]+\n$/);
      expect(result.stderr).toMatch(message);
      expect(result.stdout.length).toBe(0);
      expect(fileHash(image)).toBe(before);
    });
  }

  it('reports a file that is not a QED image, and one that does not exist', () => {
    writeFileSync(join(dir, 'text.txt'), 'just some text that is longer than sixty-four bytes, so the magic is what fails');
    const notQed = qedisk(dir, ['check', 'text.txt']);
    expect(notQed.status).toBe(1);
    expect(notQed.stderr).toBe('qedisk: text.txt: Image not in QED format: bad magic\n');
    const missing = qedisk(dir, ['map', 'nothing.qed']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('qedisk: nothing.qed: no such file or directory\n');
    expect(readdirSync(dir)).not.toContain('nothing.qed');
  });
});

describe('qedisk help and version', () => {
  it('lists every command with --help', () => {
    const result = qedisk(dir, ['--help']);
    expect(result.status).toBe(0);
    for (const name of ['create', 'info', 'check', 'convert', 'map', 'resize', 'read', 'write']) {
      expect(result.stdout.toString()).toMatch(new RegExp(`^  ${name} `, 'm'));
    }
  });

  it('shows a command page with help COMMAND and with COMMAND --help', () => {
    const page = qedisk(dir, ['help', 'convert']);
    expect(page.status).toBe(0);
    expect(page.stdout.toString()).toMatch(/^Usage: qedisk convert \[-f FMT\] \[-O qed\|qcow2\|raw\]/);
    expect(qedisk(dir, ['convert', '--help']).stdout).toEqual(page.stdout);
  });

  it('prints the package version', () => {
    const result = qedisk(dir, ['--version']);
    expect(result.status).toBe(0);
    expect(result.stdout.toString()).toMatch(/^qedisk \d+\.\d+\.\d+\n$/);
  });
});
