/**
 * The guest files the demo boots, served from `demo/assets/guest/` (built from Debian packages by
 * `scripts/ensure-guest-assets.mjs`; never committed). Each file is fetched once per page.
 */

/** Where the files are served. */
const BASE_URL = '/demo/assets/guest/';

/** The files of the guests. */
export type GuestFile = 'seabios.bin' | 'vgabios.bin' | 'vmlinuz-686.bin' | 'initramfs.cpio.gz' | 'boot-sector-test.bin' | 'sha256sums.txt';

const cache = new Map<GuestFile, Promise<ArrayBuffer>>();

/** The bytes of `name`. Rejects with a hint to build the files when the server does not have them. */
export function guestFile(name: GuestFile): Promise<ArrayBuffer> {
  let loading = cache.get(name);
  if (!loading) {
    loading = fetch(BASE_URL + name).then(async (response) => {
      const type = response.headers.get('content-type') ?? '';
      if (!response.ok || type.includes('text/html')) {
        throw new Error(`guest file ${name} is missing: run "npm start" or "node scripts/ensure-guest-assets.mjs" (Node alone builds them, no root needed)`);
      }
      return response.arrayBuffer();
    });
    loading.catch(() => cache.delete(name));
    cache.set(name, loading);
  }
  return loading;
}

/** The contents of text file `name` (UTF-8). */
export async function guestText(name: GuestFile): Promise<string> {
  return new TextDecoder().decode(await guestFile(name));
}
