/**
 * The serial console's width in characters, so the guest's shell wraps long lines where the page
 * does (a serial line starts at 80 columns). Measured from the `<pre>`'s inner width and the width
 * of its monospace font's characters.
 */

/** Characters measured at once, to average out sub-pixel widths. */
const SAMPLE_CHARS = 100;

/** Whole monospace characters that fit in one line of `pre` (at least 1). */
export function consoleColumns(pre: HTMLElement): number {
  const style = getComputedStyle(pre);
  const inner = pre.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const probe = document.createElement('span');
  probe.textContent = 'x'.repeat(SAMPLE_CHARS);
  probe.style.visibility = 'hidden';
  probe.style.position = 'absolute';
  probe.style.whiteSpace = 'pre';
  pre.append(probe);
  const charWidth = probe.getBoundingClientRect().width / SAMPLE_CHARS;
  probe.remove();
  return charWidth > 0 ? Math.max(1, Math.floor(inner / charWidth)) : 80;
}

/** Calls `onColumns` with the console's width now and after every resize of `pre` (debounced). */
export function watchConsoleColumns(pre: HTMLElement, onColumns: (columns: number) => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last = 0;
  const report = (): void => {
    const columns = consoleColumns(pre);
    if (columns !== last) onColumns(columns);
    last = columns;
  };
  const observer = new ResizeObserver(() => {
    clearTimeout(timer);
    timer = setTimeout(report, 300);
  });
  observer.observe(pre);
  report();
  return () => {
    clearTimeout(timer);
    observer.disconnect();
  };
}
