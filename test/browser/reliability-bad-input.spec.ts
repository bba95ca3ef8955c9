import { type Page, expect, test } from './driver/index.ts';
import type { StorageSnapshot } from './reliability-harness/harness.ts';
import { openReliabilityPage } from './reliability-harness/pages.ts';

const MIB = 1024 * 1024;

/** A call that must fail, and the error `name` (or one of the names) it must fail with. */
interface BadCall {
  label: string;
  expected: string | readonly string[];
  got: { name: string; isQedError: boolean } | null;
}

/** Asserts that every call failed with its expected typed error. */
function expectRejected(calls: readonly BadCall[]): void {
  for (const call of calls) {
    expect(call.got, call.label).toMatchObject({ isQedError: true });
    expect(typeof call.expected === 'string' ? [call.expected] : call.expected, `${call.label}: error name`).toContain(call.got?.name);
  }
}

/** Resets storage and makes disk `keep` (1 MiB, 64 KiB clusters) with 200,000 bytes of 0x03 at 0, closed. */
async function prepare(page: Page): Promise<StorageSnapshot> {
  await openReliabilityPage(page);
  return page.evaluate(async () => {
    const { resetStorage, qedisk, storageSnapshot } = window.reliability;
    await resetStorage();
    const disk = await qedisk.openDisk('keep', { create: { size: 1024 * 1024 } });
    await disk.write(0, new Uint8Array(200_000).fill(3));
    await disk.close();
    return storageSnapshot();
  });
}

