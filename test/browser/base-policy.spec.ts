import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './driver/index.ts';
import { removeFixture, routeRangeServer, writeFixture } from './harness/base-fixtures.ts';
import { baseBytes } from './harness/base-model.ts';
import { openHarness } from './harness/pages.ts';

const SIZE = 2 * 1024 * 1024;
const SEED = 31;

/** An overlay made by `qemu-img create` on backing file `backing` (raw), with 64 KiB of 0x5a written at 1 MiB. */
function qemuOverlay(backing: string, baseContents: Uint8Array): Buffer {
  const directory = mkdtempSync(join(tmpdir(), 'qedisk-policy-'));
  try {
    const inner = join(directory, 'inner');
    const overlay = join(inner, 'overlay.qed');
    // qemu-io opens the base while it writes: put it wherever the name points; the name stays as given.
    mkdirSync(inner);
    writeFileSync(join(directory, 'base.raw'), baseContents);
    writeFileSync(join(inner, 'base.raw'), baseContents);
    execFileSync('qemu-img', ['create', '-q', '-f', 'qed', '-b', backing, '-F', 'raw', '-u', overlay, `${SIZE}`]);
    execFileSync('qemu-io', ['-f', 'qed', '-c', 'write -q -P 0x5a 1M 64k', overlay]);
    return readFileSync(overlay);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

test.describe('what a base may be', () => {
  test.beforeEach(async ({ page }) => {
    await openHarness(page);
    await page.evaluate(() => window.harness.resetStorage());
  });

  test.afterAll(() => {
    for (const name of ['policy.raw']) removeFixture(name);
  });

  test('follows HTTP bases only on the page origin or an allowlisted one, when created and when reopened', async ({ page, context }) => {
    const path = writeFixture('policy.raw', baseBytes(SIZE, SEED));
    // Another origin, answered by a route: a CDN that allows CORS and exposes Content-Range and ETag.
    const foreign = 'https://images.example.test/bases/policy.raw';
    const server = await routeRangeServer(context, foreign, baseBytes(SIZE, SEED), '"policy-v1"');
    const result = await page.evaluate(
      async ({ path, foreign, size, seed }) => {
        const { qedisk, model, baseBytes, errorOf } = window.harness;
        const refused: Record<string, unknown> = {};
        for (const url of [foreign, 'file:///etc/passwd', 'data:application/octet-stream,abc', 'javascript:alert(1)', `http://user:secret@${location.host}${path}`]) {
          refused[url] = await errorOf(() => qedisk.openDisk('refused', { create: { base: { kind: 'url', url, format: 'raw' } } }));
        }
        const allowed = await qedisk.openDisk('foreign', { create: { base: { kind: 'url', url: foreign, format: 'raw' } }, allowedOrigins: [new URL(foreign).origin] });
        const read = await allowed.read(65536, 65536);
        await allowed.close();
        const reopenedWithout = await errorOf(() => qedisk.openDisk('foreign'));
        const reopenedWith = await qedisk.openDisk('foreign', { allowedOrigins: [new URL(foreign).origin] });
        await reopenedWith.close();
        const listed = (await qedisk.listDisks()).map((record) => record.name);
        return { refused, readDifference: model.firstDifference(read, baseBytes(size, seed).subarray(65536, 131072)), reopenedWithout, listed };
      },
      { path, foreign, size: SIZE, seed: SEED },
    );
    for (const [url, error] of Object.entries(result.refused)) expect(error, url).toMatchObject({ name: 'QedBackingError', isQedError: true });
    expect(result.refused[foreign]).toMatchObject({ message: expect.stringContaining('neither this page') });
    expect(server.requests).toBeGreaterThan(0);
    expect(result.readDifference).toBe(-1);
    expect(result.reopenedWithout).toMatchObject({ name: 'QedBackingError', isQedError: true });
    expect(result.listed).toEqual(['foreign']);
  });

  test('keeps OPFS base names inside the folder, and reads an overlay qemu-img made on a raw base', async ({ page }) => {
    const base = baseBytes(SIZE, SEED);
    const good = qemuOverlay('base.raw', base).toString('base64');
    const escaping = qemuOverlay('../base.raw', base).toString('base64');
    const result = await page.evaluate(
      async ({ good, escaping, size, seed }) => {
        const { qedisk, baseBytes, fromBase64, compareWholeDisk, errorOf } = window.harness;
        const baseContents = baseBytes(size, seed);
        await qedisk.importDisk('base', new Blob([baseContents]), { keepRaw: true });
        const badNames: Record<string, unknown> = {};
        for (const name of ['../base', 'a/b', '.hidden', '']) {
          badNames[name] = await errorOf(() => qedisk.openDisk('bad', { create: { base: { kind: 'opfs', name } } }));
        }
        const missing = await errorOf(() => qedisk.openDisk('bad', { create: { base: { kind: 'opfs', name: 'missing' } } }));
        const itself = await errorOf(() => qedisk.openDisk('self', { create: { base: { kind: 'opfs', name: 'self' } } }));
        await qedisk.importDisk('from-qemu', new Blob([fromBase64(good)]));
        const disk = await qedisk.openDisk('from-qemu');
        const expected = baseContents.slice();
        expected.fill(0x5a, 1024 * 1024, 1024 * 1024 + 65536);
        const difference = await compareWholeDisk(disk, expected);
        const info = await disk.info();
        await disk.close();
        await qedisk.importDisk('escaping', new Blob([fromBase64(escaping)]));
        const escape = await errorOf(() => qedisk.openDisk('escaping'));
        const listed = (await qedisk.listDisks()).map((record) => record.name);
        return { badNames, missing, itself, difference, backing: [info.backingFile, info.backingFormat], escape, listed };
      },
      { good, escaping, size: SIZE, seed: SEED },
    );
    for (const [name, error] of Object.entries(result.badNames)) expect(error, name).toMatchObject({ name: 'QedArgumentError', isQedError: true });
    expect(result.missing).toMatchObject({ name: 'QedBackingError' });
    expect(result.itself).toMatchObject({ name: 'QedArgumentError' });
    expect(result.difference).toBe(-1);
    expect(result.backing).toEqual(['base.raw', 'raw']);
    expect(result.escape).toMatchObject({ name: 'QedBackingError' });
    expect(result.escape?.message).toContain('../base.raw');
    expect(result.listed).toEqual(['base', 'escaping', 'from-qemu']);
  });
});
