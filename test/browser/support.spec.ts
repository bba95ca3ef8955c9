import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './driver/index.ts';

const PLAIN_PAGE = '/test/browser/harness/plain.html';

test.describe('what the browser supports', () => {
  test('getSupport finds everything disks need here, tried in the worker', async ({ page }) => {
    await page.goto(PLAIN_PAGE);
    await page.waitForFunction(() => window.plain !== undefined);
    const support = await page.evaluate(() => window.plain.getSupport());
    expect(support).toMatchObject({ disks: true, missing: [], secureContext: true, moduleWorkers: true, webLocks: true, broadcastChannel: true, opfs: true, syncAccessHandles: true, problem: null });
    expect(['persistent', 'best-effort']).toContain(support.persistence);
  });

  for (const capability of ['locks', 'storage'] as const) {
    test(`without navigator.${capability}, openDisk fails with StorageUnsupportedError naming it (no hang), and getSupport says so`, async ({ page }) => {
      await page.goto(PLAIN_PAGE);
      await page.waitForFunction(() => window.plain !== undefined);
      const result = await page.evaluate(async (taken) => {
        Object.defineProperty(navigator, taken, { value: undefined, configurable: true });
        let error: { name: string; message: string; missing: readonly string[]; typed: boolean } | null = null;
        try {
          await window.plain.openDisk('never', { create: { size: 1 << 20 } });
        } catch (caught) {
          if (caught instanceof window.plain.StorageUnsupportedError) error = { name: caught.name, message: caught.message, missing: caught.missing, typed: true };
          else if (caught instanceof Error) error = { name: caught.name, message: caught.message, missing: [], typed: false };
        }
        const support = await window.plain.getSupport();
        return { error, support };
      }, capability);
      const word = capability === 'locks' ? 'Web Locks' : 'origin-private file system';
      expect(result.error).toMatchObject({ name: 'StorageUnsupportedError', typed: true });
      expect(result.error?.message).toContain(word);
      expect(result.error?.missing.some((missing) => missing.includes(word))).toBe(true);
      expect(result.support.disks).toBe(false);
      expect(result.support.missing.some((missing) => missing.includes(word))).toBe(true);
    });
  }

  test('openMemoryDisk keeps working without OPFS, and its export is a .qed file QEMU accepts', async ({ page }) => {
    await page.goto(PLAIN_PAGE);
    await page.waitForFunction(() => window.plain !== undefined);
    const exported = await page.evaluate(async () => {
      Object.defineProperty(navigator, 'storage', { value: undefined, configurable: true });
      const disk = await window.plain.openMemoryDisk({ name: 'scratch', size: 4 * 1024 * 1024 });
      await disk.write(65536, new Uint8Array(4096).fill(0x5c));
      const back = await disk.read(65536, 4096);
      const file = await disk.exportFile();
      await disk.close();
      const bytes = new Uint8Array(await file.arrayBuffer());
      let binary = '';
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return { base64: btoa(binary), readBack: back.every((byte) => byte === 0x5c), name: file.name };
    });
    expect(exported.readBack).toBe(true);
    expect(exported.name).toBe('scratch.qed');
    const directory = mkdtempSync(join(tmpdir(), 'qedisk-memory-'));
    try {
      const path = join(directory, 'scratch.qed');
      writeFileSync(path, Buffer.from(exported.base64, 'base64'));
      execFileSync('qemu-img', ['check', path]);
      const raw = join(directory, 'scratch.raw');
      execFileSync('qemu-img', ['convert', '-O', 'raw', path, raw]);
      const bytes = readFileSync(raw);
      expect(bytes.subarray(65536, 65536 + 4096).every((byte) => byte === 0x5c)).toBe(true);
      expect(bytes.subarray(0, 65536).every((byte) => byte === 0)).toBe(true);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
