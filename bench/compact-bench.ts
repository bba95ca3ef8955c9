/**
 * Compaction speed: `compactImageFile` against `qemu-img convert -O qed` of the same image (what
 * a QEMU user runs to drop leaks and zeros), side by side in one run, in MiB of source image per
 * second. The image is made by qedisk: data in 1 MiB runs over half its range, a third of those
 * runs discarded again (leaks), and some runs of all-zero data (clusters both sides drop).
 */
import { randomFillSync } from 'node:crypto';
import { rmSync, statSync } from 'node:fs';
import { NodeFile } from '../src/backends/node-file.ts';
import { compactImageFile } from '../src/engine/compact.ts';
import { QedImage } from '../src/engine/qed-image.ts';
import { type BenchLine, dropCaches, run, sideBySide, timeSeconds } from './measure.ts';

const MIB = 1024 * 1024;

/** Writes the source image at `path` (`imageBytes` virtual size); returns its file size in bytes. */
function makeSource(path: string, imageBytes: number): number {
  const image = QedImage.create(NodeFile.open(path, 'create'), { size: imageBytes });
  const data = new Uint8Array(MIB);
  for (let at = 0, run = 0; at < imageBytes; at += 2 * MIB, run++) {
    if (run % 5 === 4) data.fill(0);
    else randomFillSync(data);
    image.write(at, data);
  }
  for (let at = 0, run = 0; at < imageBytes; at += 6 * MIB, run++) image.discard(at, MIB);
  image.close();
  return statSync(path).size;
}

/** One line: compaction of an image of `imageBytes` in `work`, `repeats` times per side. */
export function compactLine(work: string, imageBytes: number, repeats: number, log: (line: string) => void): BenchLine {
  const source = `${work}/compact-source.qed`;
  const ours = `${work}/compact-qedisk.qed`;
  const theirs = `${work}/compact-qemu.qed`;
  const sourceBytes = makeSource(source, imageBytes);
  const rate = (seconds: number): number => sourceBytes / MIB / seconds;
  const { qedisk, baseline } = sideBySide(
    repeats,
    () => {
      rmSync(ours, { force: true });
      dropCaches();
      return rate(
        timeSeconds(() => {
          const input = NodeFile.open(source, 'read');
          const output = NodeFile.open(ours, 'create');
          compactImageFile(input, output);
          input.close();
          output.close();
        }),
      );
    },
    () => {
      rmSync(theirs, { force: true });
      dropCaches();
      return rate(timeSeconds(() => run('qemu-img', ['convert', '-O', 'qed', source, theirs])));
    },
  );
  log(`compaction: source ${sourceBytes} bytes, qedisk compact ${statSync(ours).size} bytes, qemu-img convert ${statSync(theirs).size} bytes`);
  for (const path of [source, ours, theirs]) rmSync(path, { force: true });
  return { name: `compact a ${imageBytes / MIB} MiB QED image with leaks and zero runs`, unit: 'MiB/s', qedisk, baseline, baselineName: 'qemu-img convert -O qed', ratio: qedisk / baseline, goal: 1 };
}
