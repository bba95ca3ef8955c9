/**
 * Starts WebKitGTK's MiniBrowser (shipped in Debian's `libwebkit2gtk-4.1-0`, which
 * `webkit2gtk-driver` pulls in) under Xvfb on the WebKit test page, with a data directory of its
 * own that lives as long as the browser, and hands the spec a page handle.
 *
 * MiniBrowser runs as a user's browser (not `--automation`, whose website data store is
 * ephemeral and refuses `navigator.storage.getDirectory()` with UnknownError), with the WebKit
 * features Safari ships on and WebKitGTK 2.50 leaves off: the File System API, its access handles
 * and writable streams, and the Storage API (`persist()`, `estimate()`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlServer } from './control-server.ts';
import { CONTROL_PARAMETER } from './protocol.ts';

/** Where Debian puts MiniBrowser (amd64); `QEDISK_MINIBROWSER` overrides. */
export const MINIBROWSER_PATH = process.env['QEDISK_MINIBROWSER'] ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/** WebKit features switched on (`MiniBrowser --features=help` lists them). */
export const WEBKIT_FEATURES = ['+FileSystem', '+AccessHandle', '+FileSystemWritableStream', '+StorageAPI', '+StorageAPIEstimate'];

/** Path of the test page on the Vite dev server. */
const PAGE_PATH = '/test/browser/webkit/index.html';

/** How long a cold MiniBrowser (and Vite's first transform of the harness) may take to show the page. */
const START_TIMEOUT_MS = 60_000;

/** What a spec gets: Playwright-shaped `evaluate` and `reload` on the one MiniBrowser page. */
export class WebKitPage {
  readonly #control: ControlServer;
  readonly #browser: ChildProcess;
  readonly #dataDir: string;
  readonly #log: string[];

  private constructor(control: ControlServer, browser: ChildProcess, dataDir: string, log: string[]) {
    this.#control = control;
    this.#browser = browser;
    this.#dataDir = dataDir;
    this.#log = log;
  }

  /** Starts MiniBrowser on the test page of `baseURL` and resolves once the page polls for commands. */
  static async launch(baseURL: string): Promise<WebKitPage> {
    const needed = [
      [MINIBROWSER_PATH, 'webkit2gtk-driver (it brings libwebkit2gtk-4.1-0 with MiniBrowser)'],
      ['/usr/bin/xvfb-run', 'xvfb'],
      ['/usr/bin/xauth', 'xauth (xvfb-run needs it; xvfb only recommends it)'],
    ] as const;
    for (const [command, pkg] of needed) {
      if (!existsSync(command)) throw new Error(`${command} is missing: apt-get install ${pkg}`);
    }
    const control = await ControlServer.start();
    const dataDir = mkdtempSync(join(tmpdir(), 'qedisk-webkit-'));
    const url = new URL(PAGE_PATH, baseURL);
    url.searchParams.set(CONTROL_PARAMETER, control.origin);
    const log: string[] = [];
    // Its own process group, so close() ends xvfb-run, Xvfb, MiniBrowser and WebKit's helper processes together.
    const browser = spawn('xvfb-run', ['-a', '-s', '-screen 0 1280x800x24', MINIBROWSER_PATH, `--features=${WEBKIT_FEATURES.join(',')}`, url.href], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        XDG_DATA_HOME: join(dataDir, 'data'),
        XDG_CACHE_HOME: join(dataDir, 'cache'),
        XDG_CONFIG_HOME: join(dataDir, 'config'),
        NO_AT_BRIDGE: '1',
      },
    });
    const keep = (chunk: Buffer): void => {
      log.push(chunk.toString('utf8'));
      if (log.length > 200) log.shift();
    };
    browser.stdout?.on('data', keep);
    browser.stderr?.on('data', keep);
    const page = new WebKitPage(control, browser, dataDir, log);
    try {
      await control.waitForPageLoads(1, START_TIMEOUT_MS);
    } catch (error) {
      await page.close();
      throw new Error(`${error instanceof Error ? error.message : String(error)}\nMiniBrowser output:\n${log.join('')}`);
    }
    return page;
  }

  /**
   * Runs `fn(arg)` in the page, as Playwright's `page.evaluate` does: `fn` must not use anything
   * from its surroundings, and the result crosses as JSON. A rejection in the page rejects here
   * with the page's error name and message. Gives up after `timeoutMs` (a hang, not a timing test).
   */
  evaluate<R>(fn: () => R | Promise<R>): Promise<Awaited<R>>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A, timeoutMs?: number): Promise<Awaited<R>>;
  async evaluate<R, A>(fn: (arg?: A) => R | Promise<R>, arg?: A, timeoutMs = 120_000): Promise<Awaited<R>> {
    const answer = await this.#control.send({ op: 'evaluate', source: fn.toString(), arg: arg ?? null }, timeoutMs);
    if (!answer.ok) throw new Error(`in WebKit: ${answer.error.name}: ${answer.error.message}\n${answer.error.stack}`);
    return answer.value as Awaited<R>;
  }

  /** Reloads the page and resolves once the new page load polls for commands. */
  async reload(timeoutMs = START_TIMEOUT_MS): Promise<void> {
    const loads = this.#control.pageLoads;
    await this.#control.send({ op: 'reload' }, timeoutMs);
    await this.#control.waitForPageLoads(loads + 1, timeoutMs);
  }

  /** What MiniBrowser and Xvfb printed lately. */
  output(): string {
    return this.#log.join('');
  }

  /** Ends the browser (its whole process group), the control server, and the data directory. */
  async close(): Promise<void> {
    const pid = this.#browser.pid;
    if (pid !== undefined && this.#browser.exitCode === null && this.#browser.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.#browser.once('exit', () => resolve()));
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 3_000);
      await exited;
      clearTimeout(timer);
    }
    await this.#control.close();
    rmSync(this.#dataDir, { recursive: true, force: true });
  }
}
