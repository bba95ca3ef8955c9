/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as VHDX checksums its structures. */

/** The byte-at-a-time lookup table, built on first use. */
let table: Uint32Array | null = null;

function buildTable(): Uint32Array {
  const built = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    built[n] = c >>> 0;
  }
  return built;
}

/**
 * The CRC-32C of `bytes`, with the 4 bytes at `skipAt` (a checksum field) taken as zeros when
 * `skipAt` is given.
 */
export function crc32c(bytes: Uint8Array, skipAt = -1): number {
  table ??= buildTable();
  const lookup = table;
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.byteLength; i++) {
    const byte = skipAt >= 0 && i >= skipAt && i < skipAt + 4 ? 0 : bytes[i]!;
    crc = lookup[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}
