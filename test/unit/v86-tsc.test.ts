import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { V86 } from 'v86';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareTscForRestore, readGuestTsc } from '../../src/v86/tsc-offset.ts';
import { ensureGuestAssets, readGuestFile } from '../support/guest-assets.ts';

const MIB = 1024 * 1024;
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// v86 takes its clock from performance.now() (bound when its module loads). A page reload starts
// that clock again from zero; `reloadPage()` does the same to the clock v86 sees here, so that an
// emulator made afterwards lives in "the next page" while states saved before hold times of the
// previous one, as in the browser.
const realNow = performance.now.bind(performance);
let timeOrigin = 0;
performance.now = () => realNow() - timeOrigin;
const { V86: Emulator } = await import('v86');

/** Starts the page clock v86 sees again from zero. */
function reloadPage(): void {
  timeOrigin = realNow();
}

/** A real v86 running SeaBIOS (no disk: the TSC is all these tests look at), loaded; from `initialState` if given. */
async function loadedEmulator(initialState?: ArrayBuffer): Promise<V86> {
  const emulator = new Emulator({
    ...(initialState ? { initial_state: { buffer: initialState } } : {}),
    wasm_path: join(repoRoot, 'node_modules', 'v86', 'build', 'v86.wasm'),
    memory_size: 16 * MIB,
    vga_memory_size: 2 * MIB,
    bios: { buffer: readGuestFile('seabios.bin') },
    vga_bios: { buffer: readGuestFile('vgabios.bin') },
    autostart: true,
  });
  await new Promise<void>((resolve) => emulator.add_listener('emulator-loaded', () => resolve()));
  return emulator;
}

/** The guest's TSC now; fails the test when the emulator does not expose it. */
function tscOf(emulator: V86): bigint {
  const tsc = readGuestTsc(emulator);
  if (tsc === null) throw new Error('this v86 build does not expose its TSC');
  return tsc;
}

/** A state saved by an emulator that ran `ms` milliseconds, the span of TSC values it may hold, and TSC ticks per millisecond. */
async function stateAfter(ms: number): Promise<{ state: ArrayBuffer; from: bigint; to: bigint; ticksPerMs: number }> {
  const emulator = await loadedEmulator();
  try {
    await sleep(ms);
    const rateFrom = tscOf(emulator);
    const rateStart = realNow();
    await sleep(200);
    const ticksPerMs = Number(tscOf(emulator) - rateFrom) / (realNow() - rateStart);
    await emulator.stop();
    // The TSC runs on host time, paused or not: the state holds a value between these two.
    const from = tscOf(emulator);
    const state = await emulator.save_state();
    return { state, from, to: tscOf(emulator), ticksPerMs };
  } finally {
    await emulator.destroy();
  }
}

/**
 * The VM-save story of issue 15: a state saved 3 s into a page's life is resumed after a reload
 * (a new emulator started from it, as the demo does), and 1 s later resumed again in place.
 * Resolves how far the guest's TSC stood from the span in which the state was taken, right after
 * the first and right after the second resume, in milliseconds (negative: behind; 0: within).
 */
async function resumeAfterReloadThenInPlace(fix: boolean): Promise<[number, number]> {
  const saved = await stateAfter(3000);
  const errorOf = (tsc: bigint): number => (tsc < saved.from ? Number(tsc - saved.from) : tsc > saved.to ? Number(tsc - saved.to) : 0) / saved.ticksPerMs;
  reloadPage();
  const emulator = await loadedEmulator(saved.state);
  try {
    const first = errorOf(tscOf(emulator));
    await sleep(1000);
    await emulator.stop();
    if (fix) expect(prepareTscForRestore(emulator)).toBe(true);
    await emulator.restore_state(saved.state);
    return [first, errorOf(tscOf(emulator))];
  } finally {
    await emulator.destroy();
  }
}

describe("the guest's time stamp counter across v86 restores", () => {
  beforeAll(() => ensureGuestAssets(), 400_000);

  it('is the saved one after a resume in place on the next page, when prepared with prepareTscForRestore', async () => {
    const [first, second] = await resumeAfterReloadThenInPlace(true);
    expect(Math.abs(first)).toBeLessThan(50);
    expect(Math.abs(second)).toBeLessThan(50);
  }, 60_000);

  // The v86 defect the fix is for (the guest's clock stands still until its TSC has caught up).
  // When a v86 release corrects it, this fails: then prepareTscForRestore can go.
  it('stands seconds behind the saved one after that resume in place without it (v86 defect)', async () => {
    const [first, second] = await resumeAfterReloadThenInPlace(false);
    expect(Math.abs(first)).toBeLessThan(50);
    expect(second).toBeLessThan(-2000);
  }, 60_000);

  it('is not readable, and not touched, on an object that is no v86 emulator', () => {
    expect(readGuestTsc({})).toBeNull();
    expect(prepareTscForRestore({ v86: { cpu: { set_tsc: () => undefined } } })).toBe(false);
    expect(prepareTscForRestore(null)).toBe(false);
  });
});
