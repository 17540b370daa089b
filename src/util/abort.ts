// Many waiters on one AbortSignal through a single 'abort' listener. Each long-polling fetch waits
// for the broker's shutdown signal; one listener per waiter would pass Node's limit of 10 per
// EventTarget and print MaxListenersExceededWarning under ordinary load.

const waitersBySignal = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls fn once when signal aborts (on the next microtask if it already has); returns the
 * function that stops waiting. All waiters of a signal share one listener on it.
 */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) {
    let cancelled = false;
    queueMicrotask(() => {
      if (!cancelled) fn();
    });
    return () => {
      cancelled = true;
    };
  }
  let waiters = waitersBySignal.get(signal);
  if (waiters === undefined) {
    const set = new Set<() => void>();
    waiters = set;
    waitersBySignal.set(signal, set);
    signal.addEventListener('abort', () => {
      waitersBySignal.delete(signal);
      for (const w of [...set]) w();
      set.clear();
    }, { once: true });
  }
  const entry = () => fn();
  waiters.add(entry);
  return () => {
    waiters.delete(entry);
  };
}
