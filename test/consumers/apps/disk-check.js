// What every consumer page runs: open a disk, write, read back, close, reopen, read through the
// v86 adapter, delete it. The page's test reads `window.result`. QEDISK_IMPORT is replaced by the
// app's way of importing qedisk.
import { deleteDisk, openDisk, toV86Disk } from 'QEDISK_IMPORT';

const same = (a, b) => a.length === b.length && a.every((value, index) => value === b[index]);

async function check() {
  const disk = await openDisk('consumer', { create: { size: 8 * 1024 * 1024 } });
  const data = new Uint8Array(4096).map((_, index) => (index * 7 + 3) & 0xff);
  await disk.write(8192, data);
  const back = await disk.read(8192, 4096);
  await disk.close();
  const again = await openDisk('consumer');
  const adapter = await toV86Disk(again);
  const throughV86 = await new Promise((resolve) => adapter.get(8192, 4096, resolve));
  await again.close();
  await deleteDisk('consumer');
  return { readBack: same(back, data), throughV86: same(throughV86, data), size: again.size };
}

window.result = check().catch((error) => ({ error: `${error.name}: ${error.message}` }));
