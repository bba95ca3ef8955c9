/**
 * Starts Debian's Firefox for Playwright's WebDriver BiDi client, through a small proxy.
 *
 * Playwright's BiDi client (`channel: 'moz-firefox'`) expects a few things Firefox ESR 153 does
 * not do (see `bidi-patches.ts`). This program runs Firefox with the arguments it was given, waits
 * for Firefox's "WebDriver BiDi listening on ws://..." line, and prints the same line with the
 * address of a proxy in its place. The proxy passes every message through a {@link BidiPatcher},
 * which changes only what `bidi-patches.ts` lists and logs each change to stderr.
 *
 * Run by `firefox-bidi-shim.sh` (Playwright's `executablePath` for the `firefox` project). The
 * Firefox binary is `$QEDISK_FIREFOX`, by default `/usr/bin/firefox-esr`.
 */
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { BidiPatcher } from './bidi-patches.ts';
import { PROXY_ENV } from './network-switch.ts';

/** The Firefox binary to run. */
const FIREFOX = process.env['QEDISK_FIREFOX'] ?? '/usr/bin/firefox-esr';

/** Firefox's announcement of its BiDi endpoint on stderr (Playwright waits for the same line). */
const LISTENING = /WebDriver BiDi listening on (ws:\/\/\S+)/;

/** Writes a line of the proxy's own to stderr (Playwright shows it with the browser's log). */
function log(line: string): void {
  process.stderr.write(`[firefox-bidi-shim] ${line}\n`);
}

/** Text of a WebSocket message. */
function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data).toString('utf8');
}

/** Joins one Playwright connection to Firefox's endpoint `upstream`, through a {@link BidiPatcher}. */
function relay(client: WebSocket, request: IncomingMessage, upstream: string): void {
  const firefox = new WebSocket(upstream.replace(/\/$/, '') + (request.url ?? ''));
  const patcher = new BidiPatcher(log);
  const queued: string[] = [];
  firefox.on('open', () => {
    for (const text of queued.splice(0)) firefox.send(text);
  });
  client.on('message', (data) => {
    const text = patcher.fromClient(textOf(data));
    if (firefox.readyState === WebSocket.OPEN) firefox.send(text);
    else queued.push(text);
  });
  firefox.on('message', (data) => client.send(patcher.fromBrowser(textOf(data))));
  const closeBoth = (): void => {
    client.close();
    firefox.close();
  };
  firefox.on('close', closeBoth);
  client.on('close', closeBoth);
  firefox.on('error', closeBoth);
  client.on('error', closeBoth);
}

/** Starts the proxy for `upstream` and announces it on stderr as Firefox would. */
function startProxy(upstream: string): void {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('listening', () => {
    const { port } = server.address() as AddressInfo;
    process.stderr.write(`WebDriver BiDi listening on ws://127.0.0.1:${port}\n`);
  });
  server.on('connection', (client, request) => relay(client, request, upstream));
}

/**
 * Firefox's environment: Playwright's, without MOZ_CRASHREPORTER_SHUTDOWN, which makes Firefox quit
 * when any content process dies. The kill tests end a tab's content process on purpose and go on
 * in the same browser, as Chromium does after a renderer crash.
 */
const environment = { ...process.env };
delete environment['MOZ_CRASHREPORTER_SHUTDOWN'];

/**
 * Sends all of Firefox's traffic, localhost included, through the Playwright worker's proxy
 * (`network-switch.ts`) when it names one, by adding prefs to the profile Playwright prepared.
 */
function useProxy(args: readonly string[]): void {
  const proxy = process.env[PROXY_ENV];
  const profileAt = args.indexOf('--profile');
  const profile = profileAt >= 0 ? args[profileAt + 1] : undefined;
  if (!proxy || profile === undefined) return;
  const [host, port] = proxy.split(':');
  const prefs: Record<string, string | number | boolean> = {
    'network.proxy.type': 1,
    'network.proxy.http': host ?? '127.0.0.1',
    'network.proxy.http_port': Number(port),
    'network.proxy.ssl': host ?? '127.0.0.1',
    'network.proxy.ssl_port': Number(port),
    'network.proxy.allow_hijacking_localhost': true,
    'network.proxy.no_proxies_on': '',
    'network.proxy.failover_direct': false,
  };
  appendFileSync(join(profile, 'user.js'), Object.entries(prefs).map(([name, value]) => `user_pref(${JSON.stringify(name)}, ${JSON.stringify(value)});\n`).join(''));
}

useProxy(process.argv.slice(2));
const firefox = spawn(FIREFOX, process.argv.slice(2), { stdio: ['ignore', 'inherit', 'pipe'], env: environment });
let pending = '';
let proxied = false;
firefox.stderr.on('data', (chunk: Buffer) => {
  pending += chunk.toString('utf8');
  for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
    const line = pending.slice(0, end);
    pending = pending.slice(end + 1);
    const listening = LISTENING.exec(line);
    if (listening?.[1] !== undefined && !proxied) {
      proxied = true;
      startProxy(listening[1]);
    } else {
      process.stderr.write(`${line}\n`);
    }
  }
});
firefox.on('error', (error) => {
  log(`cannot start ${FIREFOX}: ${error.message}`);
  process.exit(1);
});
firefox.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => firefox.kill(signal));
