import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { NodeFile } from '../../src/backends/node-file.ts';
import type { SyncFile } from '../../src/engine/sync-file.ts';
import { SPARSE_ONLY_CASES, syncFileContract } from './sync-file-contract.ts';

const directory = mkdtempSync(join(tmpdir(), 'qedisk-contract-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const backends: Array<{ name: string; make: (caseIndex: number) => SyncFile; sparse: boolean }> = [
  { name: 'MemoryFile', make: () => new MemoryFile(), sparse: false },
  { name: 'NodeFile', make: (i) => NodeFile.open(join(directory, `case-${i}.bin`), 'create'), sparse: true },
];

for (const backend of backends) {
  describe(`SyncFile contract: ${backend.name}`, () => {
    syncFileContract.forEach((contractCase, index) => {
      const skip = !backend.sparse && SPARSE_ONLY_CASES.has(contractCase.name);
      it.skipIf(skip)(contractCase.name, () => {
        const file = backend.make(index);
        try {
          contractCase.run(file);
        } finally {
          file.close();
        }
      });
    });
  });
}
