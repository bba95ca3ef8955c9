/** Tiny DOM helpers for the demo page (no framework). */

/** The element with `id`, checked to be an instance of `type`; throws when the page lacks it. */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`demo: #${id} is missing or not a ${type.name}`);
  return element;
}

/** Attributes and properties `h` can set. */
export interface ElementProps {
  className?: string;
  text?: string;
  title?: string;
  dataset?: Record<string, string>;
  onClick?: (event: Event) => void;
  disabled?: boolean;
}

/** Makes a `tag` element with `props` and `children` (strings become text nodes). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: ElementProps = {}, children: (Node | string)[] = []): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.className !== undefined) element.className = props.className;
  if (props.text !== undefined) element.textContent = props.text;
  if (props.title !== undefined) element.title = props.title;
  if (props.dataset) Object.assign(element.dataset, props.dataset);
  if (props.onClick) element.addEventListener('click', props.onClick);
  if (props.disabled !== undefined && 'disabled' in element) element.disabled = props.disabled;
  element.append(...children);
  return element;
}

/** A short text for any thrown value: `Name: message` for errors. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
