/**
 * Pagination strategies: how to get from one page to the next, and when to
 * stop. A strategy only computes the next URL; the source loop enforces
 * `maxPages` and detects loops (the same page requested twice).
 */
import { z } from 'zod';
import { PatchbayError } from '../../../core/errors.js';
import type { HttpResponse } from '../client.js';
import { getPath } from './json-path.js';
import { findLink } from './link-header.js';

const hasMore = z
  .string()
  .optional()
  .meta({ description: 'Path to a boolean "more pages" flag; false stops', advanced: true });

/**
 * Every pagination strategy's config, told apart by `type`. Default `{ type: 'none' }`.
 * @example
 * ```ts
 * paginationSchema.parse({ type: 'offset', limit: 200, totalPath: 'meta.total' });
 * ```
 */
export const paginationSchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('none') }).strict(),
    z
      .object({
        type: z.literal('cursor'),
        cursorPath: z.string().meta({
          description: 'Path to the next cursor in the body',
          examples: ['meta.next_cursor'],
        }),
        param: z
          .string()
          .default('cursor')
          .meta({ description: 'Query parameter that carries it' }),
        hasMorePath: hasMore,
      })
      .strict(),
    z
      .object({
        type: z.literal('page-token'),
        tokenPath: z.string().default('nextPageToken'),
        param: z.string().default('pageToken'),
      })
      .strict(),
    z.object({ type: z.literal('link'), rel: z.string().default('next') }).strict(),
    z
      .object({
        type: z.literal('next-url'),
        path: z.string().meta({
          description: 'Path to the next page URL (absolute or relative)',
          examples: ['links.next'],
        }),
      })
      .strict(),
    z
      .object({
        type: z.literal('page-number'),
        param: z.string().default('page'),
        start: z.number().int().default(1),
        sizeParam: z.string().optional(),
        size: z.number().int().positive().optional(),
        totalPagesPath: z.string().optional(),
      })
      .strict(),
    z
      .object({
        type: z.literal('offset'),
        offsetParam: z.string().default('offset'),
        limitParam: z.string().default('limit'),
        limit: z.number().int().positive().default(100),
        totalPath: z.string().optional(),
      })
      .strict(),
  ])
  .default({ type: 'none' })
  .meta({
    description:
      'How to get the next page: none, cursor, page-token, link, next-url, page-number or offset',
  });

/**
 * Parsed pagination config.
 *
 * @example
 * ```ts
 * const config: PaginationConfig = paginationSchema.parse({
 *   type: 'page-number', param: 'page', sizeParam: 'per_page', size: 50, totalPagesPath: 'meta.total_pages',
 * });
 * const pages = createPaginator(config);
 * ```
 */
export type PaginationConfig = z.output<typeof paginationSchema>;

/**
 * One fetched page, as a strategy sees it.
 *
 * @example
 * ```ts
 * const body = parseJsonResponse(response, 'GET /v1/loads') as { data: unknown[] };
 * const page: PageView = { url, response, body, records: body.data };
 * const nextUrl = paginator.next(page); // undefined after the last page
 * ```
 */
export interface PageView {
  url: URL;
  response: HttpResponse;
  body: unknown;
  records: readonly unknown[];
}

/**
 * Computes the first and every next page URL.
 *
 * @example
 * ```ts
 * const pages: Paginator = createPaginator({ type: 'link', rel: 'next' });
 * let url: URL | undefined = pages.first(new URL('https://api.example.com/v1/loads?per_page=100'));
 * while (url) {
 *   const response = await client.send({ method: 'GET', url, headers: {} }, signal);
 *   const body = parseJsonResponse(response, 'GET /v1/loads') as unknown[];
 *   url = pages.next({ url, response, body, records: body });
 * }
 * ```
 */
export interface Paginator {
  first(url: URL): URL;
  /** The next page's URL, or `undefined` when this was the last page. */
  next(page: PageView): URL | undefined;
}

