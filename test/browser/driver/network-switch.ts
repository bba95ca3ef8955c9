/**
 * An HTTP proxy in the Playwright worker process that every Firefox this worker starts sends all
 * its traffic through, so a test can take Firefox "offline" for service workers too.
 *
 * Playwright's `context.setOffline(true)` in Firefox (WebDriver BiDi
 * `emulation.setNetworkConditions`) and `context.route()` reach pages and dedicated workers but
 * not service workers: a page controlled by a service worker still reaches the network through
 * it (measured with Firefox ESR 153). While switched offline, the proxy resets every new request
 * and tunnel, which is what a page sees when the network is gone.
 *
 * `firefox-bidi-shim.ts` points Firefox at the proxy named in `QEDISK_FIREFOX_PROXY` (set here)
 * through the profile's prefs, localhost included.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer, request as httpRequest } from 'node:http';
import { type AddressInfo, type Socket, connect } from 'node:net';

/** Environment variable through which Firefox launches (firefox-bidi-shim.ts) learn the proxy's `host:port`. */
export const PROXY_ENV = 'QEDISK_FIREFOX_PROXY';

/** The proxy and its on/off switch. */
export class NetworkSwitch {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #offline = false;

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Starts a proxy on 127.0.0.1 at a free port. */
  static async start(): Promise<NetworkSwitch> {
    const server = createServer();
    const network = new NetworkSwitch(server);
    server.on('request', (request, response) => network.#forward(request, response));
    server.on('connect', (request: IncomingMessage, socket: Socket, head: Buffer) => network.#tunnel(request, socket, head));
    server.on('connection', (socket: Socket) => {
      network.#sockets.add(socket);
      socket.once('close', () => network.#sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    server.unref();
    return network;
  }

  /** `host:port` of the proxy. */
  get address(): string {
    const { address, port } = this.#server.address() as AddressInfo;
    return `${address}:${port}`;
  }

  /** True while the network is "gone". */
  get offline(): boolean {
    return this.#offline;
  }

  /**
   * Takes the network away or gives it back. Offline, every new request and tunnel is reset;
   * tunnels already open (the Vite client's WebSocket) stay, as they do in Chromium's offline
   * emulation: cutting them makes the Vite client reload the page when the server comes back.
   */
  setOffline(offline: boolean): void {
    this.#offline = offline;
  }

  /** Stops the proxy. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Passes a plain HTTP request (absolute-form URL) on to its server. */
  #forward(request: IncomingMessage, response: ServerResponse): void {
    if (this.#offline) {
      request.socket.destroy();
      return;
    }
    let target: URL;
    try {
      target = new URL(request.url ?? '');
    } catch {
      response.writeHead(400).end('the proxy takes absolute URLs only');
      return;
    }
    if (target.protocol !== 'http:') {
      response.writeHead(400).end(`the proxy forwards http: only, not ${target.protocol}`);
      return;
    }
    // A new connection for each request (agent: false): a pooled keep-alive connection the server
    // closes just as it is reused would fail the request, and a browser would have retried it.
    const upstream = httpRequest(
      { host: target.hostname, port: target.port || 80, method: request.method, path: `${target.pathname}${target.search}`, headers: request.headers, agent: false },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => request.socket.destroy());
    request.pipe(upstream);
  }

  /** Opens a tunnel (CONNECT: WebSockets, HTTPS) to `host:port`. */
  #tunnel(request: IncomingMessage, socket: Socket, head: Buffer): void {
    const [host, port] = (request.url ?? '').split(':');
    if (this.#offline || !host || !port) {
      socket.destroy();
      return;
    }
    const upstream = connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.byteLength > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    this.#sockets.add(upstream);
    upstream.once('close', () => this.#sockets.delete(upstream));
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  }
}
