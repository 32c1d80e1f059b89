/**
 * The `recording` item: an HTTP connector set to `record` or `replay` (see
 * connectors/http/recording/config.ts) is a debugging setup, not a
 * production one. Reported only for integrations that set it, so every
 * other integration's checklist stays as it was.
 */
import type { PreparedIntegration } from '../runtime/prepare.js';
import type { CheckItem } from './types.js';

const TITLE = 'no HTTP recording or replay';

/**
 * Warns when a connector records its HTTP exchanges to a fixture file
 * (customer data on disk: only credentials and the configured fields are
 * redacted) or replays one (the live system is not called at all).
 * `undefined` when no connector of the integration sets `recording`.
 *
 * @example
 * ```ts
 * checkRecording(prepared)?.reason;
 * // "source.config.recording is 'record': every exchange is written to fixtures/gps-api.json ..."
 * ```
 */
export function checkRecording(p: PreparedIntegration): CheckItem | undefined {
  const found: Array<{ field: string; mode: 'record' | 'replay'; file: string }> = [];
  const look = (field: string, config: unknown) => {
    const recording = (config as { recording?: unknown } | null)?.recording as
      { mode?: unknown; file?: unknown } | undefined;
    if (recording?.mode === 'record' || recording?.mode === 'replay') {
      found.push({ field, mode: recording.mode, file: String(recording.file) });
    }
  };
  look('source.config.recording', p.source.config);
  if (p.sink.kind === 'connector') look('sink.config.recording', p.sink.connector.config);
  if (found.length === 0) return undefined;
  const reason = found
    .map(({ field, mode, file }) =>
      mode === 'record'
        ? `${field} is 'record': every exchange is written to ${file}, customer data on disk (only credentials and the configured fields are redacted)`
        : `${field} is 'replay': answers come from ${file}, not calling the live system`,
    )
    .join('; ');
  return {
    id: 'recording',
    title: TITLE,
    status: 'warn',
    reason,
    fix: `remove ${found.map((f) => f.field).join(' and ')} before going live (keep it on a copy of the integration for tests and incident replays)`,
  };
}
