/**
 * The page's calls to the disk worker about VM saves, typed by request kind. The worker API has
 * one method for all of them (`DiskWorkerApi.vmSaves`); its answer is narrowed here to the kind
 * asked, which is what the worker's `serveVmRequest` returns for it.
 */
import type { VmWorkerReplies, VmWorkerReply, VmWorkerRequest } from '../../protocol/vm-saves.ts';
import { callWorker } from '../worker-connection.ts';

/** Sends `request` to the disk worker; rejects with its typed errors (revived). */
export async function callVmWorker<K extends VmWorkerRequest['kind']>(request: Extract<VmWorkerRequest, { kind: K }>): Promise<VmWorkerReplies[K]> {
  const reply = await callWorker<VmWorkerReply>(request.diskName, (api) => api.vmSaves(request));
  return reply as VmWorkerReplies[K];
}
