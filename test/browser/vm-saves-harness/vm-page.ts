/**
 * Helpers of the VM saves specs: the demo page's VM saves panel driven as a person would, and a
 * guest program that counts in memory and on the disk, read back over the serial console.
 *
 * The counter: a shell loop in the demo guest that every half second bumps `i`, writes it to
 * `/tmp/count` (the initramfs: guest memory; by a rename, so a reader never sees it empty) and
 * appends it to `/mnt/log` (the qedisk disk), with `sync`. At any instant the log holds exactly
 * the lines 1..N with N = the memory counter or one less, so after a restore the two must agree,
 * and both must be back near the save point.
 */
import { type Page, expect } from '../driver/index.ts';
import { runInGuest, waitUntilIdle } from '../v86-harness/demo-page.ts';

/** A shell command or a page operation, on a busy machine. */
export const STEP_TIMEOUT_MS = 90_000;

/** What the counter looks like right after a restore (the loop stopped first). */
export interface CounterFacts {
  /** The counter in guest memory. */
  memory: number;
  /** The last line of the log on the disk, read after dropping the guest's caches. */
  diskLast: number;
  /** Lines in the log. */
  diskLines: number;
  /** True when the log is exactly 1, 2, ..., diskLines. */
  inSequence: boolean;
  /** Whether `/mnt/after` (written after the save) exists. */
  afterExists: boolean;
}

/** Starts the counter loop in the background (as shell job %1). */
export async function startCounter(page: Page): Promise<void> {
  const loop = 'i=0; while :; do i=$((i+1)); echo $i > /tmp/count.new; mv /tmp/count.new /tmp/count; echo $i >> /mnt/log; sync; sleep 0.5; done';
  await runInGuest(page, `mkdir -p /tmp; rm -f /mnt/log /mnt/after; (${loop}) > /dev/null 2>&1 & true`, 'DONE-COUNTER', STEP_TIMEOUT_MS);
  await waitForCounter(page, 3);
}

/** The memory counter now. */
export async function readCounter(page: Page): Promise<number> {
  const output = await runInGuest(page, 'echo "COUNT=$(cat /tmp/count)"', 'DONE-READ-COUNT', STEP_TIMEOUT_MS);
  const match = /^COUNT=(\d+)$/m.exec(output);
  if (!match?.[1]) throw new Error(`no counter in: ${output}`);
  return Number(match[1]);
}

/** Waits until the memory counter reaches `value`; resolves the value read. */
export async function waitForCounter(page: Page, value: number): Promise<number> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const now = await readCounter(page);
    if (now >= value) return now;
    if (Date.now() > deadline) throw new Error(`the counter stayed at ${now}, below ${value}`);
    await page.waitForTimeout(500);
  }
}

/** Stops the counter loop, drops the guest's caches and reads the counter and the log. */
export async function counterFacts(page: Page): Promise<CounterFacts> {
  const command = [
    'kill %1 2>/dev/null; wait %1 2>/dev/null', // not a bare `wait`: the guest's COM2 agent is a child of this shell too
    'C=$(cat /tmp/count)',
    'echo 3 > /proc/sys/vm/drop_caches',
    `S=$(awk 'NR != $1 { bad = 1 } END { print (bad ? "broken" : "ok") }' /mnt/log)`,
    'echo "FACTS mem=$C last=$(tail -n 1 /mnt/log) lines=$(wc -l < /mnt/log) seq=$S after=$(ls /mnt/after 2>/dev/null | wc -l)"',
  ].join('; ');
  const output = await runInGuest(page, command, 'DONE-FACTS', STEP_TIMEOUT_MS);
  const match = /^FACTS mem=(\d+) last=(\d+) lines=(\d+) seq=(\w+) after=(\d+)$/m.exec(output);
  if (!match) throw new Error(`no facts in: ${output}`);
  return { memory: Number(match[1]), diskLast: Number(match[2]), diskLines: Number(match[3]), inSequence: match[4] === 'ok', afterExists: match[5] !== '0' };
}

/** Checks that memory and disk agree: the log is 1..N with N the memory counter or one less. */
export function expectConsistent(facts: CounterFacts): void {
  expect(facts.inSequence).toBe(true);
  expect(facts.diskLines).toBe(facts.diskLast);
  expect([facts.memory - 1, facts.memory]).toContain(facts.diskLast);
}

/**
 * Checks `facts` read after a restore against a save taken while the memory counter went from
 * `before` to `after`: memory and disk agree, and both are back at the save point. The loop ran
 * on after the restore until `counterFacts` stopped it, at most one tick per half second of the
 * `sinceResume` milliseconds (the guest's clock follows the host's), plus a tick of slack.
 */
export function expectAtSavePoint(facts: CounterFacts, saved: { before: number; after: number }, sinceResume: number): void {
  expectConsistent(facts);
  expect(facts.memory).toBeGreaterThanOrEqual(saved.before);
  expect(facts.memory).toBeLessThanOrEqual(saved.after + Math.ceil(sinceResume / 500) + 1);
  expect(facts.afterExists).toBe(false);
}

/** Saves the running VM as `name` with the panel; resolves the status text. */
export async function saveInPanel(page: Page, name: string): Promise<string> {
  await page.fill('#vm-save-name', name);
  await page.click('#vm-save-button');
  await expect(page.locator('#status')).toHaveText(new RegExp(`^Saved VM ${name}: `), { timeout: STEP_TIMEOUT_MS });
  await waitUntilIdle(page);
  return (await page.locator('#status').textContent()) ?? '';
}

/** Presses Resume on save `name`; resolves once the status says the VM runs from it, with the time of the click (`Date.now()`). */
export async function resumeInPanel(page: Page, name: string): Promise<number> {
  const clicked = Date.now();
  await page.click(`#vm-save-list li[data-save="${name}"] button[data-action="restore"]`);
  await expect(page.locator('#status')).toHaveText(new RegExp(`^(Resumed ${name} in \\d+ ms\\.|VM running \\(linux, resumed VM save ${name}\\)\\.)$`), { timeout: STEP_TIMEOUT_MS });
  await waitUntilIdle(page);
  return clicked;
}

/** The facts of the counter, checked to be back at `saved`'s save point after a resume clicked at `clicked`. */
export async function expectResumedAt(page: Page, saved: { before: number; after: number }, clicked: number): Promise<void> {
  const facts = await counterFacts(page);
  expectAtSavePoint(facts, saved, Date.now() - clicked);
}

/** The data attributes of save `name` in the panel's list. */
export async function saveFacts(page: Page, name: string): Promise<{ stateBytes: number; storedBytes: number; snapshot: string; disk: string }> {
  const item = page.locator(`#vm-save-list li[data-save="${name}"]`);
  await expect(item).toBeVisible();
  const attr = async (key: string): Promise<string> => (await item.getAttribute(`data-${key}`)) ?? '';
  return { stateBytes: Number(await attr('state-bytes')), storedBytes: Number(await attr('stored-bytes')), snapshot: await attr('snapshot'), disk: await attr('disk') };
}
