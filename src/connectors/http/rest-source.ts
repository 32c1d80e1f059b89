/**
 * `http-poll`: a REST API polled page by page. Each page is fetched through
 * the integration's policy pipeline, validated (status, content type, JSON)
 * before it is handed on, and yielded as one batch whose checkpoint the
 * runtime saves only once the batch is acknowledged downstream.
 */
import { z } from 'zod';
import {
  defineConnector,
  type ReadContext,
  type SourceBatch,
  type SourceSession,
} from '../../core/connector.js';
import { PatchbayError } from '../../core/errors.js';
import type { JsonValue } from '../../core/json-safe.js';
import { headerValue } from '../../policies/rate-limit-headers.js';
import { guardedCall } from './call.js';
import { parseJsonResponse } from './classify-response.js';
import { IncrementalCursor, incrementalSchema } from './incremental.js';
import { commonHttpFields, openConnection } from './options.js';
import { createPaginator, PageLoopGuard, paginationSchema } from './pagination/strategies.js';
import { getPath } from './pagination/json-path.js';

const config = z
  .object({
    url: z.url().meta({
      description: 'The collection to poll',
      examples: ['https://api.example.com/v1/loads'],
    }),
    query: z
      .record(z.string(), z.string())
      .default({})
      .meta({ description: 'Extra query parameters' }),
    recordsPath: z
      .string()
      .default('$')
      .meta({
        description: 'Path to the array of records in the body',
        examples: ['data', 'result.items'],
      }),
    keyPath: z
      .string()
      .optional()
      .meta({ description: 'Path to each record id (item key)', examples: ['id'] }),
    pagination: paginationSchema,
    maxPages: z.number().int().positive().default(1000).meta({
      description: 'Stop (with a warning, at a checkpoint) after this many pages in one run',
    }),
    incremental: incrementalSchema.optional().meta({
      description: 'Incremental loading by a cursor field (dlt-style); omit for a full poll',
    }),
    conditional: z.boolean().default(false).meta({
      description: 'Send If-None-Match / If-Modified-Since from the last acknowledged response',
    }),
    ...commonHttpFields,
  })
  .strict();

/**
 * Parsed `http-poll` config.
 *
 * @example
 * ```ts
 * const config: RestSourceConfig = httpPoll.spec.config.parse({
 *   url: 'https://api.example.com/v1/loads',
 *   recordsPath: 'data',
 *   keyPath: 'id',
 *   pagination: { type: 'offset', limit: 200, totalPath: 'meta.total' },
 * });
 * config.maxPages; // 1000 (default)
 * ```
 */
export type RestSourceConfig = z.output<typeof config>;

/**
 * Cache namespace of ETag / Last-Modified validators, one entry per page URL:
 * `{ etag, lastModified, notModified }`, the last being how many 304s that URL
 * has answered.
 */
const VALIDATORS = 'http-validators';

/**
 * The REST polling source.
 *
 * @example
 * ```ts
 * source: httpPoll({
 *   url: 'https://api.example.com/v1/loads',
 *   recordsPath: 'data', keyPath: 'id',
 *   pagination: { type: 'cursor', cursorPath: 'meta.next_cursor', param: 'cursor' },
 *   incremental: { cursorPath: 'updated_at', initialValue: '2026-01-01T00:00:00Z', param: 'updated_since', primaryKey: 'id' },
 *   auth: { type: 'bearer', token: 'env:LOADS_TOKEN' },
 * })
 * ```
 */
export const httpPoll = defineConnector({
  kind: 'http-poll',
  title: 'HTTP REST polling',
  description:
    'Polls a REST API: pagination, incremental cursor, conditional requests, service identity, Retry-After.',
  direction: 'source',
  config,
  capabilities: {
    ack: 'none',
    checkpoint: 'cursor',
    replay: 'checkpoint',
    idempotentWrites: false,
    connectionTest: false,
  },
  async connect(cfg, connectCtx): Promise<SourceSession> {
    const conn = openConnection(cfg, connectCtx);
    return {
      read: (ctx) => poll(cfg, conn, ctx),
      close: () => conn.close(),
    };
  },
});

