/**
 * Presence over a BroadcastChannel: a worker that holds a disk's lock answers "here" when another
 * one asks who holds it. A live holder answers at once, so a second tab can fail fast with
 * `DiskBusyError`; a page that is unloading does not answer, so its lock is waited for instead.
 */

/** Channel shared by every qedisk worker of the origin. */
const CHANNEL_NAME = 'qedisk:presence';

/** A presence message. */
interface PresenceMessage {
  kind: 'who' | 'here';
  name: string;
  nonce: string;
}

/** Disk names this worker answers for. */
const holding = new Set<string>();
let channel: BroadcastChannel | null = null;

/** True when `data` is a `PresenceMessage`. */
function isPresenceMessage(data: unknown): data is PresenceMessage {
  if (typeof data !== 'object' || data === null) return false;
  const kind = Reflect.get(data, 'kind');
  return (kind === 'who' || kind === 'here') && typeof Reflect.get(data, 'name') === 'string' && typeof Reflect.get(data, 'nonce') === 'string';
}

/** The channel, created on first use with the responder attached. */
function presenceChannel(): BroadcastChannel {
  if (channel) return channel;
  const created = new BroadcastChannel(CHANNEL_NAME);
  created.addEventListener('message', (event: MessageEvent<unknown>) => {
    const message = event.data;
    if (isPresenceMessage(message) && message.kind === 'who' && holding.has(message.name)) {
      created.postMessage({ kind: 'here', name: message.name, nonce: message.nonce } satisfies PresenceMessage);
    }
  });
  channel = created;
  return created;
}

/** Starts answering "here" for disk `name`. */
export function announceHolding(name: string): void {
  presenceChannel();
  holding.add(name);
}

/** Stops answering for disk `name`. */
export function stopHolding(name: string): void {
  holding.delete(name);
}

/** An outstanding "who holds it?" question. */
export interface HolderQuery {
  /** True once a live holder has answered. */
  readonly answered: boolean;
  /** Stops listening for answers. */
  dispose(): void;
}

/** Asks the other workers of the origin whether one of them holds disk `name`. */
export function askForHolder(name: string): HolderQuery {
  const bus = presenceChannel();
  const nonce = `${Date.now()}-${Math.random()}`;
  const query = { answered: false, dispose: () => bus.removeEventListener('message', listener) };
  const listener = (event: MessageEvent<unknown>): void => {
    const message = event.data;
    if (isPresenceMessage(message) && message.kind === 'here' && message.nonce === nonce) query.answered = true;
  };
  bus.addEventListener('message', listener);
  bus.postMessage({ kind: 'who', name, nonce } satisfies PresenceMessage);
  return query;
}
