/**
 * The v86 state of a VM save: gzip on the way into storage (`CompressionStream`), gunzip with a
 * size bound on the way out, and a check of the state's own layout that also finds what the
 * qedisk v86 adapter wrote into it (`get_state`), before the state goes anywhere near v86.
 */
import { ADAPTER_STATE_TAG, VmSaveFormatError } from '../../protocol/vm-saves.ts';

/** `save_state()` output starts with this magic (int32 LE) ... */
const V86_STATE_MAGIC = -2039052682;
/** ... then the format version, the total length and the info block's length (four int32). */
const V86_STATE_HEADER_BYTES = 16;
/** Deepest nesting of the info block walked when looking for the adapter's entries. */
const MAX_WALK_DEPTH = 64;

/** `state` gzipped. */
export function gzipState(state: ArrayBuffer): Promise<Blob> {
  return new Response(new Blob([state]).stream().pipeThrough(new CompressionStream('gzip'))).blob();
}

/**
 * The bytes gzipped in `packed`, which must be exactly `expectedBytes` long: `VmSaveFormatError`
 * for a damaged stream or any other length (decompression stops as soon as it runs over).
 */
export async function gunzipState(packed: Blob, expectedBytes: number): Promise<ArrayBuffer> {
  const out = new Uint8Array(expectedBytes);
  let at = 0;
  const reader = packed.stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (at + value.byteLength > expectedBytes) throw new VmSaveFormatError('the stored v86 state is longer than its manifest says');
      out.set(value, at);
      at += value.byteLength;
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error instanceof VmSaveFormatError ? error : new VmSaveFormatError(`the stored v86 state is damaged (${error instanceof Error ? error.message : String(error)})`);
  }
  if (at !== expectedBytes) throw new VmSaveFormatError(`the stored v86 state is ${at} bytes, its manifest says ${expectedBytes}`);
  return out.buffer;
}

/**
 * Checks that `state` is a complete `save_state()` result (magic, length, an info block that is
 * JSON, buffers inside the state) and returns the entries the qedisk adapter wrote into it
 * (`[tag, version, ...]` arrays; none for a state of a machine without a qedisk disk).
 * Throws `VmSaveFormatError`.
 */
export function adapterEntriesOf(state: ArrayBuffer): unknown[][] {
  if (state.byteLength < V86_STATE_HEADER_BYTES) throw new VmSaveFormatError('the v86 state is too short');
  const header = new Int32Array(state, 0, 4);
  const [magic, , total, infoBytes] = header;
  if (magic !== V86_STATE_MAGIC || total !== state.byteLength || infoBytes === undefined || infoBytes <= 0 || V86_STATE_HEADER_BYTES + infoBytes > state.byteLength) {
    throw new VmSaveFormatError('the v86 state has a bad header');
  }
  let info: unknown;
  try {
    info = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(state, V86_STATE_HEADER_BYTES, infoBytes)));
  } catch {
    throw new VmSaveFormatError('the v86 state info block is not JSON');
  }
  const buffers: unknown = typeof info === 'object' && info !== null ? Reflect.get(info, 'buffer_infos') : undefined;
  if (!Array.isArray(buffers) || !('state' in (info as object))) throw new VmSaveFormatError('the v86 state info block lacks its fields');
  const buffersStart = (V86_STATE_HEADER_BYTES + infoBytes + 3) & ~3;
  for (const entry of buffers as unknown[]) {
    const offset: unknown = typeof entry === 'object' && entry !== null ? Reflect.get(entry, 'offset') : undefined;
    const length: unknown = typeof entry === 'object' && entry !== null ? Reflect.get(entry, 'length') : undefined;
    const fits = typeof offset === 'number' && typeof length === 'number' && Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0 && buffersStart + offset + length <= state.byteLength;
    if (!fits) throw new VmSaveFormatError('a buffer of the v86 state lies outside it');
  }
  const found: unknown[][] = [];
  walk(Reflect.get(info as object, 'state'), 0, found);
  return found;
}

/** Collects the arrays under `value` whose first element is the adapter's tag. */
function walk(value: unknown, depth: number, found: unknown[][]): void {
  if (depth > MAX_WALK_DEPTH || typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    if (value[0] === ADAPTER_STATE_TAG) {
      found.push(value as unknown[]);
      return;
    }
    for (const item of value as unknown[]) walk(item, depth + 1, found);
    return;
  }
  for (const item of Object.values(value)) walk(item, depth + 1, found);
}
