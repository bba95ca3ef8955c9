import { expect, test } from './driver/index.ts';
import { removeFixture, writeFixture } from './harness/base-fixtures.ts';
import { baseBytes } from './harness/base-model.ts';
import { openHarness } from './harness/pages.ts';

const KIB = 1024;
const MIB = 1024 * KIB;
/** 4 MiB bases; overlays with 64 KiB clusters. */
const SIZE = 4 * MIB;
const SEED = 4242;

test.describe('reset and snapshots', () => {
  test.beforeEach(async ({ page }) => {
    await openHarness(page);
    await page.evaluate(() => window.harness.resetStorage());
  });

  test.afterAll(() => {
    for (const name of ['reset.raw']) removeFixture(name);
  });

  test('reset brings back the pristine base with a new empty overlay, open or closed, and keeps an HTTP base cache', async ({ page }) => {
    const url = writeFixture('reset.raw', baseBytes(SIZE, SEED + 1));
    const result = await page.evaluate(
      async ({ size, seed, url, mib }) => {
        const { qedisk, model, baseBytes, compareWholeDisk } = window.harness;
        const base = await qedisk.openDisk('base', { create: { size } });
        await base.write(0, baseBytes(size, seed));
        await base.close();
        const resetWithoutBase = await window.harness.errorOf(() => qedisk.resetDisk('base'));
        const fresh = await qedisk.openDisk('fresh', { create: { base: { kind: 'opfs', name: 'base' } } });
        const freshSize = (await fresh.info()).physicalSize;
        await fresh.close();

        const disk = await qedisk.openDisk('work', { create: { base: { kind: 'opfs', name: 'base' } } });
        await disk.write(0, model.patternBytes(2 * mib, 1));
        const written = await disk.info();
        await qedisk.resetDisk('work'); // while open: the same Disk goes on, on the new overlay
        const afterLiveReset = await disk.info();
        const liveDifference = await compareWholeDisk(disk, baseBytes(size, seed));
        await disk.write(mib, model.patternBytes(65536, 2));
        await disk.close();
        await qedisk.resetDisk('work'); // closed
        const reopened = await qedisk.openDisk('work');
        const closedDifference = await compareWholeDisk(reopened, baseBytes(size, seed));
        const afterClosedReset = await reopened.info();
        await reopened.close();

        const web = await qedisk.openDisk('web', { create: { base: { kind: 'url', url, format: 'raw' } } });
        await web.write(0, await web.read(mib, mib));
        const beforeWebReset = (await web.info()).remoteBase;
        await qedisk.resetDisk('web');
        const webRead = await web.read(mib, mib);
        const afterWebReset = await web.info();
        await web.close();
        return {
          resetWithoutBase,
          freshSize,
          written: written.physicalSize,
          afterLiveReset: [afterLiveReset.physicalSize, afterLiveReset.allocatedBytes, afterLiveReset.backingFile],
          liveDifference,
          closedDifference,
          afterClosedReset: [afterClosedReset.physicalSize, afterClosedReset.allocatedBytes],
          beforeWebReset,
          afterWebReset: [afterWebReset.remoteBase, afterWebReset.allocatedBytes, afterWebReset.backingFile],
          webDifference: model.firstDifference(webRead, baseBytes(size, seed + 1).subarray(mib, 2 * mib)),
        };
      },
      { size: SIZE, seed: SEED, url, mib: MIB },
    );
    expect(result.resetWithoutBase).toMatchObject({ name: 'QedArgumentError', isQedError: true });
    expect(result.written).toBeGreaterThan(2 * MIB);
    expect(result.freshSize).toBeLessThan(512 * KIB);
    expect(result.afterLiveReset).toEqual([result.freshSize, 0, 'base.qed']);
    expect(result.liveDifference).toBe(-1);
    expect(result.closedDifference).toBe(-1);
    expect(result.afterClosedReset).toEqual([result.freshSize, 0]);
    // The base cache survives a reset: the same read fetches nothing new.
    expect(result.afterWebReset[0]).toMatchObject({ cachedBytes: result.beforeWebReset?.cachedBytes, bytesFetched: result.beforeWebReset?.bytesFetched });
    expect(result.afterWebReset[1]).toBe(0);
    expect(result.afterWebReset[2]).toBe(new URL(url, page.url()).href);
    expect(result.webDifference).toBe(-1);
  });

  test('a snapshot freezes a state that restore brings back, across a reload; deleting refuses snapshots still in use', async ({ page }) => {
    const first = await page.evaluate(
      async ({ size, seed, mib }) => {
        const { qedisk, model, baseBytes, compareWholeDisk, errorOf } = window.harness;
        await qedisk.importDisk('base', new Blob([baseBytes(size, seed)]), { keepRaw: true });
        const disk = await qedisk.openDisk('work', { create: { base: { kind: 'opfs', name: 'base' } } });
        const stateA = baseBytes(size, seed);
        const a = model.patternBytes(mib, 10);
        await disk.write(mib / 2, a.slice());
        stateA.set(a, mib / 2);
        const s1 = await qedisk.snapshotDisk('work', 'after A');
        const b = model.patternBytes(mib, 11);
        await disk.write(mib, b.slice());
        const s2 = await qedisk.snapshotDisk('work', 'after B');
        await disk.write(0, model.patternBytes(3 * mib, 12));
        await disk.close();
        await qedisk.restoreSnapshot('work', s1.id);
        const reopened = await qedisk.openDisk('work');
        const restored = await compareWholeDisk(reopened, stateA);
        const info = await reopened.info();
        await reopened.close();
        const listed = await qedisk.listSnapshots('work');
        const deleteInUse = await errorOf(() => qedisk.deleteSnapshot('work', s1.id));
        const restoreUnknown = await errorOf(() => qedisk.restoreSnapshot('work', '12345'));
        const restoreBadId = await errorOf(() => qedisk.restoreSnapshot('work', '../work'));
        await qedisk.deleteSnapshot('work', s2.id); // nothing sits on it since the restore
        return { s1, s2, restored, chain: info.chain?.map((level) => [level.name, level.kind]), listed, deleteInUse, restoreUnknown, restoreBadId, left: (await qedisk.listSnapshots('work')).map((s) => s.label) };
      },
      { size: SIZE, seed: SEED, mib: MIB },
    );
    expect(first.restored).toBe(-1);
    expect(first.s1).toMatchObject({ label: 'after A', parentId: null, current: true });
    expect(first.s2).toMatchObject({ label: 'after B', parentId: first.s1.id, current: true });
    expect(first.chain).toEqual([
      [`work.${first.s1.id}.qsnap`, 'snapshot'],
      ['base.raw', 'raw'],
    ]);
    expect(first.listed.map((s) => [s.id, s.label, s.parentId, s.current, s.dependents])).toEqual([
      [first.s1.id, 'after A', null, true, [`work.${first.s2.id}.qsnap`, 'work.qed']],
      [first.s2.id, 'after B', first.s1.id, false, []],
    ]);
    expect(first.deleteInUse).toMatchObject({ name: 'DiskInUseError', diskName: 'work', isQedError: true });
    expect(first.restoreUnknown).toMatchObject({ name: 'SnapshotNotFoundError', diskName: 'work' });
    expect(first.restoreBadId).toMatchObject({ name: 'SnapshotNotFoundError' });
    expect(first.left).toEqual(['after A']);

    await openHarness(page, { reload: true });
    const second = await page.evaluate(
      async ({ size, seed, mib }) => {
        const { qedisk, model, baseBytes, compareWholeDisk } = window.harness;
        const stateA = baseBytes(size, seed);
        stateA.set(model.patternBytes(mib, 10), mib / 2);
        const disk = await qedisk.openDisk('work');
        const stillA = await compareWholeDisk(disk, stateA);
        await disk.write(0, model.patternBytes(65536, 13));
        await disk.close();
        await qedisk.resetDisk('work');
        const disk2 = await qedisk.openDisk('work');
        const pristine = await compareWholeDisk(disk2, baseBytes(size, seed));
        await disk2.close();
        const [snapshot] = await qedisk.listSnapshots('work');
        if (snapshot) await qedisk.deleteSnapshot('work', snapshot.id); // free since the reset
        await qedisk.deleteDisk('work');
        return { stillA, pristine, snapshot, left: (await qedisk.listDisks()).map((record) => record.name) };
      },
      { size: SIZE, seed: SEED, mib: MIB },
    );
    expect(second.stillA).toBe(-1);
    expect(second.pristine).toBe(-1);
    expect(second.snapshot).toMatchObject({ label: 'after A', current: false, dependents: [] });
    expect(second.left).toEqual(['base']);
  });

  test('a chain of 8 snapshots reads correctly, and repeated reads touch only the level holding the data', async ({ page }) => {
    const levels = 8;
    const result = await page.evaluate(
      async ({ size, seed, levels }) => {
        const { qedisk, model, baseBytes, compareWholeDisk } = window.harness;
        const cluster = 65536;
        const base = await qedisk.openDisk('base', { create: { size, clusterSize: cluster } });
        const expected = baseBytes(size, seed);
        await base.write(0, expected.slice());
        await base.close();
        const disk = await qedisk.openDisk('deep', { create: { base: { kind: 'opfs', name: 'base' }, clusterSize: cluster } });
        // Level i writes cluster 4 + i (its own) and cluster 2 (overwritten by every later level).
        for (let level = 0; level < levels; level++) {
          for (const index of [4 + level, 2]) {
            const bytes = model.patternBytes(cluster, 1000 + level * 10 + index);
            await disk.write(index * cluster, bytes.slice());
            expected.set(bytes, index * cluster);
          }
          await qedisk.snapshotDisk('deep', `level ${level}`);
        }
        const top = model.patternBytes(4096, 7);
        await disk.write(cluster, top.slice()); // the live overlay holds data too (and an L2 table)
        expected.set(top, cluster);
        await disk.close();

        const reopened = await qedisk.openDisk('deep');
        const started = performance.now();
        const difference = await compareWholeDisk(reopened, expected);
        const chainReadMs = performance.now() - started;
        // Clusters whose data lives in: the top (1), the newest snapshot (2), each snapshot (4..11), the base (0, 12).
        const probes = [0, 1, 2, ...Array.from({ length: levels }, (_, i) => 4 + i), 12];
        for (const index of probes) await reopened.read(index * cluster, cluster); // warm the caches
        const before = await reopened.info();
        const rounds = 10;
        let mismatches = 0;
        for (let round = 0; round < rounds; round++) {
          for (const index of probes) {
            const got = await reopened.read(index * cluster, cluster);
            if (model.firstDifference(got, expected.subarray(index * cluster, (index + 1) * cluster)) >= 0) mismatches++;
          }
        }
        const after = await reopened.info();
        await reopened.close();
        return { difference, chainReadMs, mismatches, rounds, probes, before, after, snapshots: (await qedisk.listSnapshots('deep')).map((s) => s.label) };
      },
      { size: SIZE, seed: SEED, levels },
    );
    expect(result.difference).toBe(-1);
    expect(result.mismatches).toBe(0);
    expect(result.snapshots).toEqual(Array.from({ length: levels }, (_, i) => `level ${i}`));
    const chainBefore = result.before.chain ?? [];
    const chainAfter = result.after.chain ?? [];
    expect(chainAfter.map((level) => level.kind)).toEqual([...Array<string>(levels).fill('snapshot'), 'disk']);
    // Per request, exactly one file read below the top, at the level that holds the cluster: every
    // level above it answers from its L2 cache; no level re-reads its tables.
    const readsPerRound = chainAfter.map(() => 0);
    readsPerRound[0] = 1; // cluster 2, rewritten last by the newest snapshot
    for (let level = 0; level < levels; level++) readsPerRound[levels - 1 - level] = (readsPerRound[levels - 1 - level] ?? 0) + 1; // cluster 4 + level
    readsPerRound[levels] = 2; // clusters 0 and 12 from the base
    const deltas = chainAfter.map((level, i) => level.reads - (chainBefore[i]?.reads ?? 0));
    expect(deltas).toEqual(readsPerRound.map((reads) => reads * result.rounds));
    const top = { hits: result.after.io.l2Cache.hits - result.before.io.l2Cache.hits, misses: result.after.io.l2Cache.misses - result.before.io.l2Cache.misses };
    expect(top.misses).toBe(0);
    expect(top.hits).toBeGreaterThanOrEqual(result.rounds * result.probes.length);
    console.log(`[measure] chain of ${levels} snapshots over a base: whole ${SIZE}-byte disk read in ${result.chainReadMs.toFixed(0)} ms`);
  });
});
