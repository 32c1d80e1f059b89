/**
 * Config fields every HTTP connector shares: target, headers, auth, timeout,
 * response limits, status overrides, audit, recording.
 */
import { z } from 'zod';
import { parseDuration } from '../../core/duration.js';
import type { ConnectorContext } from '../../core/connector.js';
import { secretRef } from '../../core/secrets/schema.js';
import { authSchema, createAuth, type HttpAuth } from './auth/index.js';
import { statusOverridesSchema } from './classify-response.js';
import type { SsrfOptions } from './ssrf.js';
import { createHttpClient, DEFAULT_MAX_RESPONSE_BYTES, type HttpClient } from './client.js';
import { AuditBuffer } from './audit.js';
import {
  fixturePath,
  fixtureRecorder,
  fixtureReplayer,
  recordingRules,
  recordingSchema,
  replayAuth,
  type RecordingConfig,
} from './recording/config.js';

/**
 * Shared fields, spread into each connector's config object.
 * @example
 * ```ts
 * const config = z.object({ url: z.url(), ...commonHttpFields }).strict();
 * ```
 */
export const commonHttpFields = {
  headers: z
    .record(z.string(), z.string())
    .default({})
    .meta({ description: 'Extra request headers (not secret: use `auth` for credentials)' }),
  auth: authSchema.optional(),
  timeout: z
    .union([z.number(), z.string()])
    .default('30s')
    .meta({ description: 'Per-call timeout, headers and body included', examples: ['10s'] }),
  maxResponseBytes: z
    .number()
    .int()
    .positive()
    .default(DEFAULT_MAX_RESPONSE_BYTES)
    .meta({ description: 'Larger responses fail with a parse error', advanced: true }),
  ...statusOverridesSchema,
  tls: z
    .object({
      cert: secretRef('client certificate (PEM)').optional(),
      key: secretRef('client private key (PEM)').optional(),
      ca: secretRef('pinned CA certificate(s) (PEM); replaces the system trust store').optional(),
      servername: z
        .string()
        .optional()
        .meta({ description: 'Expected server name (SNI)', advanced: true }),
    })
    .strict()
    .optional()
    .meta({
      description:
        'Mutual TLS and CA pinning; re-read before each call, so rotation needs no restart',
    }),
  audit: z.boolean().default(true).meta({
    description: 'Write an audit row per call (identity, target, outcome, latency)',
    advanced: true,
  }),
  recording: recordingSchema.optional(),
};

/**
 * The parsed shared fields.
 *
 * @example
 * ```ts
 * const config: CommonHttpConfig = z.object(commonHttpFields).parse({
 *   auth: { type: 'bearer', token: 'env:LOADS_TOKEN' },
 *   timeout: '10s',
 *   successOn: [409],
 *   tls: { ca: 'file:/etc/patchbay/partner-ca.pem' },
 * });
 * const conn = openConnection(config, ctx);
 * ```
 */
export interface CommonHttpConfig {
  headers: Record<string, string>;
  auth?: z.output<typeof authSchema> | undefined;
  timeout: number | string;
  maxResponseBytes: number;
  successOn: number[];
  dropOn: number[];
  retryOn: number[];
  audit: boolean;
  tls?:
    | {
        cert?: string | undefined;
        key?: string | undefined;
        ca?: string | undefined;
        servername?: string | undefined;
      }
    | undefined;
  recording?: RecordingConfig | undefined;
}

/**
 * A connected client with its auth, limits and audit buffer.
 *
 * @example
 * ```ts
 * const conn: HttpConnection = openConnection(config, ctx);
 * try {
 *   await guardedCall(ctx, build, {
 *     client: conn.client, auth: conn.auth, timeoutMs: conn.timeoutMs, auditBuffer: conn.auditBuffer,
 *   });
 * } finally {
 *   await conn.close(); // flushes the audit rows, then closes the pool
 * }
 * ```
 */
export interface HttpConnection {
  client: HttpClient;
  auth: HttpAuth;
  timeoutMs: number;
  /** The session's audit rows, written in groups (see {@link AuditBuffer}). */
  auditBuffer: AuditBuffer;
  /** Writes the held audit rows, then closes every pooled connection. */
  close(): Promise<void>;
}

/**
 * Opens the keep-alive client and builds the auth scheme of a session.
 *
 * @example
 * ```ts
 * const conn = openConnection(config, ctx);
 * const { response } = await guardedCall(ctx, build, { client: conn.client, auth: conn.auth, auditBuffer: conn.auditBuffer });
 * await conn.close();
 * ```
 */
export function openConnection(
  config: CommonHttpConfig,
  ctx: ConnectorContext,
  extra: { ssrf?: SsrfOptions | undefined } = {},
): HttpConnection {
  const timeoutMs = parseDuration(config.timeout as never, 'timeout');
  const recording = config.recording;
  let client: HttpClient;
  let auth: HttpAuth;
  if (recording?.mode === 'replay') {
    // No network: no SSRF guard, no TLS material, and no secret is resolved.
    client = fixtureReplayer(fixturePath(recording));
    auth = replayAuth(config.auth, createAuth(config.auth, { secrets: ctx.secrets, client }));
  } else {
    const live = liveClient(config, ctx, timeoutMs, extra.ssrf);
    client =
      recording === undefined
        ? live
        : fixtureRecorder(live, {
            path: fixturePath(recording),
            name: ctx.integrationId,
            rules: recordingRules(recording.redact, config.auth),
            logger: ctx.logger,
          });
    // Token requests go through the recorder too: they are part of what the API saw.
    auth = createAuth(config.auth, { secrets: ctx.secrets, client });
  }
  const auditBuffer = new AuditBuffer(ctx);
  return {
    client,
    auth,
    timeoutMs,
    auditBuffer,
    async close() {
      try {
        await auditBuffer.close();
      } finally {
        await client.close();
      }
    },
  };
}

function liveClient(
  config: CommonHttpConfig,
  ctx: ConnectorContext,
  timeoutMs: number,
  ssrf: SsrfOptions | undefined,
): HttpClient {
  const tls = config.tls;
  const reveal = async (ref: string | undefined) =>
    ref === undefined ? undefined : (await ctx.secrets.resolve(ref)).reveal();
  return createHttpClient({
    timeoutMs,
    maxResponseBytes: config.maxResponseBytes,
    ssrf,
    ...(tls
      ? {
          tls: async () => ({
            cert: await reveal(tls.cert),
            key: await reveal(tls.key),
            ca: await reveal(tls.ca),
            servername: tls.servername,
          }),
        }
      : {}),
  });
}
