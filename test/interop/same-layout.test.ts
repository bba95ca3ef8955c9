/**
 * Same requests, same bytes: qedisk lays out files exactly as QEMU does (data extent, then new
 * L2 table, appended at the end of the file), so running one request sequence through
 * `qemu-img create` + `qemu-io` and through qedisk gives byte-identical files.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeFile, QedImage, nodeBackingResolver } from '../../src/node.ts';
import { Rng } from './prng.ts';
import { qemuCheck, qemuCreate, qemuImg, qemuIo } from './qemu.ts';
import { fileBytes, firstDifference, makeScratch } from './scratch.ts';

const K = 1024;
const M = 1024 * K;
const scratch = makeScratch('same-layout');
beforeAll(() => {
  writeFileSync(scratch.path('base.raw'), new Rng(9).bytes(3 * M));
  qemuCreate(scratch.path('base.qed'), { size: 3 * M, clusterSize: 4 * K, tableSize: 2 });
  qemuIo(scratch.path('base.qed'), ['write -q -P 0x5b 0 200k']);
});
afterAll(() => scratch.remove());

/** A data write (`P` fills with a byte) or a zero write, at a guest offset, in bytes. */
type Request = readonly ['P', value: number, offset: number, length: number] | readonly ['z', offset: number, length: number];

/** A request sequence on one geometry. */
interface Sequence {
  readonly name: string;
  readonly clusterSize: number;
  readonly tableSize: number;
  readonly size: number;
  readonly backing?: { name: string; format: 'raw' | 'qed' };
  readonly requests: readonly Request[];
}

const SEQUENCES: readonly Sequence[] = [
  { name: 'aligned data writes', clusterSize: 64 * K, tableSize: 4, size: 8 * M, requests: [['P', 0xab, 0, 128 * K], ['P', 0xcd, M, 64 * K]] },
  { name: 'unaligned data writes', clusterSize: 64 * K, tableSize: 4, size: 8 * M, requests: [['P', 0xab, 1000, 100 * K], ['P', 0xcd, 5 * M + 7, 3]] },
  {
    name: 'aligned and unaligned zero writes',
    clusterSize: 4 * K,
    tableSize: 2,
    size: 9 * M,
    requests: [['z', 0, 64 * K], ['P', 1, 4 * K, 4 * K], ['z', 0, 64 * K], ['z', 100, 9000]],
  },
  { name: 'a write across an L2 table boundary', clusterSize: 4 * K, tableSize: 2, size: 9 * M, requests: [['P', 2, 4 * M - 5000, 10000]] },
  {
    name: 'writes over a raw backing file',
    clusterSize: 64 * K,
    tableSize: 4,
    size: 8 * M,
    backing: { name: 'base.raw', format: 'raw' },
    requests: [['P', 0xab, 1000, 100 * K], ['z', 128 * K, 128 * K], ['P', 3, 2 * M + 5, 5000]],
  },
  {
    name: 'writes over a QED backing file',
    clusterSize: 8 * K,
    tableSize: 8,
    size: 4 * M + 512,
    backing: { name: 'base.qed', format: 'qed' },
    requests: [['P', 0xab, 190 * K, 20 * K], ['z', 64 * K, 64 * K], ['P', 4, 4 * M - 100, 600]],
  },
];

/** The qemu-io command for a request. */
function command(request: Request): string {
  return request[0] === 'P' ? `write -q -P ${request[1]} ${request[2]} ${request[3]}` : `write -q -z ${request[1]} ${request[2]}`;
}

/** Runs `sequence` through qedisk into `path`. */
function runWithQedisk(path: string, sequence: Sequence): void {
  const { clusterSize, tableSize, size, backing } = sequence;
  const image = QedImage.create(NodeFile.open(path, 'create'), { size, clusterSize, tableSize, ...(backing ? { backing, resolveBacking: nodeBackingResolver(path) } : {}) });
  try {
    for (const request of sequence.requests) {
      if (request[0] === 'P') image.write(request[2], new Uint8Array(request[3]).fill(request[1]));
      else image.writeZeroes(request[1], request[2]);
    }
  } finally {
    image.close();
  }
}

describe('qedisk and QEMU given the same requests', () => {
  SEQUENCES.forEach((sequence, index) => {
    it(`write byte-identical files for ${sequence.name}`, () => {
      const theirs = scratch.path(`seq-${index}-qemu.qed`);
      const ours = scratch.path(`seq-${index}-qedisk.qed`);
      const { clusterSize, tableSize, size, backing } = sequence;
      qemuCreate(theirs, { size, clusterSize, tableSize, ...(backing ? { backing } : {}) });
      runWithQedisk(ours, { ...sequence, requests: [] });
      expect(firstDifference(fileBytes(ours), fileBytes(theirs)), 'freshly created').toBeNull();
      qemuIo(theirs, sequence.requests.map(command));
      runWithQedisk(ours, sequence);
      expect(firstDifference(fileBytes(ours), fileBytes(theirs)), 'after the requests').toBeNull();
    });
  });

  it('read alike after zeroing up to an unaligned end of the disk', () => {
    // Layouts differ here on purpose: QEMU writes the partial last cluster as a zero-filled data
    // cluster; qedisk makes it a zero cluster (entry 1), which reads the same.
    const sequence: Sequence = { name: 'tail', clusterSize: 64 * K, tableSize: 4, size: 3 * M + 512, requests: [['z', 3 * M - 1000, 1512]] };
    const theirs = scratch.path('tail-qemu.qed');
    const ours = scratch.path('tail-qedisk.qed');
    qemuCreate(theirs, { size: sequence.size, clusterSize: sequence.clusterSize, tableSize: sequence.tableSize });
    qemuIo(theirs, sequence.requests.map(command));
    runWithQedisk(ours, sequence);
    expect(qemuCheck(ours).status).toBe(0);
    expect(qemuImg(['compare', '-f', 'qed', '-F', 'qed', ours, theirs], [0, 1]).status).toBe(0);
  });
});
