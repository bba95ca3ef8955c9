/**
 * The disks open in this worker, by the numeric id the page addresses them with. Both the Comlink
 * API (`DiskService`) and the block lane find their disk here.
 */
import { QedArgumentError, QedClosedError } from '../src/qed/errors.ts';
import { DiskSession } from './disk-session.ts';
import type { OpenDevice } from './open-device.ts';

/** Open disks by id: QED sessions, and any device a custom worker entry registered. */
export class OpenDisks {
  readonly #devices = new Map<number, OpenDevice>();
  #nextId = 1;

  /** Registers `device` and returns its new id. */
  add(device: OpenDevice): number {
    const id = this.#nextId++;
    this.#devices.set(id, device);
    return id;
  }

  /** The open disk `id`; throws `QedClosedError` when it is not open. */
  device(id: number): OpenDevice {
    const device = this.#devices.get(id);
    if (!device) throw new QedClosedError(`disk #${id} is not open (closed, or opened by a previous page)`);
    return device;
  }

  /** Forgets disk `id` and returns it, or undefined when it was not open. */
  remove(id: number): OpenDevice | undefined {
    const device = this.#devices.get(id);
    this.#devices.delete(id);
    return device;
  }

  /** The QED session of open disk `id`; `QedArgumentError` for another kind of device, which serves block requests only. */
  session(id: number): DiskSession {
    const device = this.device(id);
    if (!(device instanceof DiskSession)) throw new QedArgumentError(`disk "${device.name}" is a custom device: it only reads, writes, flushes and reports info`);
    return device;
  }

  /** The open device named `name` (a session or a custom device); `QedClosedError` when there is none. */
  deviceNamed(name: string): OpenDevice {
    for (const device of this.#devices.values()) if (device.name === name) return device;
    throw new QedClosedError(`disk "${name}" is not open in this worker`);
  }

  /** The QED session of disk `name` in this worker, or null. */
  sessionNamed(name: string): DiskSession | null {
    for (const device of this.#devices.values()) if (device.name === name && device instanceof DiskSession) return device;
    return null;
  }
}
