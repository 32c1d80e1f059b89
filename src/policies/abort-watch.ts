/**
 * One `abort` listener per caller signal, however many calls share it.
 *
 * A job usually passes one signal to every call it makes. Adding and
 * removing an event listener per call costs ~0.3 µs each and makes Node
 * warn about "possible EventTarget memory leaks" past 10 concurrent calls.
 * Instead, calls register in a set kept per signal (a WeakMap entry, gone
 * with the signal); the signal's single listener cancels whatever is in the
 * set when it aborts.
 */

/** Something to cancel when the signal aborts; `watchIndex` is managed here (-1 when not watched). */
export interface Cancellable {
  watchIndex: number;
  cancel(): void;
}

// Arrays with swap-remove rather than Sets: putting a fresh object in a Set
// gives it an identity hash (~100 ns per add+delete here); an index does not.
const watched = new WeakMap<AbortSignal, Cancellable[]>();

/**
 * Cancels `target` when `signal` aborts (once), until {@link unwatchAbort}.
 *
 * @example
 * ```ts
 * watchAbort(signal, attempt);
 * try { await attempt.run(fn, queue); } finally { unwatchAbort(signal, attempt); }
 * ```
 */
export function watchAbort(signal: AbortSignal, target: Cancellable): void {
  let list = watched.get(signal);
  if (list === undefined) {
    const targets: Cancellable[] = [];
    list = targets;
    watched.set(signal, targets);
    signal.addEventListener(
      'abort',
      () => {
        const now = targets.splice(0);
        for (const t of now) {
          t.watchIndex = -1;
          t.cancel();
        }
      },
      { once: true },
    );
  }
  target.watchIndex = list.length;
  list.push(target);
}

/** Stops watching `target`. */
export function unwatchAbort(signal: AbortSignal, target: Cancellable): void {
  const i = target.watchIndex;
  if (i < 0) return;
  target.watchIndex = -1;
  const list = watched.get(signal);
  if (list === undefined) return;
  const last = list.pop()!;
  if (i < list.length) {
    list[i] = last;
    last.watchIndex = i;
  }
}
