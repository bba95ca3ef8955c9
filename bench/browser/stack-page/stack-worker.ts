/**
 * The stack benchmark's disk worker: qedisk's worker plus two measurement devices (`raw`, a raw
 * OPFS file; `memory`, QED on a `MemoryFile`) and, on a control port the page sends as
 * `{ stackBenchControl: port }`, block requests by plain Comlink calls: the path the block lane
 * replaced, kept here only to measure what the lane buys.
 */
import * as Comlink from 'comlink';
import { startDiskWorker } from '../../../worker/start-disk-worker.ts';
import { diskFolder } from '../../../worker/opfs-folder.ts';
import { openMemoryDevice } from './memory-device.ts';
import { RawBaseline } from './raw-baseline.ts';

const disks = startDiskWorker({
  devices: {
    raw: async (name, options, lock) => RawBaseline.create(await diskFolder(), name, options.create?.size, lock),
    memory: openMemoryDevice,
  },
});

/** Block requests by Comlink, one round trip each, on the open disk named `name`. */
const comlinkPath = {
  async read(name: string, offset: number, length: number): Promise<Uint8Array<ArrayBuffer>> {
    const bytes = await disks.deviceNamed(name).read(offset, length);
    return Comlink.transfer(bytes, [bytes.buffer]);
  },
  write(name: string, offset: number, data: Uint8Array): Promise<void> {
    return disks.deviceNamed(name).write(offset, data);
  },
  writeZeroes(name: string, offset: number, length: number): Promise<void> {
    return disks.deviceNamed(name).writeZeroes(offset, length);
  },
  flush(name: string): Promise<void> {
    return disks.deviceNamed(name).flush();
  },
};

/** The type of the control port's API. */
export type ComlinkBlockPath = typeof comlinkPath;

self.addEventListener('message', (event: MessageEvent) => {
  const port: unknown = typeof event.data === 'object' && event.data !== null ? Reflect.get(event.data, 'stackBenchControl') : undefined;
  if (port instanceof MessagePort) Comlink.expose(comlinkPath, port);
});
