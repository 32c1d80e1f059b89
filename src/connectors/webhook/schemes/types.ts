/**
 * The one interface every signature scheme implements. A scheme is pure:
 * it sees the raw body bytes, the headers, the revealed secrets and the
 * clock, and answers verified or why not. It never logs and never puts a
 * secret or a signature into its answer.
 */

/**
 * Why a request failed verification. Every reason answers 401.
 *
 * @example
 * ```ts
 * const reason: VerifyFailure = 'stale-timestamp';
 * ```
 */
export type VerifyFailure =
  | 'missing-header'
  | 'malformed-header'
  | 'unknown-version'
  | 'stale-timestamp'
  | 'future-timestamp'
  | 'bad-signature';

/**
 * What a scheme is given for one request.
 *
 * @example
 * ```ts
 * const input: VerifyInput = { headers: { 'x-hub-signature-256': 'sha256=…' }, body, secrets: ['s3cret'], now: Date.now(), toleranceMs: 300_000 };
 * ```
 */
export interface VerifyInput {
  /** Header names in lower case, as node:http delivers them. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The body exactly as received, before any parsing. */
  body: Buffer;
  /** Revealed secret values, current first; any of them may match (rotation). */
  secrets: readonly string[];
  /** Milliseconds since the epoch. */
  now: number;
  /** Allowed clock difference in both directions, in milliseconds. */
  toleranceMs: number;
}

/**
 * The outcome of {@link SignatureScheme.verify}.
 *
 * @example
 * ```ts
 * const result: VerifyResult = { ok: true, keyIndex: 1 }; // verified with the previous secret
 * ```
 */
export type VerifyResult =
  | {
      ok: true;
      /** Index of the secret that matched: a non-zero index means a rotated-out key is still in use. */
      keyIndex: number;
      /** The signed timestamp in milliseconds, when the scheme signs one. */
      timestamp?: number | undefined;
    }
  | { ok: false; reason: VerifyFailure };

/**
 * A webhook signature scheme.
 *
 * @example
 * ```ts
 * const result = githubScheme().verify({ headers, body, secrets: ['s3cret'], now: Date.now(), toleranceMs: 300_000 });
 * if (!result.ok) reply.code(401);
 * ```
 */
export interface SignatureScheme {
  /** Stable name, recorded with every persisted envelope (`standard-webhooks`, `stripe`, ...). */
  readonly name: string;
  verify(input: VerifyInput): VerifyResult;
}
