/** ext2/3/4 on-disk constants: feature bits, inode flags and modes, fixed inode numbers. */

/** Byte offset of the primary superblock. */
export const SUPERBLOCK_OFFSET = 1024;
/** Bytes of a superblock. */
export const SUPERBLOCK_BYTES = 1024;
/** `s_magic`. */
export const EXT_MAGIC = 0xef53;
/** The root directory's inode number. */
export const ROOT_INODE = 2;
/** Bytes of the inode fields before `i_extra_isize`. */
export const GOOD_OLD_INODE_BYTES = 128;
/** Bytes of `i_block` (direct map, extent root, fast symlink or inline data). */
export const I_BLOCK_BYTES = 60;

/** `s_feature_compat` bits. */
export const COMPAT = { hasJournal: 0x4, extAttr: 0x8, resizeInode: 0x10, dirIndex: 0x20, sparseSuper2: 0x200, fastCommit: 0x400, stableInodes: 0x800, orphanFile: 0x1000 } as const;
/** `s_feature_incompat` bits. */
export const INCOMPAT = {
  compression: 0x1,
  filetype: 0x2,
  recover: 0x4,
  journalDev: 0x8,
  metaBg: 0x10,
  extents: 0x40,
  bit64: 0x80,
  mmp: 0x100,
  flexBg: 0x200,
  eaInode: 0x400,
  dirData: 0x1000,
  csumSeed: 0x2000,
  largeDir: 0x4000,
  inlineData: 0x8000,
  encrypt: 0x10000,
  casefold: 0x20000,
} as const;
/** `s_feature_ro_compat` bits. */
export const RO_COMPAT = {
  sparseSuper: 0x1,
  largeFile: 0x2,
  btreeDir: 0x4,
  hugeFile: 0x8,
  gdtCsum: 0x10,
  dirNlink: 0x20,
  extraIsize: 0x40,
  hasSnapshot: 0x80,
  quota: 0x100,
  bigalloc: 0x200,
  metadataCsum: 0x400,
  replica: 0x800,
  readonly: 0x1000,
  project: 0x2000,
  sharedBlocks: 0x4000,
  verity: 0x8000,
  orphanPresent: 0x10000,
} as const;

/** Incompatible features qedisk reads. */
export const READABLE_INCOMPAT = INCOMPAT.filetype | INCOMPAT.extents | INCOMPAT.bit64 | INCOMPAT.flexBg | INCOMPAT.csumSeed | INCOMPAT.largeDir | INCOMPAT.eaInode | INCOMPAT.mmp | INCOMPAT.inlineData;
/** Incompatible features qedisk writes (inline data only as long as no touched file uses it). */
export const WRITABLE_INCOMPAT = INCOMPAT.filetype | INCOMPAT.extents | INCOMPAT.bit64 | INCOMPAT.flexBg | INCOMPAT.csumSeed | INCOMPAT.largeDir;
/** Read-only-compatible features qedisk keeps correct when it writes. */
export const WRITABLE_RO_COMPAT =
  RO_COMPAT.sparseSuper | RO_COMPAT.largeFile | RO_COMPAT.btreeDir | RO_COMPAT.hugeFile | RO_COMPAT.gdtCsum | RO_COMPAT.dirNlink | RO_COMPAT.extraIsize | RO_COMPAT.metadataCsum;

/** `bg_flags` bits. */
export const BG = { inodeUninit: 0x1, blockUninit: 0x2, itableZeroed: 0x4 } as const;

/** `i_flags` bits. */
export const INODE_FLAG = { index: 0x1000, hugeFile: 0x40000, extents: 0x80000, eaInode: 0x200000, inlineData: 0x10000000, encrypt: 0x800 } as const;

/** File-type bits of `i_mode`. */
export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;

/** Directory-entry file-type codes (`filetype` feature). */
export const DIRENT_TYPE = { unknown: 0, file: 1, directory: 2, charDevice: 3, blockDevice: 4, fifo: 5, socket: 6, symlink: 7 } as const;

/** Extent header magic. */
export const EXTENT_MAGIC = 0xf30a;
/** Longest initialised extent, in blocks. */
export const MAX_EXTENT_BLOCKS = 32768;
/** Most link counts before `dir_nlink` stops counting (directories show 1 then). */
export const MAX_LINKS = 65000;
