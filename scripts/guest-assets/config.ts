/**
 * What the guest is built from and the fixed values that make the build reproducible: the Debian
 * suite and packages, the kernel modules in load order, file names, and the time stamp, owner and
 * identity every built file gets.
 */

/** The mirror used when `QEDISK_DEBIAN_MIRROR` is not set (the one apt uses on Debian machines). */
export const DEFAULT_DEBIAN_MIRROR = 'http://deb.debian.org/debian';
/** Environment variable naming another mirror (a local one, or one reachable through a proxy). */
export const MIRROR_ENV = 'QEDISK_DEBIAN_MIRROR';
/** Environment variable naming the download cache folder (default `.cache/guest-assets` in the checkout). */
export const CACHE_ENV = 'QEDISK_GUEST_CACHE';

/** The Debian release, component and architecture (v86 runs 32-bit x86 only). */
export const SUITE = 'bookworm';
export const COMPONENT = 'main';
export const ARCHITECTURE = 'i386';

/** The kernel metapackage; its `Depends` names the current ABI package (`linux-image-6.1.0-NN-686`). */
export const KERNEL_METAPACKAGE = 'linux-image-686';
/** The other packages the guest needs. */
export const BUSYBOX_PACKAGE = 'busybox-static';
export const SEABIOS_PACKAGE = 'seabios';
export const VGABIOS_PACKAGE = 'vgabios';

/** Files taken from the packages (paths inside their data archives, without the leading `./`). */
export const SEABIOS_PATH = 'usr/share/seabios/bios.bin';
export const VGABIOS_PATH = 'usr/share/vgabios/vgabios.bin';
export const BUSYBOX_PATH = 'bin/busybox';

/**
 * The kernel modules the initramfs loads, in load order (each one's dependencies first), as paths
 * under `lib/modules/<version>/kernel/` without `.ko`: ATA/SCSI disk, then ext4 (which serves ext2).
 */
export const KERNEL_MODULES = [
  'drivers/scsi/scsi_common', 'drivers/scsi/scsi_mod', 'drivers/ata/libata', 'drivers/ata/ata_piix',
  'crypto/crct10dif_common', 'crypto/crct10dif_generic', 'lib/crc-t10dif', 'lib/crc64',
  'crypto/crc64_rocksoft_generic', 'lib/crc64-rocksoft', 'block/t10-pi', 'drivers/scsi/sd_mod', 'lib/crc16',
  'fs/mbcache', 'fs/jbd2/jbd2', 'crypto/crc32c_generic', 'fs/ext4/ext4',
] as const;

/** The files of `demo/assets/guest/` the build writes (the stamp and the base image aside). */
export const GUEST_FILES = {
  seabios: 'seabios.bin',
  vgabios: 'vgabios.bin',
  kernel: 'vmlinuz-686.bin',
  initramfs: 'initramfs.cpio.gz',
  bootSector: 'boot-sector-test.bin',
  sums: 'sha256sums.txt',
  kernelPackage: 'KERNEL_PACKAGE',
} as const;
/** The files `sha256sums.txt` lists: the ones v86 boots the Linux guest from (saved states are keyed by them). */
export const SUMMED_FILES = [GUEST_FILES.seabios, GUEST_FILES.vgabios, GUEST_FILES.kernel, GUEST_FILES.initramfs] as const;
/** The shared base root file system, beside the guest files. */
export const BASE_IMAGE_FILE = 'base-rootfs.ext2';

/** Every file and directory built gets this modification time (seconds since the epoch). */
export const BUILD_TIME_S = 1_700_000_000;

/** The base image: 64 MiB ext2, 4 KiB blocks, 2048 inodes, no reserved blocks, fixed identity. */
export const BASE_IMAGE = {
  sizeBytes: 64 * 1024 * 1024,
  blockSizeBytes: 4096,
  inodeCount: 2048,
  label: 'qedisk-base',
  uuid: '5eed0b15-9ed1-4a5e-b45e-000000000001',
  hashSeed: '5eed0b15-9ed1-4a5e-b45e-000000000002',
  timestamp: BUILD_TIME_S,
} as const;

/** Caps on what the build reads before it allocates (far above Debian's real sizes). */
export const LIMITS = {
  /** InRelease / Release. */
  releaseBytes: 16 * 1024 * 1024,
  /** A decompressed Packages index (bookworm i386: about 47 MiB). */
  packagesBytes: 512 * 1024 * 1024,
  /** A .deb (the kernel: about 50 MiB). */
  debBytes: 1024 * 1024 * 1024,
  /** One file kept from a package (the kernel image: about 6 MiB). */
  keptFileBytes: 64 * 1024 * 1024,
} as const;
