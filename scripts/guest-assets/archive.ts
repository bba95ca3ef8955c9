/**
 * The Debian archive as the build sees it: InRelease (signature checked) gives the SHA-256 of the
 * Packages index, the index gives the SHA-256 of each .deb, and every file is checked against
 * its hash before use. Downloads go through the cache.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import type { DownloadCache } from './cache.ts';
import { ARCHITECTURE, BUSYBOX_PACKAGE, COMPONENT, KERNEL_METAPACKAGE, LIMITS, SEABIOS_PACKAGE, SUITE, VGABIOS_PACKAGE } from './config.ts';
import { decompressStream } from './decompress.ts';
import { DEFAULT_RETRY_POLICY, GuestAssetsNotFoundError, type RetryPolicy, fetchBytes } from './download.ts';
import { GuestAssetsLimitError, GuestAssetsNetworkError } from './errors.ts';
import { type PackageRecord, findPackages, kernelPackageOf } from './packages-index.ts';
import { type Progress, silentProgress } from './progress.ts';
import { type IndexChoice, choosePackagesIndex, parseRelease } from './release.ts';
import { type VerifiedRelease, debianArchiveKeys, verifyInRelease } from './signature.ts';

/** Where and how to fetch. */
export interface ArchiveOptions {
  /** The mirror's base URL (`http://deb.debian.org/debian`). */
  mirror: string;
  /** The download cache. */
  cache: DownloadCache;
  /** ASCII-armoured public keys InRelease must be signed with (default: Debian's, from `keys/`). */
  trustedKeys?: readonly string[];
  /** Retries and time-outs (default `DEFAULT_RETRY_POLICY`). */
  retry?: RetryPolicy;
  /** Progress reports (default none). */
  progress?: Progress;
}

/** The packages the guest is built from, as the signed indices describe them. */
export interface ResolvedPackages {
  /** The mirror they come from (no trailing `/`). */
  mirror: string;
  /** Fingerprints of the keys whose InRelease signatures verified. */
  signers: string[];
  /** The kernel ABI package's name (`linux-image-6.1.0-50-686`). */
  kernelPackage: string;
  kernel: PackageRecord;
  busybox: PackageRecord;
  seabios: PackageRecord;
  vgabios: PackageRecord;
}

/** `mirror` without trailing slashes. */
const trimMirror = (mirror: string): string => mirror.replace(/\/+$/, '');

/** The decompressed Packages index described by `choice`, downloaded (or cached) and checked. */
async function packagesText(options: ArchiveOptions, choice: IndexChoice, byHash: boolean): Promise<string> {
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  const progress = options.progress ?? silentProgress;
  const dists = `${trimMirror(options.mirror)}/dists/${SUITE}`;
  const label = `Packages index (${choice.path})`;
  const directory = choice.path.slice(0, choice.path.lastIndexOf('/'));
  let path: string;
  try {
    const url = byHash ? `${dists}/${directory}/by-hash/SHA256/${choice.sha256}` : `${dists}/${choice.path}`;
    path = (await options.cache.fetch(url, label, choice, retry, progress)).path;
  } catch (error) {
    if (!byHash || !(error instanceof GuestAssetsNotFoundError)) throw error;
    path = (await options.cache.fetch(`${dists}/${choice.path}`, label, choice, retry, progress)).path;
  }
  const compressed = await readFile(path);
  let text: Buffer;
  if (choice.compression === 'gzip') {
    text = gunzipSync(compressed, { maxOutputLength: LIMITS.packagesBytes });
  } else {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of decompressStream(Readable.from([compressed]), 'xz')) {
      total += (chunk as Buffer).byteLength;
      if (total > LIMITS.packagesBytes) throw new GuestAssetsLimitError(`${label} decompresses to more than ${LIMITS.packagesBytes} bytes`);
      chunks.push(chunk as Buffer);
    }
    text = Buffer.concat(chunks);
  }
  return text.toString('utf8');
}

/**
 * The verified InRelease of the suite: downloaded, or when the mirror cannot be reached, the last
 * one this cache verified from the same mirror (its signature is checked again), so a rebuild
 * works offline when every file it needs is cached.
 */
