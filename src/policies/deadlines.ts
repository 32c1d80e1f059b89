/**
 * One timer for many deadlines. A per-call `setTimeout` + `clearTimeout`
 * costs about 0.5 µs here and `AbortSignal.timeout` about 15 µs; a deadline
 * entry in this queue costs a heap insert and a removal (O(log n) in the
 * number of calls in flight, typically a few dozen ns), and the queue arms a
 * single timer for the earliest deadline.
 *
 * When a call finishes first, its entry is removed; the armed timer is left
 * alone (it fires at most once per deadline that was earliest when armed,
 * finds nothing due, and re-arms for the new earliest).
 *
 * The timer is unreferenced, so it never keeps a finished process alive, and
 * toggling `ref()` per call (~100 ns) is avoided. Instead, one `beforeExit`
 * listener re-references the timers of queues that still hold deadlines: a
 * call whose promise nothing else drives still times out, as it would with
 * a per-call timer.
 */

/** Queues with an armed timer; kept alive by `beforeExit` while they hold deadlines. */
const armed = new Set<DeadlineQueue>();
let listening = false;

function keepAliveWhilePending(): void {
  for (const queue of armed) queue.refIfPending();
}

/** Node's setTimeout overflows above 2^31 - 1 ms (about 24.8 days). */
const MAX_DELAY = 2_147_483_647;

/** Something with a deadline in the queue. */
export interface DeadlineEntry {
  /** Epoch milliseconds at which {@link DeadlineEntry.expire} runs. */
  at: number;
  /** Position in the heap; -1 when not queued. Managed by the queue. */
  heapIndex: number;
  /** Called once, by the timer, when `at` has passed and the entry is still queued. */
  expire(): void;
}

/**
 * A min-heap of deadlines driven by one timer.
 *
 * @example
 * ```ts
 * const queue = new DeadlineQueue();
 * const entry = { at: Date.now() + 1000, heapIndex: -1, expire: () => console.log('late') };
 * queue.add(entry);
 * queue.remove(entry); // finished in time: nothing fires
 * ```
 */
export class DeadlineQueue {
  readonly #heap: DeadlineEntry[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #armedAt = Infinity;

  /** Entries pending. */
  get size(): number {
    return this.#heap.length;
  }

  /** Queues `entry` (whose `at` must be finite). */
  add(entry: DeadlineEntry): void {
    const heap = this.#heap;
    entry.heapIndex = heap.length;
    heap.push(entry);
    this.#up(entry.heapIndex);
    if (entry.at < this.#armedAt) this.#arm(entry.at);
  }

  /** @internal re-references the timer when deadlines are pending (from `beforeExit`). */
  refIfPending(): void {
    if (this.#heap.length > 0 && this.#timer !== undefined) this.#timer.ref();
  }

  /** Removes `entry` if still queued. */
  remove(entry: DeadlineEntry): void {
    const i = entry.heapIndex;
    if (i < 0) return;
    entry.heapIndex = -1;
    const heap = this.#heap;
    const last = heap.pop()!;
    if (i < heap.length) {
      heap[i] = last;
      last.heapIndex = i;
      this.#down(i);
      this.#up(last.heapIndex);
    }
  }

  #arm(at: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedAt = at;
    const timer = setTimeout(this.#fire, Math.min(MAX_DELAY, Math.max(0, at - Date.now())));
    timer.unref?.();
    this.#timer = timer;
    armed.add(this);
    if (!listening) {
      listening = true;
      process.on('beforeExit', keepAliveWhilePending);
    }
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#armedAt = Infinity;
    const heap = this.#heap;
    const now = Date.now();
    while (heap.length > 0 && heap[0]!.at <= now) {
      const entry = heap[0]!;
      this.remove(entry);
      entry.expire();
    }
    if (heap.length > 0) this.#arm(heap[0]!.at);
    else armed.delete(this);
  };

  #up(i: number): void {
    const heap = this.#heap;
    const entry = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (p.at <= entry.at) break;
      heap[i] = p;
      p.heapIndex = i;
      i = parent;
    }
    heap[i] = entry;
    entry.heapIndex = i;
  }

  #down(i: number): void {
    const heap = this.#heap;
    const n = heap.length;
    const entry = heap[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heap[child + 1]!.at < heap[child]!.at) child++;
      const c = heap[child]!;
      if (c.at >= entry.at) break;
      heap[i] = c;
      c.heapIndex = i;
      i = child;
    }
    heap[i] = entry;
    entry.heapIndex = i;
  }
}
