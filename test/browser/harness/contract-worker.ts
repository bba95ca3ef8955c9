/**
 * Harness worker: runs the shared `SyncFile` contract against `OpfsFile`, each case on a fresh
 * OPFS file, and reports every case's name and outcome (exposed with Comlink).
 */
import * as Comlink from 'comlink';
import { OpfsFile } from '../../../src/backends/opfs-file.ts';
import { syncFileContract } from '../../contract/sync-file-contract.ts';

/** The outcome of one contract case. */
export interface CaseOutcome {
  /** The case's name. */
  name: string;
  /** True when it passed. */
  passed: boolean;
  /** The failure, when it failed. */
  error: string | null;
}

/** Runs every contract case on its own new OPFS file in folder `contract`, then removes the folder. */
async function runContract(): Promise<CaseOutcome[]> {
  const root = await navigator.storage.getDirectory();
  const folder = await root.getDirectoryHandle('contract', { create: true });
  const outcomes: CaseOutcome[] = [];
  for (const [index, contractCase] of syncFileContract.entries()) {
    const fileName = `case-${index}.bin`;
    const file = await OpfsFile.open(await folder.getFileHandle(fileName, { create: true }));
    try {
      contractCase.run(file);
      outcomes.push({ name: contractCase.name, passed: true, error: null });
    } catch (error) {
      outcomes.push({ name: contractCase.name, passed: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    } finally {
      file.close();
      await folder.removeEntry(fileName);
    }
  }
  await root.removeEntry('contract', { recursive: true });
  return outcomes;
}

/** What the worker exposes. */
export const contractWorkerApi = { runContract };

Comlink.expose(contractWorkerApi);
