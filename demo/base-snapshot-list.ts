/**
 * The snapshot list of the disk in use: one item per snapshot (oldest first) with Restore and
 * Delete buttons. Items carry `data-snapshot=<id>` and `data-label=<label>` for tests.
 */
import type { SnapshotInfo } from 'qedisk';
import { h } from './dom.ts';
import { formatBytes } from './format.ts';

/** What the buttons ask the page to do. */
export interface SnapshotListActions {
  /** Put the disk back to snapshot `id` (labelled `label`). */
  restore(id: string, label: string): void;
  /** Delete snapshot `id` (labelled `label`). */
  remove(id: string, label: string): void;
}

/** Shows `snapshots` in `list`; with `busy`, every button is disabled. */
export function renderSnapshotList(list: HTMLUListElement, snapshots: readonly SnapshotInfo[], busy: boolean, actions: SnapshotListActions): void {
  const items = snapshots.map((snapshot) => item(snapshot, busy, actions));
  if (items.length === 0) items.push(h('li', { className: 'empty', text: 'No snapshots.' }));
  list.replaceChildren(...items);
}

function item(snapshot: SnapshotInfo, busy: boolean, actions: SnapshotListActions): HTMLLIElement {
  const { id, label } = snapshot;
  const held = snapshot.dependents.length > 0;
  const restore = h('button', { text: 'Restore', disabled: busy, dataset: { action: 'restore' }, onClick: () => actions.restore(id, label) });
  const remove = h('button', {
    text: 'Delete',
    className: 'danger',
    disabled: busy || held,
    title: held ? 'The disk (or a later snapshot) still reads through it' : 'Delete this snapshot',
    dataset: { action: 'delete' },
    onClick: () => actions.remove(id, label),
  });
  const meta = [
    snapshot.createdAt > 0 ? new Date(snapshot.createdAt).toLocaleString() : null,
    snapshot.physicalSize === null ? null : formatBytes(snapshot.physicalSize),
    snapshot.current ? 'the disk continues from it' : null,
  ].filter((part) => part !== null);
  return h('li', { className: snapshot.current ? 'selected' : '', dataset: { snapshot: id, label } }, [
    h('div', {}, [h('span', { className: 'disk-name', text: label }), ' ', h('span', { className: 'disk-meta', text: meta.join(', ') })]),
    h('div', { className: 'disk-actions' }, [restore, remove]),
  ]);
}
