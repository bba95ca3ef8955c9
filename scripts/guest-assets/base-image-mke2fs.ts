/**
 * STOPGAP, to be deleted once `src/fs/` can format ext2: makes the base image with e2fsprogs'
 * `mke2fs -d` from the tree written into a temporary folder, as the old shell build did, then sets
 * every inode's change time with `debugfs` (so the same tree gives the same bytes). Only on
 * machines that have `mke2fs` (Debian with e2fsprogs); elsewhere it throws
 * `GuestAssetsUnavailableError` and the demo starts without a shared base. Owners are kept only when
 * running as root. Not used when the file-system layer is there (see base-image.ts).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, lchownSync, lutimesSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_IMAGE } from './config.ts';
import { GuestAssetsError } from './errors.ts';
import type { FileTree } from './file-tree.ts';

/** Neither the file-system layer nor `mke2fs` can make the base image on this machine. */
export class GuestAssetsUnavailableError extends GuestAssetsError {
  override name = 'GuestAssetsUnavailableError';
}

/** The ext2 image of `tree` made by `mke2fs -d`. */
export function buildBaseImageWithMke2fs(tree: FileTree): Uint8Array {
  const probe = spawnSync('mke2fs', ['-V'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    throw new GuestAssetsUnavailableError('the shared base image needs the ext2 formatter of src/fs/ (not there yet) or, until then, mke2fs (Debian package e2fsprogs)');
  }
  const work = mkdtempSync(join(tmpdir(), 'qedisk-base-'));
  try {
    const root = join(work, 'root');
    const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    const entries = tree.entries();
    for (const entry of entries) {
      const path = join(root, entry.path);
      if (entry.type === 'directory') mkdirSync(path, { recursive: true });
      else if (entry.type === 'file') writeFileSync(path, entry.data);
      else symlinkSync(entry.target, path);
      if (entry.type !== 'symlink') chmodSync(path, entry.mode);
      if (asRoot) lchownSync(path, entry.uid, entry.gid);
    }
    for (const entry of [...entries].reverse()) lutimesSync(join(root, entry.path), entry.mtime, entry.mtime);
    const image = join(work, 'base.ext2');
    const result = spawnSync(
      'mke2fs',
      ['-q', '-F', '-t', 'ext2', '-b', String(BASE_IMAGE.blockSizeBytes), '-N', String(BASE_IMAGE.inodeCount), '-m', '0', '-L', BASE_IMAGE.label,
        '-U', BASE_IMAGE.uuid, '-E', `hash_seed=${BASE_IMAGE.hashSeed},root_owner=0:0`, '-d', root, image, `${BASE_IMAGE.sizeBytes / 1024}k`],
      { env: { ...process.env, E2FSPROGS_FAKE_TIME: String(BASE_IMAGE.timestamp) }, encoding: 'utf8' },
    );
    if (result.status !== 0) throw new GuestAssetsError(`mke2fs failed: ${result.stderr || result.error?.message}`);
    // mke2fs -d copies each inode's change time from the source file, which cannot be set: fix them.
    const script = entries.map((entry) => `sif "/${entry.path}" ctime @${entry.mtime}\n`).join('');
    const fixed = spawnSync('debugfs', ['-w', '-f', '-', image], { input: script, encoding: 'utf8' });
    if (fixed.status !== 0) throw new GuestAssetsError(`debugfs failed: ${fixed.stderr || fixed.error?.message}`);
    return new Uint8Array(readFileSync(image));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