test.describe('bad input at the page API', () => {
  test('rejects bad disk names, sizes and geometries with QedArgumentError or QedRangeError, and changes nothing', async ({ page }) => {
    const before = await prepare(page);
    const badNames: unknown[] = ['../x', '', 'x'.repeat(101), 'a/b', 'dïsk', '磁盘', '💾', '.', '..', '.keep', 'keep ', ' keep', 'keep\n', 'keep/..', 'a\\b', 'nul\u0000', 42, null, undefined, true, {}, ['keep']];
    const badCreates: Array<{ create: Record<string, unknown>; expected: string }> = [
      ...[-1, -512, Number.NaN, 1.5, 512.5, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '1048576', null, 2 ** 53, 2 ** 60].map((size) => ({ create: { size }, expected: 'QedArgumentError' })),
      { create: {}, expected: 'QedArgumentError' },
      ...[1000, 2048, 4095, 0, -4096, 2 ** 27, Number.NaN, '4096', 65536.5].map((clusterSize) => ({ create: { size: MIB, clusterSize }, expected: 'QedArgumentError' })),
      ...[0, 1, 3, 32, -2, 1.5, Number.NaN, '4'].map((tableSize) => ({ create: { size: MIB, tableSize }, expected: 'QedArgumentError' })),
      // Too large for the geometry: 4 KiB clusters and 2-cluster tables address 4 GiB; the
      // defaults 64 TiB; 64 MiB clusters with 16-cluster tables overflow QEMU's u64 to 0.
      { create: { size: 4 * 1024 * MIB + 1, clusterSize: 4096, tableSize: 2 }, expected: 'QedRangeError' },
      { create: { size: 2 ** 46 + 512 }, expected: 'QedRangeError' },
      { create: { size: MIB, clusterSize: 2 ** 26, tableSize: 16 }, expected: 'QedRangeError' },
    ];
    const result = await page.evaluate(
      async ({ badNames, badCreates }) => {
        const { qedisk, errorOf, callLoosely, storageSnapshot } = window.reliability;
        const calls = [];
        for (const [index, name] of badNames.entries()) {
          const label = `name #${index} ${JSON.stringify(name) ?? String(name)}`;
          const raw = new Blob([new Uint8Array(512).fill(1)]);
          calls.push({ label: `${label}: openDisk with create`, expected: 'QedArgumentError', got: await errorOf(() => callLoosely(qedisk, 'openDisk', [name, { create: { size: 65536 } }])) });
          calls.push({ label: `${label}: openDisk`, expected: 'QedArgumentError', got: await errorOf(() => callLoosely(qedisk, 'openDisk', [name])) });
          calls.push({ label: `${label}: deleteDisk`, expected: 'QedArgumentError', got: await errorOf(() => callLoosely(qedisk, 'deleteDisk', [name])) });
          calls.push({ label: `${label}: importDisk`, expected: 'QedArgumentError', got: await errorOf(() => callLoosely(qedisk, 'importDisk', [name, raw])) });
        }
        for (const { create, expected } of badCreates) {
          calls.push({ label: `create ${JSON.stringify(create)}`, expected, got: await errorOf(() => callLoosely(qedisk, 'openDisk', ['fresh', { create }])) });
        }
        calls.push({ label: 'create and readOnly together', expected: 'QedArgumentError', got: await errorOf(() => qedisk.openDisk('fresh', { create: { size: 65536 }, readOnly: true })) });
        calls.push({ label: 'openDisk of a missing disk', expected: 'DiskNotFoundError', got: await errorOf(() => qedisk.openDisk('fresh')) });
        calls.push({ label: 'deleteDisk of a missing disk', expected: 'DiskNotFoundError', got: await errorOf(() => qedisk.deleteDisk('fresh')) });
        return { calls, after: await storageSnapshot() };
      },
      { badNames, badCreates },
    );
    expectRejected(result.calls);
    expect(result.calls.length).toBe(badNames.length * 4 + badCreates.length + 3);
    expect(result.after).toEqual(before);
  });

  test('rejects out-of-range requests with QedRangeError and data that is not a Uint8Array with QedArgumentError, and changes nothing', async ({ page }) => {
    const before = await prepare(page);
    const result = await page.evaluate(async () => {
      const { qedisk, errorOf, callLoosely, readWhole, storageSnapshot } = window.reliability;
      const disk = await qedisk.openDisk('keep');
      const size = disk.size;
      const sector = (): Uint8Array => new Uint8Array(512).fill(0xee);
      const rangeCases: Array<[string, unknown[]]> = [
        ['read', [-1, 512]],
        ['read', [0, -1]],
        ['read', [size, 1]],
        ['read', [size - 512, 1024]],
        ['read', [Number.NaN, 512]],
        ['read', [0, Number.NaN]],
        ['read', [0.5, 512]],
        ['read', [2 ** 53, 512]],
        ['read', [Number.POSITIVE_INFINITY, 1]],
        ['read', ['0', 512]],
        ['read', [0, 2 ** 31]],
        ['write', [size, sector()]],
        ['write', [size - 1, new Uint8Array(2).fill(0xee)]],
        ['write', [-512, sector()]],
        ['write', [Number.NaN, sector()]],
        ['write', [1.5, sector()]],
        ['write', ['0', sector()]],
        ['writeZeroes', [size - 512, 4096]],
        ['writeZeroes', [-1, 1]],
        ['writeZeroes', [0, Number.NaN]],
        ['writeZeroes', [0, -512]],
        ['writeZeroes', [0, size + 512]],
      ];
      const notBytes: Array<[string, unknown]> = [
        ['a plain array', [1, 2, 3]],
        ['a string', 'abcd'],
        ['a number', 512],
        ['null', null],
        ['undefined', undefined],
        ['an ArrayBuffer', new ArrayBuffer(512)],
        ['a DataView', new DataView(new ArrayBuffer(512))],
        ['a Uint16Array', new Uint16Array(256)],
        ['an Int8Array', new Int8Array(512)],
        ['a Uint8ClampedArray', new Uint8ClampedArray(512)],
        ['a Blob', new Blob([new Uint8Array(512)])],
        ['a look-alike object', { length: 512, byteLength: 512, byteOffset: 0, buffer: new ArrayBuffer(512) }],
      ];
      const calls = [];
      for (const [method, args] of rangeCases) {
        calls.push({ label: `${method}(${args.map((arg) => (arg instanceof Uint8Array ? `${arg.byteLength} bytes` : String(arg))).join(', ')})`, expected: 'QedRangeError', got: await errorOf(() => callLoosely(disk, method, args)) });
      }
      for (const [label, data] of notBytes) {
        calls.push({ label: `write of ${label}`, expected: 'QedArgumentError', got: await errorOf(() => callLoosely(disk, 'write', [0, data])) });
      }
      // The disk still serves requests, and reads as it did.
      const content = await readWhole(disk);
      const check = await disk.check();
      await disk.close();
      const expected = new Uint8Array(size);
      expected.fill(3, 0, 200_000);
      const sameContent = content.every((byte, index) => byte === expected[index]);
      return { calls, sameContent, check, after: await storageSnapshot() };
    });
    expectRejected(result.calls);
    expect(result.calls.length).toBe(34);
    expect(result.sameContent).toBe(true);
    expect(result.check).toMatchObject({ corruptions: 0, leaks: 0, checkErrors: 0 });
    expect(result.after).toEqual(before);
  });

  test('rejects empty, truncated and garbage files at importDisk with typed errors, and leaves no disk or temporary file behind', async ({ page }) => {
    const before = await prepare(page);
    const result = await page.evaluate(async () => {
      const { qedisk, errorOf, callLoosely, storageSnapshot } = window.reliability;
      const disk = await qedisk.openDisk('keep');
      const image = new Uint8Array(await (await disk.exportFile()).arrayBuffer());
      await disk.close();
      const view = new DataView(image.buffer);
      /** `image` with the little-endian u32 or u64 at `at` set to `value`. */
      const patched = (at: number, value: number, bytes: 4 | 8): Uint8Array<ArrayBuffer> => {
        const copy = image.slice();
        const copyView = new DataView(copy.buffer);
        if (bytes === 4) copyView.setUint32(at, value, true);
        else copyView.setBigUint64(at, BigInt(value), true);
        return copy;
      };
      const l2Offset = Number(view.getBigUint64(65536, true)); // L1 entry 0
      const firstData = Number(view.getBigUint64(l2Offset, true)); // L2 entry 0
      let state = 12345;
      const garbage = image.slice(0, 65536);
      for (let i = 4; i < garbage.byteLength; i++) garbage[i] = (state = (state * 1103515245 + 12345) >>> 0) >>> 24;
      const badFiles: Array<[string, Uint8Array<ArrayBuffer>, string | string[]]> = [
        ['an empty file', new Uint8Array(0), 'QedArgumentError'],
        ['the QED magic and 28 bytes', image.slice(0, 32), 'QedFormatError'],
        ['the first 4 KiB of a QED image (no L1 table)', image.slice(0, 4096), 'QedCorruptionError'],
        ['a QED image cut after its L1 table', image.slice(0, 5 * 65536), 'QedCorruptionError'],
        ['a QED image cut in its data', image.slice(0, 7 * 65536 + 100), 'QedCorruptionError'],
        ['a QED image cut in its L2 table', image.slice(0, image.byteLength - 4096), 'QedCorruptionError'],
        // Either: QEMU's order would report the unknown feature bits (format), but the garbage
        // L1 offset is past 2^53 and is refused while decoding (corruption).
        ['the QED magic followed by garbage', garbage, ['QedFormatError', 'QedCorruptionError']],
        ['a cluster size of 12345', patched(4, 12345, 4), 'QedFormatError'],
        ['a table size of 3', patched(8, 3, 4), 'QedFormatError'],
        ['an unknown feature bit', patched(16, 0x80, 8), 'QedFormatError'],
        ['an image size that is not a multiple of 512', patched(48, 1000, 8), 'QedFormatError'],
        ['a misaligned L1 table offset', patched(40, 65537, 8), 'QedCorruptionError'],
        ['an L2 entry pointing inside a cluster', patched(l2Offset, firstData + 1, 8), 'QedCorruptionError'],
      ];
      const calls = [];
      for (const [label, bytes, expected] of badFiles) {
        calls.push({ label: `import of ${label}`, expected, got: await errorOf(() => qedisk.importDisk('imported', new Blob([bytes]))) });
      }
      for (const [label, source] of [['a Uint8Array', image.slice(0, 512)], ['a string', 'QED\u0000'], ['null', null], ['a Blob look-alike', { size: 512, type: '', slice: () => new Blob([]) }]] as const) {
        calls.push({ label: `import of ${label}`, expected: 'QedArgumentError', got: await errorOf(() => callLoosely(qedisk, 'importDisk', ['imported', source])) });
      }
      calls.push({ label: 'import over an existing disk', expected: 'DiskExistsError', got: await errorOf(() => qedisk.importDisk('keep', new Blob([image]))) });
      calls.push({ label: 'open of the name after the failed imports', expected: 'DiskNotFoundError', got: await errorOf(() => qedisk.openDisk('imported')) });
      return { calls, after: await storageSnapshot() };
    });
    expectRejected(result.calls);
    expect(result.calls.length).toBe(19);
    expect(result.after).toEqual(before);
  });
});
