/**
 * An HTTP server on 127.0.0.1 serving a fake archive, with faults to inject per path: different
 * bytes (a checksum mismatch), or half the body and then a dropped connection (an interrupted
 * download). Counts the requests per path.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A fault for one path. */
export type Fault = 'corrupt' | 'interrupt' | 'unavailable';

/** The running server. */
export class FakeMirror {
  readonly #server: Server;
  readonly #files: Map<string, Buffer>;
  /** Faults by path (below the mirror root); change freely between requests. */
  readonly faults = new Map<string, Fault>();
  /** Paths whose fault applies to the next request only. */
  readonly #once = new Set<string>();
  /** Requests per path. */
  readonly requests = new Map<string, number>();

  /** Applies `fault` to the next request of `path` only. */
  failOnce(path: string, fault: Fault): void {
    this.faults.set(path, fault);
    this.#once.add(path);
  }

  private constructor(server: Server, files: Map<string, Buffer>) {
    this.#server = server;
    this.#files = files;
  }

  /** Starts serving `files` (path below the root to bytes) on a free port. */
  static async start(files: Map<string, Buffer>): Promise<FakeMirror> {
    let mirror: FakeMirror | undefined;
    const server = createServer((request, response) => mirror?.handle(request.url ?? '/', response));
    mirror = new FakeMirror(server, files);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return mirror;
  }

  /** The mirror's base URL (what `QEDISK_DEBIAN_MIRROR` would hold). */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/debian`;
  }

  /** Stops the server and drops open connections. */
  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  private handle(url: string, response: import('node:http').ServerResponse): void {
    const path = decodeURIComponent(url.replace(/^\/debian\//, ''));
    this.requests.set(path, (this.requests.get(path) ?? 0) + 1);
    const body = this.#files.get(path);
    const fault = this.faults.get(path);
    if (this.#once.delete(path)) this.faults.delete(path);
    if (!body) {
      response.writeHead(404).end('not found');
      return;
    }
    if (fault === 'unavailable') {
      response.writeHead(503).end('try later');
      return;
    }
    response.writeHead(200, { 'content-length': body.byteLength, 'content-type': 'application/octet-stream' });
    if (fault === 'corrupt') {
      const damaged = Buffer.from(body);
      damaged[damaged.byteLength >> 1] = (damaged[damaged.byteLength >> 1] ?? 0) ^ 0xff;
      response.end(damaged);
    } else if (fault === 'interrupt') {
      response.write(body.subarray(0, body.byteLength >> 1), () => response.socket?.destroy());
    } else {
      response.end(body);
    }
  }
}
