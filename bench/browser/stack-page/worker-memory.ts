/**
 * The disk worker's memory as the browser attributes it: `performance.measureUserAgentSpecificMemory()`
 * (JS heaps and the ArrayBuffers they own, per realm), which needs a cross-origin isolated page
 * (the stack benchmark's server sends COOP and COEP headers).
 */

/** Bytes attributed to dedicated workers (the page starts only the disk worker), or null when the browser cannot measure. */
export async function dedicatedWorkerBytes(): Promise<number | null> {
  const measure: unknown = Reflect.get(performance, 'measureUserAgentSpecificMemory');
  if (typeof measure !== 'function' || !crossOriginIsolated) return null;
  const result: unknown = await measure.call(performance);
  const breakdown: unknown = isObject(result) ? result['breakdown'] : null;
  if (!Array.isArray(breakdown)) return null;
  let bytes = 0;
  for (const entry of breakdown) {
    if (!isObject(entry) || typeof entry['bytes'] !== 'number' || !Array.isArray(entry['attribution'])) continue;
    if (entry['attribution'].some((who) => isObject(who) && who['scope'] === 'DedicatedWorkerGlobalScope')) bytes += entry['bytes'];
  }
  return bytes;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
