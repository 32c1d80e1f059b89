/**
 * `graphql-poll`: a GraphQL query with variables, paged Relay-style
 * (`pageInfo { hasNextPage endCursor }`). GraphQL reports failures in an
 * `errors` array, usually with HTTP 200; they are mapped to the error kinds
 * inside the guarded attempt, so a `RATE_LIMITED` error is retried like a
 * 429. Partial data (both `data` and `errors`) fails by default; with
 * `partialData: 'accept'` it is used and the errors are logged (codes and
 * paths only: messages may quote data).
 */
import { z } from 'zod';
import {
  defineConnector,
  type ConnectorContext,
  type ReadContext,
  type SourceBatch,
  type SourceSession,
} from '../../core/connector.js';
import { PatchbayError, type ErrorKind } from '../../core/errors.js';
import { guardedCall } from './call.js';
import { parseJsonResponse } from './classify-response.js';
import { commonHttpFields, openConnection, type HttpConnection } from './options.js';
import { getPath } from './pagination/json-path.js';

/**
 * One entry of a GraphQL `errors` array.
 *
 * @example
 * ```ts
 * const errors: GraphQLError[] = [
 *   { message: 'Throttled', path: ['orders'], extensions: { code: 'THROTTLED', retryAfter: 2 } },
 * ];
 * throw graphqlError(errors, 'POST /graphql'); // a retryable `rate_limited` error
 * ```
 */
export interface GraphQLError {
  message: string;
  path?: Array<string | number>;
  extensions?: { code?: string; [k: string]: unknown };
}

const CODE_KINDS: Record<string, ErrorKind> = {
  UNAUTHENTICATED: 'auth',
  UNAUTHORIZED: 'auth',
  FORBIDDEN: 'auth',
  RATE_LIMITED: 'rate_limited',
  THROTTLED: 'rate_limited',
  TOO_MANY_REQUESTS: 'rate_limited',
  GRAPHQL_PARSE_FAILED: 'config',
  GRAPHQL_VALIDATION_FAILED: 'config',
  BAD_USER_INPUT: 'validation',
  PERSISTED_QUERY_NOT_FOUND: 'config',
  INTERNAL_SERVER_ERROR: 'http_5xx',
  SERVICE_UNAVAILABLE: 'http_5xx',
  TIMEOUT: 'timeout',
};

/**
 * Maps a GraphQL `errors` array to one error: the first error's
 * `extensions.code` decides the kind; unknown codes are non-retryable.
 *
 * @example
 * ```ts
 * graphqlError([{ message: 'slow down', extensions: { code: 'THROTTLED' } }], 'orders').kind; // 'rate_limited'
 * ```
 */
export function graphqlError(errors: readonly GraphQLError[], what: string): PatchbayError {
  const code = errors.find((e) => typeof e.extensions?.code === 'string')?.extensions?.code;
  const kind = code === undefined ? undefined : CODE_KINDS[code.toUpperCase()];
  return new PatchbayError(
    kind ?? 'http_4xx',
    `${what}: GraphQL ${code ?? 'error'} (${errors.length} error(s))`,
    {
      code: `GRAPHQL_${code?.toUpperCase() ?? 'ERROR'}`,
      ...(kind === undefined ? { retryable: false } : {}),
      details: {
        codes: errors.map((e) => e.extensions?.code ?? null),
        paths: errors.map((e) => e.path?.join('.') ?? null),
      },
    },
  );
}

/**
 * Options of {@link graphqlRequest}.
 *
 * @example
 * ```ts
 * const options: GraphQLRequestOptions = {
 *   url: 'https://api.example.com/graphql',
 *   query: 'query($id: ID!) { order(id: $id) { id status total } }',
 *   variables: { id: 'ord_1042' },
 *   headers: { 'x-shop-id': 'eu-1' },
 *   partialData: 'accept', // use `data` even when some fields came back with errors
 * };
 * const data = await graphqlRequest(ctx, conn, options);
 * ```
 */
export interface GraphQLRequestOptions {
  url: string;
  query: string;
  variables?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** `fail` (default) treats data-with-errors as a failure; `accept` uses the data and logs the errors. */
  partialData?: 'fail' | 'accept';
  audit?: boolean;
}

/**
 * Runs one GraphQL operation through the integration's policy pipeline.
 *
 * @example
 * ```ts
 * const data = await graphqlRequest(ctx, conn, {
 *   url: 'https://api.example.com/graphql',
 *   query: 'mutation($in: IncidentInput!) { createIncident(input: $in) { id } }',
 *   variables: { in: { title: 'Truck late' } },
 * });
 * ```
 */
