/**
 * Test helpers for code that logs: a logger whose lines stay in memory, so a
 * test can assert the call line and that no secret was written.
 */
import { createLogger, type Logger } from './logger.js';

/**
 * A captured log: the logger, the raw text and the parsed lines.
 *
 * @example
 * ```ts
 * const log: CapturedLog = captureLog();
 * recordCall({ logger: log.logger }, call);
 * expect(log.records()[0]).toMatchObject({ msg: 'call', outcome: 'success' });
 * expect(log.text()).not.toContain('hunter2');
 * ```
 */
export interface CapturedLog {
  logger: Logger;
  /** Everything written, exactly as it would reach stdout. */
  text(): string;
  /** Every line parsed as JSON. */
  records(): Array<Record<string, unknown>>;
}

/**
 * A logger at `debug` that writes into memory, with `pid`/`hostname` dropped.
 *
 * @example
 * ```ts
 * const log = captureLog();
 * log.logger.info({ a: 1 }, 'hi');
 * log.records()[0]?.['msg']; // 'hi'
 * ```
 */
export function captureLog(level = 'debug'): CapturedLog {
  const chunks: string[] = [];
  const logger = createLogger({
    level,
    base: { pid: undefined, hostname: undefined },
    destination: { write: (line: string) => void chunks.push(line) },
  });
  return {
    logger,
    text: () => chunks.join(''),
    records: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
