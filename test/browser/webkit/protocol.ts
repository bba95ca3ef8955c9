/**
 * The messages between the WebKit test page's agent (`agent.ts`) and the Node side's control
 * server (`control-server.ts`), as JSON over plain HTTP: the page asks for its next command with
 * `GET /next?page=<id>` (long poll) and answers with `POST /result` (a text/plain body, so the
 * browser sends it without a CORS preflight).
 */

/** A command for the page. */
export type Command =
  /** Runs `source` (a function's text, as Playwright sends it) with `arg`; the result must be JSON. */
  | { id: number; op: 'evaluate'; source: string; arg: unknown }
  /** Answers, then reloads the page; the reloaded page introduces itself with a new page id. */
  | { id: number; op: 'reload' }
  /** Nothing to do yet: ask again. */
  | { id: 0; op: 'idle' };

/** A page's answer to a command. */
export type Answer =
  | { page: string; id: number; ok: true; value: unknown }
  | { page: string; id: number; ok: false; error: { name: string; message: string; stack: string } };

/** Query parameter naming the control server's origin in the page URL. */
export const CONTROL_PARAMETER = 'control';

/** How long the server holds a `GET /next` before answering `idle`, in milliseconds. */
export const LONG_POLL_MS = 15_000;