export async function graphqlRequest(
  ctx: ConnectorContext,
  conn: HttpConnection,
  options: GraphQLRequestOptions,
): Promise<unknown> {
  let data: unknown;
  const what = `POST ${new URL(options.url).pathname}`;
  await guardedCall(
    ctx,
    () => ({
      method: 'POST',
      url: new URL(options.url),
      headers: {
        accept: 'application/graphql-response+json, application/json',
        'content-type': 'application/json',
        ...options.headers,
      },
      body: JSON.stringify({ query: options.query, variables: options.variables ?? {} }),
    }),
    {
      client: conn.client,
      auth: conn.auth,
      timeoutMs: conn.timeoutMs,
      audit: options.audit,
      auditBuffer: conn.auditBuffer,
      inspect(res) {
        const body = parseJsonResponse(res, what) as { data?: unknown; errors?: GraphQLError[] };
        const errors = Array.isArray(body.errors) ? body.errors : [];
        const hasData = body.data !== undefined && body.data !== null;
        if (errors.length > 0 && (!hasData || options.partialData !== 'accept')) {
          throw graphqlError(errors, what);
        }
        if (errors.length > 0) {
          ctx.logger.warn(
            {
              integration: ctx.integrationId,
              codes: errors.map((e) => e.extensions?.code),
              paths: errors.map((e) => e.path),
            },
            'GraphQL partial data accepted',
          );
        }
        if (!hasData)
          throw new PatchbayError('parse', `${what}: no data in the response`, {
            code: 'GRAPHQL_NO_DATA',
          });
        data = body.data;
      },
    },
  );
  return data;
}

const config = z
  .object({
    url: z.url().meta({ examples: ['https://api.example.com/graphql'] }),
    query: z
      .string()
      .min(1)
      .meta({
        description:
          'The query; it must accept the cursor variable and select pageInfo { hasNextPage endCursor }',
        examples: [
          'query($after: String) { orders(first: 100, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }',
        ],
      }),
    variables: z.record(z.string(), z.unknown()).default({}),
    connectionPath: z.string().meta({
      description: 'Path under `data` to the Relay connection',
      examples: ['orders', 'shop.orders'],
    }),
    cursorVariable: z.string().default('after'),
    keyPath: z
      .string()
      .optional()
      .meta({ description: 'Path to each node id (item key)', examples: ['id'] }),
    maxPages: z.number().int().positive().default(1000),
    partialData: z.enum(['fail', 'accept']).default('fail'),
    ...commonHttpFields,
  })
  .strict();

/**
 * Parsed `graphql-poll` config.
 *
 * @example
 * ```ts
 * const config: GraphQLSourceConfig = graphqlPoll.spec.config.parse({
 *   url: 'https://api.example.com/graphql',
 *   query: 'query($after: String) { orders(first: 100, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }',
 *   connectionPath: 'orders',
 *   keyPath: 'id',
 * });
 * config.cursorVariable; // 'after' (default)
 * ```
 */
export type GraphQLSourceConfig = z.output<typeof config>;

/**
 * The GraphQL polling source with Relay pagination.
 *
 * @example
 * ```ts
 * source: graphqlPoll({
 *   url: 'https://api.example.com/graphql',
 *   query: 'query($after: String) { orders(first: 100, after: $after) { edges { node { id total } } pageInfo { hasNextPage endCursor } } }',
 *   connectionPath: 'orders', keyPath: 'id',
 *   auth: { type: 'bearer', token: 'env:SHOP_TOKEN' },
 * })
 * ```
 */
export const graphqlPoll = defineConnector({
  kind: 'graphql-poll',
  title: 'GraphQL polling',
  description:
    'Runs a GraphQL query with Relay-style pagination; GraphQL errors mapped to error kinds.',
  direction: 'source',
  config,
  capabilities: {
    ack: 'none',
    checkpoint: 'none',
    replay: 'none',
    idempotentWrites: false,
    connectionTest: false,
  },
  async connect(cfg, connectCtx): Promise<SourceSession> {
    const conn = openConnection(cfg, connectCtx);
    return { read: (ctx) => pollGraphQL(cfg, conn, ctx), close: () => conn.close() };
  },
});

async function* pollGraphQL(
  cfg: GraphQLSourceConfig,
  conn: HttpConnection,
  ctx: ReadContext,
): AsyncGenerator<SourceBatch> {
  const seen = new Set<string>();
  let after: string | undefined;
  for (let page = 0; page < cfg.maxPages && !ctx.signal.aborted; page++) {
    const data = await graphqlRequest(ctx, conn, {
      url: cfg.url,
      query: cfg.query,
      variables: {
        ...cfg.variables,
        ...(after === undefined ? {} : { [cfg.cursorVariable]: after }),
      },
      headers: cfg.headers,
      partialData: cfg.partialData,
      audit: cfg.audit,
    });
    const connection = getPath(data, cfg.connectionPath) as
      | {
          nodes?: unknown[];
          edges?: Array<{ node: unknown }>;
          pageInfo?: { hasNextPage?: boolean; endCursor?: string | null };
        }
      | undefined;
    if (connection === undefined || connection === null || typeof connection !== 'object') {
      throw new PatchbayError('parse', `GraphQL: no connection at data.${cfg.connectionPath}`, {
        code: 'GRAPHQL_NO_CONNECTION',
      });
    }
    const nodes = connection.nodes ?? connection.edges?.map((e) => e.node) ?? [];
    yield {
      items: nodes.map((data) => ({
        key: cfg.keyPath === undefined ? undefined : String(getPath(data, cfg.keyPath)),
        data,
      })),
    };
    const info = connection.pageInfo;
    if (info?.hasNextPage !== true || !info.endCursor) return;
    if (seen.has(info.endCursor)) {
      throw new PatchbayError('parse', 'GraphQL pagination loop: the same endCursor came back', {
        code: 'PAGINATION_LOOP',
      });
    }
    seen.add(info.endCursor);
    after = info.endCursor;
  }
  if (!ctx.signal.aborted) {
    ctx.logger.warn(
      { integration: ctx.integrationId, pages: cfg.maxPages },
      'GraphQL poll stopped at maxPages',
    );
  }
}
