/** The guest benchmark's table as text. */
import type { GuestBenchLine } from './guest-bench.ts';

function figure(value: number, unit: string): string {
  return `${value.toFixed(unit === 's' ? 1 : 2)} ${unit}`;
}

/** One row per line: figures with their unit, the ratio (higher is better) and whether the goal is met. */
export function formatGuestTable(lines: readonly GuestBenchLine[]): string {
  const header = ['line', 'qedisk', 'baseline', 'baseline is', 'ratio', 'goal'];
  const rows = lines.map((line) => [
    line.name,
    figure(line.qedisk, line.unit),
    figure(line.baseline, line.unit),
    line.baselineName,
    line.ratio.toFixed(2),
    `${line.ratio >= line.goal ? 'met' : 'short'} (>= ${line.goal.toFixed(2)})`,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const format = (cells: string[]): string => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  return [format(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(format)].join('\n');
}