/**
 * The paginator a config describes.
 *
 * @example
 * ```ts
 * const pages = createPaginator({ type: 'cursor', cursorPath: 'meta.next', param: 'cursor' });
 * let url = pages.first(new URL('https://api.example.com/v1/loads'));
 * ```
 */
export function createPaginator(config: PaginationConfig): Paginator {
  switch (config.type) {
    case 'none':
      return { first: (u) => u, next: () => undefined };
    case 'cursor':
    case 'page-token': {
      const path = config.type === 'cursor' ? config.cursorPath : config.tokenPath;
      const more = config.type === 'cursor' ? config.hasMorePath : undefined;
      return {
        first: (u) => u,
        next({ url, body }) {
          if (more !== undefined && getPath(body, more) === false) return undefined;
          const cursor = getPath(body, path);
          if (cursor === undefined || cursor === null || cursor === '') return undefined;
          if (typeof cursor !== 'string' && typeof cursor !== 'number') {
            throw new PatchbayError('parse', `pagination: ${path} is not a string or number`, {
              code: 'PAGINATION_CURSOR',
            });
          }
          const next = new URL(url);
          next.searchParams.set(config.param, String(cursor));
          return next;
        },
      };
    }
    case 'link':
      return {
        first: (u) => u,
        next: ({ url, response }) => findLink(response.headers['link'], config.rel, url),
      };
    case 'next-url':
      return {
        first: (u) => u,
        next({ url, body }) {
          const next = getPath(body, config.path);
          if (typeof next !== 'string' || next === '') return undefined;
          return new URL(next, url);
        },
      };
    case 'page-number':
      return {
        first(u) {
          const url = new URL(u);
          url.searchParams.set(config.param, String(config.start));
          if (config.sizeParam && config.size)
            url.searchParams.set(config.sizeParam, String(config.size));
          return url;
        },
        next({ url, body, records }) {
          const page = Number(url.searchParams.get(config.param) ?? config.start);
          if (records.length === 0) return undefined;
          if (config.size !== undefined && records.length < config.size) return undefined;
          if (config.totalPagesPath !== undefined) {
            const total = Number(getPath(body, config.totalPagesPath));
            // Pages counted from 0 end at total-1; from 1 at total.
            if (Number.isFinite(total) && page - config.start + 1 >= total) return undefined;
          }
          const next = new URL(url);
          next.searchParams.set(config.param, String(page + 1));
          return next;
        },
      };
    case 'offset':
      return {
        first(u) {
          const url = new URL(u);
          url.searchParams.set(config.offsetParam, '0');
          url.searchParams.set(config.limitParam, String(config.limit));
          return url;
        },
        next({ url, body, records }) {
          const offset = Number(url.searchParams.get(config.offsetParam) ?? 0) + records.length;
          if (records.length < config.limit) return undefined;
          if (config.totalPath !== undefined) {
            const total = Number(getPath(body, config.totalPath));
            if (Number.isFinite(total) && offset >= total) return undefined;
          }
          const next = new URL(url);
          next.searchParams.set(config.offsetParam, String(offset));
          return next;
        },
      };
  }
}

/**
 * Loop detection: remembers every page URL of a run and throws a `parse`
 * error when the API sends us back to one, instead of polling forever.
 *
 * @example
 * ```ts
 * const seen = new PageLoopGuard();
 * seen.visit(url); seen.visit(url); // throws PAGINATION_LOOP
 * ```
 */
export class PageLoopGuard {
  readonly #seen = new Set<string>();

  visit(url: URL): void {
    if (this.#seen.has(url.href)) {
      throw new PatchbayError(
        'parse',
        `pagination loop: ${url.origin}${url.pathname} was already fetched in this run with the same parameters`,
        {
          code: 'PAGINATION_LOOP',
          details: { pages: this.#seen.size },
        },
      );
    }
    this.#seen.add(url.href);
  }
}
