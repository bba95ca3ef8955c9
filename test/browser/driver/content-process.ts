/**
 * Ends a Firefox tab's content process, Firefox's counterpart of Chromium's CDP `Page.crash`.
 *
 * Firefox runs each site's pages, and their dedicated workers, in "Isolated Web Content"
 * processes (Fission). The `firefox` project limits them to one per site
 * (`dom.ipc.processCount.webIsolated` = 1), so the test site's pages share one. This module finds
 * those processes among the descendants of the current Playwright worker process (the browser it
 * launched, never another worker's) by the name Firefox gives them, and sends them SIGKILL.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** One entry of the process table. */
interface ProcessEntry {
  pid: number;
  parent: number;
  /** The kernel's short name of the process (`/proc/<pid>/comm`, 15 characters at most). */
  name: string;
}

/** Short name Firefox gives its per-site content processes ("Isolated Web Content", cut to 15 characters). */
const SITE_PROCESS_NAME = 'Isolated Web Co';

/** Reads the process table from /proc. */
function processTable(): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // ended while we looked
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split at the last ')'.
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    entries.push({ pid: Number(name), parent: Number(fields[1]), name: stat.slice(stat.indexOf('(') + 1, close) });
  }
  return entries;
}

/** Every descendant of process `root`. */
function descendants(root: number): ProcessEntry[] {
  const table = processTable();
  const found: ProcessEntry[] = [];
  const queue = [root];
  for (let parent = queue.shift(); parent !== undefined; parent = queue.shift()) {
    for (const entry of table) {
      if (entry.parent !== parent) continue;
      found.push(entry);
      queue.push(entry.pid);
    }
  }
  return found;
}

/** True while process `pid` exists (a zombie counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Sends SIGKILL to the site content processes of every Firefox this process launched, and
 * resolves with their pids once they are gone. Throws when there is none (nothing would be
 * killed: a test relying on it must not pass silently) or one outlives `timeoutMs`.
 */
export async function killFirefoxSiteProcesses(timeoutMs = 10_000): Promise<number[]> {
  const victims = descendants(process.pid).filter((entry) => entry.name === SITE_PROCESS_NAME);
  if (victims.length === 0) throw new Error(`no Firefox "${SITE_PROCESS_NAME}" process under pid ${process.pid}`);
  for (const victim of victims) process.kill(victim.pid, 'SIGKILL');
  const deadline = Date.now() + timeoutMs;
  while (victims.some((victim) => alive(victim.pid))) {
    if (Date.now() > deadline) throw new Error(`Firefox content processes still alive ${timeoutMs} ms after SIGKILL`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return victims.map((victim) => victim.pid);
}
