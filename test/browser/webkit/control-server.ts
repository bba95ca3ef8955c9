/**
 * Node side of the WebKit driver: a small HTTP server the test page's agent (`agent.ts`) polls
 * for commands, and the page handle a spec uses (`evaluate`, `reload`), shaped like the parts of
 * Playwright's `Page` the specs need.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Answer, type Command, LONG_POLL_MS } from './protocol.ts';

/** Headers that let the page (another origin: the Vite server's) read the answers. */
const CORS = { 'access-control-allow-origin': '*', 'cache-control': 'no-store' };

/** Most bytes a page answer may have (JSON); larger answers are refused. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/** A command waiting for its answer. */
interface Pending {
  resolve: (answer: Answer) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** Reads a request body as text, refusing more than `limit` bytes. */
function readBody(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        reject(new Error(`page answer larger than ${limit} bytes`));
        request.destroy();
      } else {
        chunks.push(chunk);
      }
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** Narrows a parsed answer. */
function isAnswer(value: unknown): value is Answer {
  return typeof value === 'object' && value !== null && typeof Reflect.get(value, 'page') === 'string' && typeof Reflect.get(value, 'id') === 'number';
}

/** The control server and the one page that polls it. */
export class ControlServer {
  readonly #server: Server;
  readonly #queue: Command[] = [];
  readonly #pending = new Map<number, Pending>();
  /** A waiting `GET /next`, answered when a command comes. */
  #poll: ServerResponse | null = null;
  #pollTimer: NodeJS.Timeout | null = null;
  #nextId = 1;
  /** Ids of the page loads seen so far, in order. */
  readonly #pages: string[] = [];
  #pageWaiters: Array<() => void> = [];

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Starts a server on 127.0.0.1 at a free port. */
  static async start(): Promise<ControlServer> {
    const server = createServer();
    const control = new ControlServer(server);
    server.on('request', (request, response) => control.#handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return control;
  }

  /** The server's origin, for the page URL. */
  get origin(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Number of page loads that have asked for commands so far. */
  get pageLoads(): number {
    return this.#pages.length;
  }

  /** Resolves once `count` page loads have asked for commands; rejects after `timeoutMs`. */
  async waitForPageLoads(count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#pages.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the WebKit page did not load (${this.#pages.length} of ${count} loads after ${timeoutMs} ms)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#pageWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends a command and resolves with the page's answer; rejects after `timeoutMs`. */
  send(command: { op: 'evaluate'; source: string; arg: unknown } | { op: 'reload' }, timeoutMs: number): Promise<Answer> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`the WebKit page did not answer command ${id} (${command.op}) within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.#queue.push({ ...command, id });
      this.#flush();
    });
  }

  /** Stops the server and fails every command still waiting. */
  async close(): Promise<void> {
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new Error(`control server closed before command ${id} was answered`));
    }
    this.#pending.clear();
    this.#endPoll({ id: 0, op: 'idle' });
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Routes one HTTP request. */
  #handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', this.origin);
    if (request.method === 'GET' && url.pathname === '/next') {
      this.#notePage(url.searchParams.get('page') ?? '');
      this.#endPoll({ id: 0, op: 'idle' }); // one poller at a time: the newest
      this.#poll = response;
      this.#pollTimer = setTimeout(() => this.#endPoll({ id: 0, op: 'idle' }), LONG_POLL_MS);
      this.#flush();
    } else if (request.method === 'POST' && url.pathname === '/result') {
      readBody(request, MAX_ANSWER_BYTES).then(
        (text) => {
          this.#receive(text);
          response.writeHead(204, CORS).end();
        },
        (error: unknown) => response.writeHead(413, CORS).end(String(error)),
      );
    } else {
      response.writeHead(404, CORS).end();
    }
  }

  /** Records a page load the first time its id is seen. */
  #notePage(page: string): void {
    if (this.#pages.includes(page)) return;
    this.#pages.push(page);
    for (const wake of this.#pageWaiters.splice(0)) wake();
  }

  /** Hands the next queued command to the waiting poll, if both exist. */
  #flush(): void {
    const command = this.#poll ? this.#queue.shift() : undefined;
    if (command) this.#endPoll(command);
  }

  /** Answers the waiting poll with `command`. */
  #endPoll(command: Command): void {
    if (this.#pollTimer) clearTimeout(this.#pollTimer);
    this.#pollTimer = null;
    const poll = this.#poll;
    this.#poll = null;
    poll?.writeHead(200, { ...CORS, 'content-type': 'application/json' }).end(JSON.stringify(command));
  }

  /** Settles the command a page answer belongs to. */
  #receive(text: string): void {
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      return;
    }
    if (!isAnswer(answer)) return;
    const pending = this.#pending.get(answer.id);
    if (!pending) return;
    this.#pending.delete(answer.id);
    clearTimeout(pending.timer);
    pending.resolve(answer);
  }
}
