/**
 * A network-conditioning HTTP proxy for the network boot benchmark: it sits in front of the dev
 * server on its own port of 127.0.0.1 and passes every request through, except that requests for
 * the bases (paths `throttle` selects) go over an emulated link: one round trip before the answer
 * starts (and one more for the first request of each new connection, the TCP handshake), and all
 * their response bodies share one link of the profile's bandwidth (a token bucket refilled at its
 * rate, holding at most 128 KiB, drained in 16 KiB slices, so parallel responses share it and
 * together go no faster than the link). It counts the requests and bytes it served on that link. A proxy works the same for every
 * browser (CDP network emulation would be Chromium's only) and throttles the disk worker's
 * requests too. It can also answer 404 for manifests, to measure a boot without one.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A network profile: link bandwidth and round-trip time. */
export interface NetworkProfile {
  /** Label for the table, e.g. `20 Mbit/s, 40 ms`. */
  label: string;
  /** Link bandwidth in megabits per second (10^6 bits). */
  mbitPerSecond: number;
  /** Round-trip time in milliseconds. */
  rttMs: number;
}

/** The profiles of issue 17. */
export const NETWORK_PROFILES: readonly NetworkProfile[] = [
  { label: '20 Mbit/s, 40 ms', mbitPerSecond: 20, rttMs: 40 },
  { label: '5 Mbit/s, 100 ms', mbitPerSecond: 5, rttMs: 100 },
];

/** What went over the emulated link since the last `resetCounters`. */
export interface LinkCounters {
  /** Requests answered over the link. */
  requests: number;
  /** Body bytes sent over the link. */
  bytes: number;
}

/** A running proxy. */
export interface ThrottleProxy {
  /** `http://127.0.0.1:PORT`. */
  baseUrl: string;
  /** The link's profile now (null: no emulation, straight through). */
  profile: NetworkProfile | null;
  /** When true, requests for `*.manifest.json` are answered 404. */
  hideManifests: boolean;
  /** The link's counters. */
  counters(): LinkCounters;
  /** Zeroes the counters. */
  resetCounters(): void;
  /** Stops the proxy. */
  close(): Promise<void>;
}

/** Bytes per slice of the shared link. */
const SLICE_BYTES = 16 * 1024;
/**
 * Most bytes the link lets go at once after a pause: what a real link's queues hold, and enough
 * that a timer firing late on a busy machine does not slow the emulated link below its rate.
 */
const BURST_BYTES = 128 * 1024;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Starts a proxy to `target` (`http://127.0.0.1:PORT` of the dev server) on a free port;
 * requests whose path `throttle` accepts go over the emulated link.
 */
export async function startThrottleProxy(target: string, throttle: (path: string) => boolean): Promise<ThrottleProxy> {
  const targetUrl = new URL(target);
  let counters: LinkCounters = { requests: 0, bytes: 0 };
  const seenSockets = new WeakSet<Socket>();
  const proxy: Omit<ThrottleProxy, 'baseUrl' | 'close'> = {
    profile: null,
    hideManifests: false,
    counters: () => ({ ...counters }),
    resetCounters: () => {
      counters = { requests: 0, bytes: 0 };
    },
  };

  /** Token bucket of the shared link: bytes that may go now (at most `BURST_BYTES`), refilled at the link's rate. */
  let tokens = 0;
  let refilledAt = performance.now();
  /** Sends `data` over the link, slice by slice as the bucket allows. */
  const sendOverLink = async (response: ServerResponse, data: Buffer, profile: NetworkProfile): Promise<void> => {
    const bytesPerMs = (profile.mbitPerSecond * 1e6) / 8 / 1000;
    for (let at = 0; at < data.byteLength; ) {
      const now = performance.now();
      tokens = Math.min(BURST_BYTES, tokens + (now - refilledAt) * bytesPerMs);
      refilledAt = now;
      const size = Math.min(SLICE_BYTES, data.byteLength - at);
      if (tokens < size) {
        await sleep((size - tokens) / bytesPerMs);
        continue;
      }
      tokens -= size;
      counters.bytes += size;
      const slice = data.subarray(at, at + size);
      at += size;
      if (!response.write(slice)) await new Promise((resolve) => response.once('drain', resolve));
    }
  };

  const handle = async (incoming: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = new URL(incoming.url ?? '/', 'http://x').pathname;
    const profile = throttle(path) ? proxy.profile : null;
    if (profile) {
      const newConnection = !seenSockets.has(incoming.socket);
      seenSockets.add(incoming.socket);
      await sleep(profile.rttMs * (newConnection ? 2 : 1));
    }
    if (proxy.hideManifests && path.endsWith('.manifest.json')) {
      if (profile) counters.requests++;
      response.writeHead(404, { 'content-type': 'text/plain' }).end('hidden by the benchmark');
      return;
    }
    const upstream = httpRequest({ host: targetUrl.hostname, port: targetUrl.port, path: incoming.url, method: incoming.method, headers: incoming.headers }, (answer) => {
      // Throttled answers are not kept in the browser's HTTP cache: every boot fetches over the link.
      response.writeHead(answer.statusCode ?? 502, throttle(path) ? { ...answer.headers, 'cache-control': 'no-store' } : answer.headers);
      if (!profile) {
        answer.pipe(response);
        return;
      }
      counters.requests++;
      void (async () => {
        for await (const chunk of answer) await sendOverLink(response, chunk as Buffer, profile);
        response.end();
      })().catch(() => response.destroy());
    });
    upstream.on('error', () => response.destroy());
    incoming.pipe(upstream);
  };

  const server: Server = createServer((incoming, response) => void handle(incoming, response).catch(() => response.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(proxy, {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
