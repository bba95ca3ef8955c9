/**
 * A real HTTP server for the remote-backing tests: serves one file from disk at `/base.img` on
 * 127.0.0.1 (ephemeral port) with single-range `Range` support, `ETag` and `Last-Modified`,
 * counts what it serves, can replace the file (new validators), misbehave on purpose, and go
 * offline.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Ways the server can break the protocol, applied to every later ranged answer. */
export type Misbehaviour = 'none' | 'wrong-range' | 'short-body' | 'long-body' | 'wrong-total' | 'ignore-range' | 'no-content-range' | 'status-500' | 'status-404';

/** What the server has done since start (or the last `resetStats`). */
export interface ServedStats {
  /** Requests received. */
  requests: number;
  /** Requests that carried a Range header. */
  rangeRequests: number;
  /** Body bytes sent. */
  bytesServed: number;
  /** Most requests being answered at once. */
  peakConcurrent: number;
  /** Every Range header received, in order. */
  ranges: string[];
}

/** A file server with Range support and switches for tests. */
export class RangeServer {
  readonly #server: Server;
  readonly #path: string;
  readonly url: string;
  stats: ServedStats = RangeServer.#emptyStats();
  /** How later ranged answers misbehave. */
  misbehaviour: Misbehaviour = 'none';
  /** Milliseconds each answer waits before it is sent (makes concurrency observable). */
  delayMs = 0;
  #version = 1;
  #active = 0;

  private constructor(server: Server, path: string) {
    this.#server = server;
    this.#path = path;
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}/base.img`;
  }

  /** Starts serving the file at `path`. */
  static async start(path: string): Promise<RangeServer> {
    let instance: RangeServer | null = null;
    const server = createServer((request, response) => {
      void instance?.handle(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    instance = new RangeServer(server, path);
    return instance;
  }

  /** The current ETag. */
  get etag(): string {
    return `"v${this.#version}-${this.#bytes().byteLength}"`;
  }

  /** Replaces the served file with `bytes`; the ETag and Last-Modified change. */
  replace(bytes: Uint8Array): void {
    writeFileSync(this.#path, bytes);
    this.#version++;
  }

  /** Zeroes the counters. */
  resetStats(): void {
    this.stats = RangeServer.#emptyStats();
  }

  /** Stops listening and drops every connection: fetches fail from now on. */
  async offline(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.stats.requests++;
    this.#active++;
    this.stats.peakConcurrent = Math.max(this.stats.peakConcurrent, this.#active);
    try {
      if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      this.#answer(request, response);
    } finally {
      this.#active--;
    }
  }

  #answer(request: IncomingMessage, response: ServerResponse): void {
    if (request.url !== '/base.img') return this.#send(response, 404, {}, new Uint8Array(0));
    const bytes = this.#bytes();
    const headers = { ETag: this.etag, 'Last-Modified': new Date(Date.UTC(2024, 0, 1, 0, 0, this.#version)).toUTCString(), 'Accept-Ranges': 'bytes' };
    const rangeHeader = request.headers.range;
    if (rangeHeader === undefined || this.misbehaviour === 'ignore-range') {
      if (rangeHeader !== undefined) this.#countRange(rangeHeader);
      return this.#send(response, 200, headers, bytes);
    }
    this.#countRange(rangeHeader);
    const range = parseRange(rangeHeader, bytes.byteLength);
    if (range === null) return this.#send(response, 416, { ...headers, 'Content-Range': `bytes */${bytes.byteLength}` }, new Uint8Array(0));
    if (this.misbehaviour === 'status-500' || this.misbehaviour === 'status-404') {
      return this.#send(response, this.misbehaviour === 'status-500' ? 500 : 404, {}, new Uint8Array(0));
    }
    let [start, end] = range;
    let body = bytes.subarray(start, end);
    let total = bytes.byteLength;
    if (this.misbehaviour === 'wrong-range') {
      start += 512;
      end += 512;
      body = new Uint8Array(end - start).fill(0x66);
    }
    if (this.misbehaviour === 'short-body') body = body.subarray(0, Math.floor(body.byteLength / 2));
    if (this.misbehaviour === 'long-body') body = new Uint8Array(body.byteLength + 4096).fill(0x77);
    if (this.misbehaviour === 'wrong-total') total += 4096;
    const contentRange: Record<string, string> = this.misbehaviour === 'no-content-range' ? {} : { 'Content-Range': `bytes ${start}-${end - 1}/${total}` };
    this.#send(response, 206, { ...headers, ...contentRange }, body);
  }

  #countRange(header: string): void {
    this.stats.rangeRequests++;
    this.stats.ranges.push(header);
  }

  #send(response: ServerResponse, status: number, headers: Record<string, string>, body: Uint8Array): void {
    response.writeHead(status, { ...headers, 'Content-Length': String(body.byteLength) });
    response.end(body);
    this.stats.bytesServed += body.byteLength;
  }

  #bytes(): Uint8Array {
    return readFileSync(this.#path);
  }

  static #emptyStats(): ServedStats {
    return { requests: 0, rangeRequests: 0, bytesServed: 0, peakConcurrent: 0, ranges: [] };
  }
}

/** Parses one `bytes=a-b`, `bytes=a-` or `bytes=-n` range into `[start, end)`, or null when unsatisfiable. */
function parseRange(header: string, size: number): [number, number] | null {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    return suffix === 0 || size === 0 ? null : [Math.max(0, size - suffix), size];
  }
  const start = Number(match[1]);
  const last = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  return start >= size || last < start ? null : [start, last + 1];
}
