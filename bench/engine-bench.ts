/**
 * Engine throughput in-process (Node, synchronous `NodeFile`) against `qemu-img bench` on the
 * same image with the same request sizes and the same offsets (qemu-img bench steps through the
 * image by `-S` bytes, wrapping at its end; a large odd step scatters the requests).
 */
import { copyFileSync, rmSync } from 'node:fs';
import { NodeFile } from '../src/backends/node-file.ts';
import { QedImage } from '../src/engine/qed-image.ts';
import { type BenchLine, run, sideBySide, timeSeconds } from './measure.ts';

const KIB = 1024;

/** Parameters of one engine-vs-qemu-img-bench line. */
interface EngineCase {
  name: string;
  requestBytes: number;
  count: number;
  step: number;
  write: boolean;
  /** Start every repetition from a copy of this image (fresh for allocating writes). */
  template: string;
}

/** Runs one case on both sides and returns its line (IOPS, higher is better). */
function measureCase(work: string, spec: EngineCase, imageSize: number, repeats: number): BenchLine {
  const target = `${work}/engine-target.qed`;
  const qemu = (): number => {
    copyFileSync(spec.template, target);
    const args = ['bench', '-f', 'qed', '-t', 'writeback', '-c', String(spec.count), '-s', String(spec.requestBytes), '-S', String(spec.step)];
    if (spec.write) args.push('-w');
    const output = run('qemu-img', [...args, target]);
    const seconds = Number(/Run completed in ([\d.]+) seconds/.exec(output)?.[1]);
    if (!Number.isFinite(seconds)) throw new Error(`cannot parse qemu-img bench output: ${output}`);
    return spec.count / seconds;
  };
  const ours = (): number => {
    copyFileSync(spec.template, target);
    const buffer = new Uint8Array(spec.requestBytes).fill(0xa5);
    const image = QedImage.open(NodeFile.open(target, 'readwrite'));
    // Like qemu-img bench's "Run completed in", time the requests, not open and close.
    const seconds = timeSeconds(() => {
      let offset = 0;
      for (let i = 0; i < spec.count; i++) {
        if (spec.write) image.write(offset, buffer);
        else image.readInto(offset, buffer);
        offset += spec.step;
        if (offset + spec.requestBytes > imageSize) offset %= imageSize;
      }
    });
    image.close();
    return spec.count / seconds;
  };
  const { qedisk, baseline } = sideBySide(repeats, ours, qemu);
  rmSync(target, { force: true });
  return { name: spec.name, unit: 'IOPS', qedisk, baseline, baselineName: 'qemu-img bench', ratio: qedisk / baseline, goal: 1 };
}

/**
 * Engine lines: 4 KiB scattered reads and overwrites on a fully written image, and 64 KiB
 * allocating writes on a fresh one. `filled` and `empty` are QED images of `imageSize` bytes.
 */
export function engineLines(work: string, filled: string, empty: string, imageSize: number, repeats: number): BenchLine[] {
  const scatter = 4 * KIB * 7919; // a prime number of 4 KiB blocks: visits the image in scattered order
  return [
    measureCase(work, { name: '4 KiB scattered reads', requestBytes: 4 * KIB, count: 100_000, step: scatter, write: false, template: filled }, imageSize, repeats),
    measureCase(work, { name: '4 KiB scattered overwrites', requestBytes: 4 * KIB, count: 100_000, step: scatter, write: true, template: filled }, imageSize, repeats),
    measureCase(work, { name: '64 KiB allocating writes', requestBytes: 64 * KIB, count: Math.min(8192, imageSize / (64 * KIB)), step: 64 * KIB, write: true, template: empty }, imageSize, repeats),
  ];
}
