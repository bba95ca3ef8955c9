// A consumer's page code, compiled by the consumer's own tsc with strict flags and skipLibCheck off.
import { type Disk, DiskBusyError, type OpenDiskOptions, QedRangeError, configureDiskWorker, importDisk, listDisks, openDisk, openMemoryDisk, toV86Disk } from 'qedisk';

const options: OpenDiskOptions = { create: { size: 1 << 20 } };

export async function use(): Promise<number> {
  const disk: Disk = await openDisk('x', options);
  await disk.write(0, new Uint8Array(512), { transfer: true });
  const bytes = await disk.read(0, 512);
  await importDisk('y', new Blob([bytes]));
  const adapter = await toV86Disk(disk);
  const memory = await openMemoryDisk({ size: 1 << 20 });
  await memory.close();
  try {
    await disk.read(-1, 1);
  } catch (error) {
    if (error instanceof QedRangeError || error instanceof DiskBusyError) return error.name.length;
  }
  configureDiskWorker(new URL('./disk-worker.js', import.meta.url));
  return adapter.byteLength + (await listDisks()).length;
}
