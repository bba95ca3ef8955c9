/**
 * The backing spec of a new overlay on an HTTP base, from the format the page declared. A QED
 * header records only whether its base is raw, so a declared qcow2, VMDK, VHD, VHDX or VDI base
 * is recorded unmarked (QEMU and qedisk then probe it, and find that format); it is probed once
 * here, through the disk's backing chain (fetching the few bytes the probe reads), and refused
 * when its bytes say otherwise.
 */
import type { BackingSpec } from '../../src/engine/types.ts';
import { type ImageFormat, probeImageFormat } from '../../src/formats/index.ts';
import { KEPT_IMAGE_FORMATS } from '../../src/protocol/base-names.ts';
import type { BaseFormat } from '../../src/protocol/types.ts';
import { QedArgumentError, QedBackingError } from '../../src/qed/errors.ts';
import type { BackingChain } from '../backing-chain.ts';
import { describeFormat } from './open-source-image.ts';

/**
 * The spec for HTTP base `url` (absolute, already allowed) declared as `format`. Rejects with
 * `QedArgumentError` for an unknown format, `QedBackingError` when the base's bytes are not of
 * the declared format, and what opening the base throws (`QedIoError` offline, ...).
 */
export async function checkedUrlBase(url: string, format: BaseFormat, chain: BackingChain): Promise<BackingSpec> {
  if (format === 'raw' || format === 'qed' || format === 'probe') return { name: url, format };
  if (!KEPT_IMAGE_FORMATS.includes(format)) throw new QedArgumentError(`base format ${JSON.stringify(String(format))} must be one of raw, qed, probe, ${KEPT_IMAGE_FORMATS.join(', ')}`);
  const found = await chain.open(() => {
    const file = chain.resolve({ name: url, format: 'probe', depth: 1 });
    try {
      // As QEMU probes a backing file (a fixed VHD reads as raw, footer included).
      return probeImageFormat(file, { fixedVhd: false });
    } finally {
      file.close();
    }
  });
  if (found !== format) throw new QedBackingError(`the base at ${url} was declared ${describeFormat(format)} but ${describeFound(found)}`);
  return { name: url, format: 'probe' };
}

/** What the probe found, for the message. */
function describeFound(found: ImageFormat): string {
  if (found === 'raw') return 'has no image header (it reads as raw; a fixed VHD does too, as QEMU reads it: declare it raw)';
  return `is a ${describeFormat(found)} image`;
}
