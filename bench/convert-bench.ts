/** `qedisk convert` against `qemu-img convert`, both as command-line tools on the same 1 GiB images. */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type BenchLine, run, settleWrites, sideBySide, timeSeconds } from './measure.ts';

/** The checkout's `bin/qedisk`. */
const QEDISK = fileURLToPath(new URL('../bin/qedisk', import.meta.url));

/** One conversion measured both ways, in MiB/s of virtual disk (higher is better). */
export function measureConvert(name: string, imageSize: number, repeats: number, output: string, qedisk: string[], qemu: string[]): BenchLine {
  const mibPerSecond = (seconds: number): number => imageSize / (1024 * 1024) / seconds;
  const ours = (): number => {
    rmSync(output, { force: true });
    settleWrites();
    return mibPerSecond(timeSeconds(() => run(QEDISK, qedisk)));
  };
  const theirs = (): number => {
    rmSync(output, { force: true });
    settleWrites();
    return mibPerSecond(timeSeconds(() => run('qemu-img', qemu)));
  };
  const { qedisk: figure, baseline } = sideBySide(repeats, ours, theirs);
  rmSync(output, { force: true });
  return { name, unit: 'MiB/s', qedisk: figure, baseline, baselineName: 'qemu-img convert', ratio: figure / baseline, goal: 1 };
}

/** Convert lines: a half-allocated QED image to raw, and the same bytes as raw to sparse QED. */
export function convertLines(work: string, sparseQed: string, sourceRaw: string, imageSize: number, repeats: number): BenchLine[] {
  const rawOut = `${work}/convert-out.raw`;
  const qedOut = `${work}/convert-out.qed`;
  return [
    measureConvert('convert QED -> raw', imageSize, repeats, rawOut, ['convert', '-O', 'raw', sparseQed, rawOut], ['convert', '-f', 'qed', '-O', 'raw', sparseQed, rawOut]),
    measureConvert('convert raw -> QED', imageSize, repeats, qedOut, ['convert', '-O', 'qed', sourceRaw, qedOut], ['convert', '-f', 'raw', '-O', 'qed', sourceRaw, qedOut]),
  ];
}
