/**
 * The question the page asks before it destroys something: a modal `<dialog>` that names what is
 * lost (and what is kept, or how to undo), with Cancel focused so that Enter does no harm. Escape
 * or Cancel answer no.
 */
import { h } from './dom.ts';

/** What to ask. */
export interface ConfirmRequest {
  /** The question, e.g. "Reset disk “lab”?" */
  title: string;
  /** What is lost, kept or undoable, one sentence each. */
  details: readonly string[];
  /** The label of the button that goes ahead, e.g. "Reset". */
  confirmLabel: string;
}

/** The id of the dialog element (for tests). */
export const CONFIRM_DIALOG_ID = 'confirm-dialog';

/** Asks `request`; resolves true when the user confirmed. Only one question is open at a time. */
export function confirmAction(request: ConfirmRequest): Promise<boolean> {
  document.getElementById(CONFIRM_DIALOG_ID)?.remove();
  const cancel = h('button', { text: 'Cancel', dataset: { answer: 'cancel' } });
  const confirm = h('button', { text: request.confirmLabel, className: 'danger-solid', dataset: { answer: 'confirm' } });
  cancel.type = 'button';
  confirm.type = 'button';
  const dialog = h('dialog', { className: 'confirm' }, [
    h('h2', { text: request.title }),
    ...request.details.map((line) => h('p', { text: line })),
    h('div', { className: 'toolbar confirm-buttons' }, [cancel, confirm]),
  ]);
  dialog.id = CONFIRM_DIALOG_ID;
  dialog.setAttribute('aria-labelledby', `${CONFIRM_DIALOG_ID}-title`);
  dialog.querySelector('h2')?.setAttribute('id', `${CONFIRM_DIALOG_ID}-title`);
  document.body.append(dialog);
  return new Promise((resolve) => {
    let answer = false;
    cancel.addEventListener('click', () => dialog.close());
    confirm.addEventListener('click', () => {
      answer = true;
      dialog.close();
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(answer);
    });
    dialog.showModal();
    cancel.focus();
  });
}
