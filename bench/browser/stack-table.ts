/** Printing the stack benchmark's report as a table (`npm run bench:stack`). */
import type { StackReport } from './stack-bench.ts';

const MIB = 1024 * 1024;
const BROWSER_TITLES = { chromium: 'Chromium', firefox: 'Firefox' } as const;

/** Formats `rows` under `header` in aligned columns. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const format = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(format)];
}

/** Megabytes, one decimal. */
function mib(bytes: number | null): string {
  return bytes === null ? 'not measurable' : `${(bytes / MIB).toFixed(1)} MiB`;
}

/** Prints `report` on stdout. */
export function printStackReport(report: StackReport): void {
  const out: string[] = [];
  out.push(`browser, page -> Comlink -> worker -> device (${BROWSER_TITLES[report.browserName]} ${report.browser}), ${report.diskSize / MIB} MiB disks, median of ${report.repeats}`);
  out.push('ratio = qedisk on OPFS / raw OPFS file behind the same worker API (higher is better)');
  const rows = report.lines.map((line, i) => {
    const memory = report.memoryLines[i];
    const figure = (value: number): string => `${value.toFixed(0)} ${line.unit}`;
    return [
      line.name,
      figure(line.qedisk),
      figure(line.baseline),
      line.ratio.toFixed(2),
      `${line.ratio >= line.goal ? 'met' : 'short'} (>= ${line.goal})`,
      memory ? figure(memory.baseline) : '',
      memory ? memory.ratio.toFixed(2) : '',
    ];
  });
  out.push(...table(['line', 'qedisk OPFS', 'raw OPFS', 'ratio', 'goal', 'QED in memory', 'OPFS/memory'], rows));
  const memory = report.workerMemory;
  if (memory) {
    out.push('');
    out.push(`worker memory: 1 TiB sparse disk, ${memory.l2Tables} L2 tables, file ${mib(memory.physicalSize)}; open ${memory.openMs.toFixed(1)} ms`);
    out.push(`  ${memory.randomReads} random 4 KiB reads over the whole range at ${memory.readsPerSecond.toFixed(0)}/s; L2 cache ${mib(memory.l2CacheBytes)}`);
    const met = memory.workerBytesAfterReads === null ? 'unknown' : memory.workerBytesAfterReads < 64 * MIB ? 'met' : 'short';
    out.push(`  worker: ${mib(memory.workerBytesIdle)} idle, ${mib(memory.workerBytesAfterReads)} after the reads (goal < 64 MiB: ${met})`);
  }
  console.log(out.join('\n'));
}

/** Prints each line's ratio (qedisk on OPFS / raw OPFS) in every browser of `reports`, side by side. */
export function printBrowserComparison(reports: readonly StackReport[]): void {
  const [first] = reports;
  if (!first) return;
  const header = ['line', ...reports.map((report) => `${BROWSER_TITLES[report.browserName]} ratio`), 'goal'];
  const rows = first.lines.map((line) => [
    line.name,
    ...reports.map((report) => {
      const same = report.lines.find((other) => other.name === line.name);
      return same ? `${same.ratio.toFixed(2)} (${same.ratio >= same.goal ? 'met' : 'short'})` : '-';
    }),
    `>= ${line.goal}`,
  ]);
  console.log(['', 'qedisk on OPFS / raw OPFS, by browser (higher is better)', ...table(header, rows)].join('\n'));
}
