/**
 * The checksums the on-disk formats use: CRC-32 (GPT), CRC-32C (ext4 metadata_csum, raw form
 * without the final inversion, as e2fsprogs' `crc32c_le`) and CRC-16/ARC (ext4 `uninit_bg`).
 */

function table32(poly: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

const CRC32_TABLE = table32(0xedb88320);
const CRC32C_TABLE = table32(0x82f63b78);
const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** The standard CRC-32 (zlib, GPT) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC32_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** CRC-32C continued from `seed` over `bytes`, without pre- or post-inversion (e2fsprogs' `ext2fs_crc32c_le`). */
export function crc32cRaw(seed: number, bytes: Uint8Array): number {
  let c = seed >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC32C_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

/** CRC-32C continued from `seed` over the little-endian u32 `value`. */
export function crc32cU32(seed: number, value: number): number {
  const bytes = new Uint8Array([value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff]);
  return crc32cRaw(seed, bytes);
}

/** CRC-16/ARC continued from `seed` over `bytes` (e2fsprogs' `ext2fs_crc16`). */
export function crc16(seed: number, bytes: Uint8Array): number {
  let c = seed & 0xffff;
  for (let i = 0; i < bytes.length; i++) c = (CRC16_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)) & 0xffff;
  return c;
}
