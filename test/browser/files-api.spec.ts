/**
 * The files API in the browser (`openFiles`, `listPartitions`), with the native tools as the
 * oracle: disks made by mke2fs -d, mkfs.fat + mcopy and sfdisk, converted to QED by qemu-img and
 * imported; files read byte for byte; after the page's writes, the exported disk passes e2fsck -fn /
 * fsck.fat -n and debugfs / mcopy read the new files.
 */
import { type Page, expect, test } from './driver/index.ts';
import {
  EXT2_PARTITION,
  FAT_PARTITION,
  type NativeDisk,
  check,
  debugfsDump,
  ext4Disk,
  importDisks,
  mcopyOut,
  partitionFile,
  partitionedDisk,
  rawFromDownload,
  sha256,
  workDir,
} from './files-support.ts';

/** Where the page fetches the native images from. */

/** Deterministic bytes in the page and here: byte i of seed s. */
function pattern(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    bytes[i] = state >>> 16;
  }
  return bytes;
}

let ext4: NativeDisk;
let partitioned: ReturnType<typeof partitionedDisk>;

test.beforeAll(() => {
  ext4 = ext4Disk();
  partitioned = partitionedDisk();
});

/** A fresh harness page with the images imported as disks `ext4` and `parts`. */
async function setUp(page: Page): Promise<void> {
  await importDisks(page, { ext4: ext4.qed, parts: partitioned.qed });
}

