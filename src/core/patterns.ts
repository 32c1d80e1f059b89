/**
 * The integration patterns Patchbay knows.
 *
 * @example
 * ```ts
 * PATTERNS.includes('rest-poll'); // true
 * ```
 */
export const PATTERNS = [
  'rest-poll',
  'sql-extract',
  'soap',
  'webhook',
  'queue',
  'file-drop',
  'outbound-call',
  'sync',
  'cdc',
] as const;

/**
 * One of {@link PATTERNS}.
 *
 * @example
 * ```ts
 * const pattern: Pattern = 'webhook';
 * defineIntegration({ ...options, pattern });
 * ```
 */
export type Pattern = (typeof PATTERNS)[number];
