/**
 * Node side: one kill point. Opens a disk in a harness page, runs a seeded stream on it, kills
 * the page (however the spec says) in the middle, reopens the disk in a fresh page and judges
 * what it reads against what the Node side heard completed.
 */
import type { Page } from '../driver/index.ts';
import type { Inspection } from './harness.ts';
import { type LandingOrder, type StreamKnowledge, type Verdict, judgeRecovered, qemuCheck } from './oracle.ts';
import { type StreamReports, decodeBase64 } from './pages.ts';
import { STREAM_DISK } from './stream.ts';

/** Ops a stream may send at most; a kill is meant to land long before. */
export const STREAM_END = 4000;

/** Requests a stream keeps in flight. */
export const STREAM_WINDOW = 16;

/** When to kill: after `settled` ops were heard to settle, or right after sending a burst of `burst` ops at once. */
export type KillTiming = { settled: number } | { burst: number };

/** One kill point. */
export interface KillPoint {
  /** Seed of the stream. */
  seed: number;
  /** When the kill comes. */
  timing: KillTiming;
}

/** What happened at a kill point. */
export interface KillResult {
  /** What the Node side knew when the page died. */
  known: StreamKnowledge;
  /** Ops heard to fail before the kill (none expected). */
  failures: string[];
  /** True when the page reported the end of the stream before it died (the kill came too late). */
  streamEnded: boolean;
  /** The disk as reopened. */
  inspection: Inspection;
  /** Every guest byte after reopening. */
  content: Uint8Array;
  /** What the oracle required of the ops not heard complete: an overlay's group commits may land them in any order. */
  order: LandingOrder;
  /** The oracle's verdict. */
  verdict: Verdict;
  /** `qemu-img check` exit status of the file the dead page left. */
  qemuStatus: number;
  /** `qemu-img check` output, for failure messages. */
  qemuOutput: string;
  /** The page the disk was reopened in (it has the disk closed again). */
  page: Page;
}

/**
 * Runs kill point `point` on disk `disk` (created when `create`), which holds `initial`.
 * `page` must show the harness, with `reports` attached to its context. `kill` kills `page` and
 * resolves with a harness page (new or reloaded) in which to reopen the disk.
 */
export async function runKillPoint(options: {
  page: Page;
  reports: StreamReports;
  disk: string;
  create: boolean;
  initial: Uint8Array;
  point: KillPoint;
  kill: (page: Page) => Promise<Page>;
  /** The disk is an overlay on this OPFS disk (created with it when `create`); its `.qed` file, for qemu-img. */
  base?: { name: string; file: Uint8Array };
}): Promise<KillResult> {
  const { page, reports, disk, point } = options;
  const id = `${disk}-${point.seed}`;
  const progress = reports.track(id, 0);
  const burst = 'burst' in point.timing ? point.timing.burst : null;
  const end = burst ?? STREAM_END;
  await page.evaluate(
    async ({ disk, create, id, seed, end, inFlight, size, base }) => {
      const { keepOpen, kept, startStream } = window.reliability;
      await keepOpen(disk, create ? { create: base === null ? size : { ...size, base: { kind: 'opfs', name: base } } } : {});
      startStream(id, kept(disk), seed, { first: 0, end, window: inFlight ?? Number.POSITIVE_INFINITY });
    },
    { disk, create: options.create, id, seed: point.seed, end, inFlight: burst === null ? STREAM_WINDOW : null, size: { ...STREAM_DISK }, base: options.base?.name ?? null },
  );
  if ('settled' in point.timing) await progress.whenSettled(point.timing.settled);
  const reopenPage = await options.kill(page);
  const known: StreamKnowledge = { seed: point.seed, first: 0, settled: progress.settled, flushed: progress.flushed, limit: end };
  const inspection = await reopenPage.evaluate((name) => window.reliability.inspect(name), disk);
  const content = decodeBase64(inspection.contentBase64);
  const order: LandingOrder = options.base ? 'any-unanswered' : 'in-order';
  const backingName = inspection.backingFile;
  const qemu = qemuCheck(decodeBase64(inspection.rawBase64), options.base && backingName !== null ? { name: backingName, bytes: options.base.file } : undefined);
  return {
    known,
    failures: progress.failures.map((failure) => `op ${failure.index} (${failure.op}): ${failure.error}`),
    streamEnded: progress.ended !== null,
    inspection,
    content,
    order,
    verdict: judgeRecovered(options.initial, content, known, order),
    qemuStatus: qemu.status,
    qemuOutput: qemu.output,
    page: reopenPage,
  };
}