test.describe('files API', () => {
  test.beforeEach(async ({ page }) => {
    await setUp(page);
  });

  test('reads every file of an ext4 disk made by mke2fs -d byte for byte, whole, streamed and as a Blob', async ({ page }) => {
    const result = await page.evaluate(async (files) => {
      const { qedisk } = window.harness;
      const hex = async (data: BufferSource): Promise<string> => [...new Uint8Array(await crypto.subtle.digest('SHA-256', data))].map((byte) => byte.toString(16).padStart(2, '0')).join('');
      const disk = await qedisk.openFiles('ext4');
      const mismatches: string[] = [];
      for (const file of files) {
        const bytes = await disk.readFile(file.path);
        if (bytes.byteLength !== file.size || (await hex(bytes)) !== file.sha256) mismatches.push(file.path);
      }
      const big = files.reduce((a, b) => (b.size > a.size ? b : a));
      const chunks: number[] = [];
      const reader = disk.readFileStream(big.path, { chunkBytes: 256 * 1024 }).getReader();
      const parts: Uint8Array[] = [];
      for (let next = await reader.read(); !next.done; next = await reader.read()) {
        chunks.push(next.value.byteLength);
        parts.push(next.value);
      }
      const streamed = await hex(await new Blob(parts as BlobPart[]).arrayBuffer());
      const blob = await disk.readFileBlob(big.path, { type: 'application/octet-stream' });
      const root = (await disk.ls('/')).map((entry) => `${entry.name}${entry.type === 'directory' ? '/' : entry.type === 'symlink' ? '@' : ''}`);
      const link = await disk.stat('/fast-link');
      return { mismatches, info: disk.info, big: { size: big.size, sha: big.sha256 }, chunks, streamed, blob: { size: blob.size, type: blob.type, sha: await hex(await blob.arrayBuffer()) }, root, link };
    }, ext4.files);
    expect(result.mismatches).toEqual([]);
    expect(result.info).toMatchObject({ kind: 'ext4', label: 'browser', partition: null, readOnly: false, snapshot: null, attached: false });
    expect(result.chunks.length).toBe(Math.ceil(result.big.size / (256 * 1024)));
    expect(result.streamed).toBe(result.big.sha);
    expect(result.blob).toEqual({ size: result.big.size, type: 'application/octet-stream', sha: result.big.sha });
    expect(result.root).toEqual(expect.arrayContaining(['docs/', 'big/', 'empty dir/', 'hello.txt', 'fast-link@', 'slow-link@', 'lost+found/']));
    expect(result.link).toMatchObject({ type: 'symlink', target: 'hello.txt' });
  });

  test('writes, makes folders, renames and removes on ext4; the export passes e2fsck -fn and debugfs reads the new files', async ({ page }) => {
    const { dir, done } = workDir();
    try {
      const downloaded = page.waitForEvent('download');
      const result = await page.evaluate(async () => {
        const { qedisk, errorOf, download } = window.harness;
        const bytes = (length: number, seed: number): Uint8Array<ArrayBuffer> => {
          const out = new Uint8Array(length);
          let state = seed;
          for (let i = 0; i < length; i++) {
            state = (Math.imul(state, 1103515245) + 12345) >>> 0;
            out[i] = state >>> 16;
          }
          return out;
        };
        const files = await qedisk.openFiles('ext4');
        const big = await files.writeFile('/uploads/nested/big.bin', new Blob([bytes(3 * 1024 * 1024 + 5, 1)]), { parents: true, mode: 0o640 });
        await files.writeFile('/typed-array.bin', bytes(70_000, 2));
        await files.writeFile('/streamed.bin', new Blob([bytes(1_500_000, 3)]).stream());
        await files.writeFile('/hello.txt', new TextEncoder().encode('replaced\n'));
        await files.mkdir('/made/a/b', { parents: true });
        await files.rename('/typed-array.bin', '/made/a/moved.bin');
        await files.rm('/docs', { recursive: true });
        await files.rm('/empty dir');
        const errors = {
          missing: await errorOf(() => files.rm('/no/such/file')),
          notDir: await errorOf(() => files.ls('/hello.txt')),
          notEmpty: await errorOf(() => files.rm('/made')),
          exists: await errorOf(() => files.mkdir('/made')),
          relative: await errorOf(() => files.stat('hello.txt')),
          noParent: await errorOf(() => files.writeFile('/none/x', new Uint8Array(1))),
        };
        const listing = (await files.ls('/')).map((entry) => entry.name);
        const disk = await qedisk.openDisk('ext4');
        download(await disk.exportFile());
        await disk.close();
        return { big, errors, listing };
      });
      expect(result.big).toMatchObject({ type: 'file', size: 3 * 1024 * 1024 + 5, mode: 0o100640 });
      expect(result.errors).toMatchObject({
        missing: { name: 'FsNotFoundError', isQedError: true },
        notDir: { name: 'FsNotADirectoryError' },
        notEmpty: { name: 'FsNotEmptyError' },
        exists: { name: 'FsExistsError' },
        relative: { name: 'FsInvalidPathError' },
        noParent: { name: 'FsNotFoundError' },
      });
      expect(result.listing).not.toContain('docs');
      const raw = await rawFromDownload(await downloaded, dir, 'ext4');
      const fsck = check('e2fsck', ['-fn', raw]);
      expect(fsck.status, fsck.output).toBe(0);
      expect(sha256(debugfsDump(raw, '/uploads/nested/big.bin'))).toBe(sha256(pattern(3 * 1024 * 1024 + 5, 1)));
      expect(sha256(debugfsDump(raw, '/made/a/moved.bin'))).toBe(sha256(pattern(70_000, 2)));
      expect(sha256(debugfsDump(raw, '/streamed.bin'))).toBe(sha256(pattern(1_500_000, 3)));
      expect(debugfsDump(raw, '/hello.txt').toString()).toBe('replaced\n');
      expect(check('debugfs', ['-R', 'stat /docs', raw]).output).toMatch(/File not found/);
    } finally {
      done();
    }
  });

  test('lists the MBR partitions, reads FAT32 in partition 1 and ext2 in 2, writes FAT; fsck.fat -n is clean and mcopy reads it back', async ({ page }) => {
    const { dir, done } = workDir();
    try {
      const downloaded = page.waitForEvent('download');
      const result = await page.evaluate(
        async ({ fatFiles, extFiles }) => {
          const { qedisk, errorOf, download } = window.harness;
          const hex = async (data: BufferSource): Promise<string> => [...new Uint8Array(await crypto.subtle.digest('SHA-256', data))].map((byte) => byte.toString(16).padStart(2, '0')).join('');
          const partitions = await qedisk.listPartitions('parts');
          const ambiguous = await errorOf(() => qedisk.openFiles('parts'));
          const noSuch = await errorOf(() => qedisk.openFiles('parts', { partition: 3 }));
          const fat = await qedisk.openFiles('parts', { partition: 1 });
          const ext = await qedisk.openFiles('parts', { partition: 2 });
          const mismatches: string[] = [];
          for (const [files, list] of [[fat, fatFiles], [ext, extFiles]] as const) {
            for (const file of list) if ((await hex(await files.readFile(file.path))) !== file.sha256) mismatches.push(file.path);
          }
          const text = new TextEncoder().encode('written by the page\n');
          await fat.writeFile('/From The Page/Long File Name.txt', text, { parents: true });
          await fat.rename('/hello.txt', '/renamed.txt');
          await fat.rm('/big', { recursive: true });
          const missingSource = await errorOf(() => fat.rename('/nope', '/x'));
          const disk = await qedisk.openDisk('parts');
          download(await disk.exportFile());
          await disk.close();
          return { partitions: partitions.map((p) => [p.number, p.type, p.fileSystem, p.start, p.size]), ambiguous, noSuch, kinds: [fat.info.kind, ext.info.kind], mismatches, missingSource, partitionOf: fat.info.partition?.number };
        },
        { fatFiles: partitioned.files, extFiles: partitioned.ext2Files },
      );
      expect(result.partitions).toEqual([
        [1, '0x0c', 'fat32', FAT_PARTITION.start, FAT_PARTITION.size],
        [2, '0x83', 'ext2', EXT2_PARTITION.start, EXT2_PARTITION.size],
      ]);
      expect(result.ambiguous).toMatchObject({ name: 'FsAmbiguousError' });
      expect(result.noSuch).toMatchObject({ name: 'FsNotFoundError' });
      expect(result.kinds).toEqual(['fat32', 'ext2']);
      expect(result.partitionOf).toBe(1);
      expect(result.mismatches).toEqual([]);
      expect(result.missingSource).toMatchObject({ name: 'FsNotFoundError' });
      const raw = await rawFromDownload(await downloaded, dir, 'parts');
      const fatImage = partitionFile(raw, FAT_PARTITION.start, FAT_PARTITION.size);
      const fsck = check('fsck.fat', ['-n', fatImage]);
      expect(fsck.status, fsck.output).toBe(0);
      expect(mcopyOut(fatImage, '/From The Page/Long File Name.txt').toString()).toBe('written by the page\n');
      expect(mcopyOut(fatImage, '/renamed.txt').toString()).toBe('hello, disk\n');
      expect(check('mdir', ['-i', fatImage, '::/big']).status).not.toBe(0);
      const extImage = partitionFile(raw, EXT2_PARTITION.start, EXT2_PARTITION.size);
      expect(check('e2fsck', ['-fn', extImage]).status).toBe(0);
    } finally {
      done();
    }
  });
});
