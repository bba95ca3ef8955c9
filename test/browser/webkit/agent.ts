/**
 * Page side of the WebKit driver: loads the test harness (`window.harness`, as the Playwright
 * specs use it), then runs the commands of the control server named in the page URL until the
 * page goes away. WebKitGTK's own automation session cannot reach OPFS (its data store is
 * ephemeral), so the browser runs as a person's would and this loop stands in for WebDriver.
 */
import '../harness/harness.ts';
import { type Answer, CONTROL_PARAMETER, type Command } from './protocol.ts';

/** This page load's id: a reload is a new page. */
const PAGE_ID = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

/** Summarises anything thrown into a plain object. */
function describe(error: unknown): { name: string; message: string; stack: string } {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack ?? '' };
  return { name: typeof error, message: String(error), stack: '' };
}

/** Narrows a parsed command. */
function isCommand(value: unknown): value is Command {
  if (typeof value !== 'object' || value === null) return false;
  const op: unknown = Reflect.get(value, 'op');
  return op === 'evaluate' || op === 'reload' || op === 'idle';
}

/** Runs one command and resolves with its answer. */
async function perform(command: Command & { op: 'evaluate' }): Promise<Answer> {
  try {
    const fn: unknown = new Function(`return (${command.source});`)();
    if (typeof fn !== 'function') throw new TypeError('the command source is not a function');
    const value: unknown = await Reflect.apply(fn, undefined, [command.arg]);
    return { page: PAGE_ID, id: command.id, ok: true, value: value === undefined ? null : value };
  } catch (error) {
    return { page: PAGE_ID, id: command.id, ok: false, error: describe(error) };
  }
}

/** Sends `answer` to the control server. */
async function send(control: string, answer: Answer): Promise<void> {
  let body: string;
  try {
    body = JSON.stringify(answer);
  } catch (error) {
    body = JSON.stringify({ page: PAGE_ID, id: answer.id, ok: false, error: describe(error) } satisfies Answer);
  }
  await fetch(`${control}/result`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
}

/** Asks for commands and runs them, one at a time, until the page unloads. */
async function serve(control: string): Promise<void> {
  for (;;) {
    let command: unknown;
    try {
      command = await (await fetch(`${control}/next?page=${PAGE_ID}`)).json();
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 500)); // the server restarts or the page unloads
      continue;
    }
    if (!isCommand(command) || command.op === 'idle') continue;
    if (command.op === 'reload') {
      await send(control, { page: PAGE_ID, id: command.id, ok: true, value: null });
      location.reload();
      return;
    }
    await send(control, await perform(command));
  }
}

const control = new URL(location.href).searchParams.get(CONTROL_PARAMETER);
if (control) void serve(control);
document.getElementById('status')?.replaceChildren(control ? `serving ${control}` : 'no control server given');