async function* poll(
  cfg: RestSourceConfig,
  conn: ReturnType<typeof openConnection>,
  ctx: ReadContext,
): AsyncGenerator<SourceBatch> {
  const cursor = cfg.incremental
    ? new IncrementalCursor(cfg.incremental, {
        checkpoint: ctx.mode === 'live' ? ctx.checkpoint?.value : undefined,
        range: ctx.mode === 'replay' ? ctx.range : undefined,
      })
    : undefined;
  const start = new URL(cfg.url);
  for (const [k, v] of Object.entries(cfg.query)) start.searchParams.set(k, v);
  if (cursor && cfg.incremental?.param)
    start.searchParams.set(cfg.incremental.param, String(cursor.from));
  if (cursor?.to !== undefined && cfg.incremental?.endParam) {
    start.searchParams.set(cfg.incremental.endParam, String(cursor.to));
  }
  const paginator = createPaginator(cfg.pagination);
  const loops = new PageLoopGuard();
  // Conditional requests only make sense for live polls of the same resource.
  const conditional = cfg.conditional && ctx.mode === 'live';
  let url: URL | undefined = paginator.first(start);
  let pages = 0;
  let items = 0;
  while (url !== undefined && !ctx.signal.aborted) {
    const stop = budgetReached(cfg, ctx, pages, items);
    if (stop) {
      ctx.logger.warn(
        { integration: ctx.integrationId, pages, items, reason: stop },
        'poll stopped early at a checkpoint',
      );
      return;
    }
    loops.visit(url);
    const pageUrl: URL = url;
    const validators = conditional
      ? await ctx.store.cache.get(VALIDATORS, pageUrl.href)
      : undefined;
    const { response, outcome } = await guardedCall(
      ctx,
      () => ({
        method: 'GET',
        url: new URL(pageUrl),
        headers: {
          accept: 'application/json',
          ...cfg.headers,
          ...conditionalHeaders(validators?.value),
        },
      }),
      {
        client: conn.client,
        auth: conn.auth,
        overrides: cfg,
        audit: cfg.audit,
        auditBuffer: conn.auditBuffer,
        timeoutMs: conn.timeoutMs,
      },
    );
    pages++;
    if (outcome === 'not-modified') {
      // Nothing changed since the last acknowledged response: no parsing, no records,
      // no checkpoint; only counted, in the validators entry of that URL.
      const notModified = countOf(validators?.value) + 1;
      if (validators !== undefined && isObject(validators.value)) {
        await ctx.store.cache.set(VALIDATORS, pageUrl.href, { ...validators.value, notModified });
      }
      ctx.logger.info(
        { integration: ctx.integrationId, notModified, target: pageUrl.pathname },
        'not modified',
      );
      return;
    }
    if (outcome === 'drop') return;
    const what = `GET ${pageUrl.origin}${pageUrl.pathname}`;
    const body = parseJsonResponse(response, what);
    const records = getPath(body, cfg.recordsPath);
    if (!Array.isArray(records)) {
      throw new PatchbayError('parse', `${what}: ${cfg.recordsPath} is not an array`, {
        code: 'RECORDS_NOT_ARRAY',
        retryable: false,
      });
    }
    const next = paginator.next({ url: pageUrl, response, body, records });
    const fresh = cursor ? cursor.accept(records) : records;
    items += fresh.length;
    const state = cursor?.state();
    const checkpoint =
      state && (cfg.incremental?.ordered !== false || next === undefined)
        ? { kind: 'cursor' as const, value: { last: state.last, keys: state.keys } }
        : undefined;
    const etag = headerValue(response.headers, 'etag');
    const lastModified = headerValue(response.headers, 'last-modified');
    yield {
      items: fresh.map((data) => ({
        key: cfg.keyPath === undefined ? undefined : String(getPath(data, cfg.keyPath)),
        data,
      })),
      checkpoint,
      ack: async () => {
        // Not awaited: rows handed over before the runtime saves this page's checkpoint
        // commit with it (the store commits in order), at no extra fsync. Without a
        // checkpoint there is no commit to join, so the buffer's own limits decide.
        if (checkpoint !== undefined) void conn.auditBuffer.flush();
        // Validators are saved only once the page is acknowledged: a crash before that re-reads it.
        if (conditional && (etag !== undefined || lastModified !== undefined)) {
          await ctx.store.cache.set(VALIDATORS, pageUrl.href, {
            etag: etag ?? null,
            lastModified: lastModified ?? null,
            notModified: countOf(validators?.value),
          });
        }
      },
    };
    url = next;
  }
}

function budgetReached(
  cfg: RestSourceConfig,
  ctx: ReadContext,
  pages: number,
  items: number,
): string | undefined {
  if (pages >= cfg.maxPages) return 'maxPages';
  if (items >= ctx.budget.maxItems) return 'maxItems';
  if (Date.now() >= ctx.budget.deadline) return 'deadline';
  return undefined;
}

function isObject(value: unknown): value is Record<string, JsonValue> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** 304s answered so far for one URL (kept across validator changes). */
function countOf(value: unknown): number {
  const n = isObject(value) ? value['notModified'] : undefined;
  return typeof n === 'number' ? n : 0;
}

function conditionalHeaders(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object') return {};
  const v = value as { etag?: string | null; lastModified?: string | null };
  return {
    ...(v.etag ? { 'if-none-match': v.etag } : {}),
    ...(v.lastModified ? { 'if-modified-since': v.lastModified } : {}),
  };
}