async function currentRelease(options: ArchiveOptions, mirror: string, keys: readonly string[], retry: RetryPolicy, progress: Progress): Promise<VerifiedRelease> {
  const saved = join(options.cache.dir, `InRelease-${createHash('sha256').update(`${mirror}/${SUITE}`).digest('hex').slice(0, 16)}`);
  let text: string;
  try {
    text = new TextDecoder().decode(await fetchBytes(`${mirror}/dists/${SUITE}/InRelease`, `InRelease of ${SUITE}`, LIMITS.releaseBytes, retry, progress));
  } catch (error) {
    const fallback = error instanceof GuestAssetsNetworkError && !(error instanceof GuestAssetsNotFoundError) ? await readFile(saved, 'utf8').catch(() => undefined) : undefined;
    if (fallback === undefined) throw error;
    progress.note(`${mirror} cannot be reached: using the InRelease verified on an earlier run`);
    return verifyInRelease(fallback, keys);
  }
  const verified = await verifyInRelease(text, keys);
  await mkdir(options.cache.dir, { recursive: true });
  await writeFile(`${saved}.tmp`, text);
  await rename(`${saved}.tmp`, saved);
  return verified;
}

/**
 * The decompressed Packages index of the suite's main i386 component, after InRelease's signature
 * and the index's SHA-256 were checked, with the mirror (no trailing `/`) and the signers'
 * fingerprints. Throws the build's typed errors.
 */
export async function verifiedPackagesText(options: ArchiveOptions): Promise<{ mirror: string; signers: string[]; text: string }> {
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  const progress = options.progress ?? silentProgress;
  const mirror = trimMirror(options.mirror);
  const keys = options.trustedKeys ?? debianArchiveKeys();
  const verified = await currentRelease(options, mirror, keys, retry, progress);
  const release = parseRelease(verified.text);
  const text = await packagesText(options, choosePackagesIndex(release, COMPONENT, ARCHITECTURE), release.acquireByHash);
  return { mirror, signers: verified.signers, text };
}

/**
 * Reads the signed InRelease of the suite, the Packages index it names, and finds the guest's
 * packages (the kernel metapackage resolved to its ABI package). Throws the build's typed errors.
 */
export async function resolvePackages(options: ArchiveOptions): Promise<ResolvedPackages> {
  const progress = options.progress ?? silentProgress;
  const { mirror, signers, text } = await verifiedPackagesText(options);
  const first = findPackages(text, [KERNEL_METAPACKAGE, BUSYBOX_PACKAGE, SEABIOS_PACKAGE, VGABIOS_PACKAGE]);
  const meta = first.get(KERNEL_METAPACKAGE);
  if (!meta) throw new Error('unreachable: findPackages returns every name or throws');
  const kernelPackage = kernelPackageOf(meta);
  const kernel = findPackages(text, [kernelPackage]).get(kernelPackage);
  const busybox = first.get(BUSYBOX_PACKAGE);
  const seabios = first.get(SEABIOS_PACKAGE);
  const vgabios = first.get(VGABIOS_PACKAGE);
  if (!kernel || !busybox || !seabios || !vgabios) throw new Error('unreachable: findPackages returns every name or throws');
  progress.note(`${SUITE} ${ARCHITECTURE}: ${kernelPackage} ${kernel.version}, busybox-static ${busybox.version}, seabios ${seabios.version}, vgabios ${vgabios.version}`);
  return { mirror, signers, kernelPackage, kernel, busybox, seabios, vgabios };
}

/** The path of a verified copy of the .deb of `record` (cached or downloaded). */
export async function fetchDeb(options: ArchiveOptions, record: PackageRecord): Promise<string> {
  const { path } = await options.cache.fetch(
    `${trimMirror(options.mirror)}/${record.filename}`,
    `${record.name} ${record.version}`,
    { size: record.size, sha256: record.sha256 },
    options.retry ?? DEFAULT_RETRY_POLICY,
    options.progress ?? silentProgress,
  );
  return path;
}
