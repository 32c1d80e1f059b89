/**
 * A progress line on stderr for long work (replay, dead-letter retries).
 * Only drawn when stderr is a terminal: in a pipe or a log file a redrawn
 * line would be noise, and the final summary says everything anyway.
 */
import type { CliIo } from './io.js';

/**
 * A progress display; every method is a no-op when stderr is not a TTY.
 *
 * @example
 * ```ts
 * const progress: Progress = createProgress(io, 'replay orders', 100);
 * progress.update(50);
 * progress.done();
 * ```
 */
export interface Progress {
  /** Redraws with `done` of `total` (when known) and a free-text detail. */
  update(done: number, detail?: string): void;
  /** Clears the line. */
  done(): void;
}

const WIDTH = 24;
const REDRAW_MS = 100;

/**
 * Creates a progress display.
 *
 * @example
 * ```ts
 * const progress = createProgress(io, 'replay orders', 500);
 * progress.update(120, 'written 118, dead-lettered 2');
 * progress.done();
 * ```
 */
export function createProgress(io: CliIo, label: string, total?: number): Progress {
  if (!io.stderr.isTTY) return { update() {}, done() {} };
  let lastDraw = 0;
  let drawn = false;
  return {
    update(done, detail) {
      const now = Date.now();
      // Redrawing on every batch would flood a slow terminal.
      if (drawn && now - lastDraw < REDRAW_MS && (total === undefined || done < total)) return;
      lastDraw = now;
      drawn = true;
      let bar = `${done} `;
      if (total !== undefined && total > 0) {
        const filled = Math.round(Math.min(1, done / total) * WIDTH);
        bar = `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${done}/${total} `;
      }
      const text = `${label} ${bar}${detail ?? ''}`;
      const max = (io.stderr.columns ?? 100) - 1;
      io.stderr.write(`\r\x1b[2K${text.slice(0, max)}`);
    },
    done() {
      if (drawn) io.stderr.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
