/**
 * Events as disposable subscriptions, in the manner of cockatiel: every
 * policy exposes `onX(listener) → { dispose() }`. Emitting to nobody costs
 * one property read, and policies measure time only when
 * {@link EventEmitter.hasListeners} says someone listens.
 */

/**
 * A subscription; call `dispose()` to stop listening. Idempotent.
 *
 * @example
 * ```ts
 * const subs: Disposable[] = [pipeline.onRetry((e) => logger.info(e, 'retrying')), pipeline.onGiveUp((e) => logger.warn(e, 'gave up'))];
 * // on shutdown
 * for (const s of subs) s.dispose();
 * ```
 */
export interface Disposable {
  dispose(): void;
}

/**
 * Subscribes a listener and returns its {@link Disposable}.
 *
 * @example
 * ```ts
 * const sub = pipeline.onRetry((e) => logger.info(e, 'retrying'));
 * sub.dispose();
 * ```
 */
export type Event<T> = (listener: (event: T) => void) => Disposable;

/**
 * A minimal, allocation-free-when-idle event emitter. A listener that throws
 * does not break the call that emitted: the error becomes a process warning.
 *
 * @example
 * ```ts
 * const emitter = new EventEmitter<number>();
 * const sub = emitter.event((n) => console.log(n));
 * emitter.emit(1); // logs 1
 * sub.dispose();
 * ```
 */
export class EventEmitter<T> {
  #listeners: Array<(event: T) => void> = [];

  /** True when at least one listener is subscribed. */
  get hasListeners(): boolean {
    return this.#listeners.length > 0;
  }

  /** Subscribes a listener; see {@link Event}. */
  readonly event: Event<T> = (listener) => {
    // Copy-on-write, so an emit in progress is never disturbed.
    this.#listeners = [...this.#listeners, listener];
    let disposed = false;
    return {
      dispose: () => {
        if (disposed) return;
        disposed = true;
        this.#listeners = this.#listeners.filter((l) => l !== listener);
      },
    };
  };

  /** Calls every listener with `event`. */
  emit(event: T): void {
    const listeners = this.#listeners;
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i]!(event);
      } catch (err) {
        process.emitWarning(
          `patchbay policy event listener threw: ${err instanceof Error ? err.message : String(err)}`,
          { code: 'PATCHBAY_LISTENER_ERROR' },
        );
      }
    }
  }
}

/**
 * A combined subscription: disposing it disposes every part.
 * @example
 * ```ts
 * const sub = disposeAll([pipeline.onRetry(log), pipeline.onGiveUp(log)]);
 * sub.dispose();
 * ```
 */
export function disposeAll(parts: readonly Disposable[]): Disposable {
  return {
    dispose() {
      for (const p of parts) p.dispose();
    },
  };
}
