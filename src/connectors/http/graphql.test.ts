import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { captureLog } from '../../observability/testing.js';
import type { SqliteStore } from '../../store/sqlite/index.js';
import { graphqlError, graphqlPoll } from './graphql.js';
import { collectingSink, runtimeFor, tempStore } from './__fixtures__/test-support.js';

const ORDERS = Array.from({ length: 5 }, (_, i) => ({ id: `o${i + 1}` }));
let throttledOnce = false;
let server: FastifyInstance;
let url: string;

// A GraphQL endpoint speaking the wire format (POST { query, variables }); the
// operation is chosen by a marker in the query so no GraphQL engine is needed.
beforeAll(async () => {
  server = Fastify({ forceCloseConnections: true });
  server.post('/graphql', async (req) => {
    const { query, variables } = req.body as { query: string; variables: Record<string, unknown> };
    const at = variables['after'] === undefined ? 0 : Number(String(variables['after']).slice(1));
    const page = (n: number) => ({
      edges: ORDERS.slice(at, at + n).map((node) => ({ node })),
      pageInfo: { hasNextPage: at + n < ORDERS.length, endCursor: `c${at + n}` },
    });
    if (query.includes('#throttle') && !throttledOnce) {
      throttledOnce = true;
      return { data: null, errors: [{ message: 'slow down', extensions: { code: 'THROTTLED' } }] };
    }
    if (query.includes('#loop'))
      return {
        data: {
          orders: { nodes: [{ id: 'x' }], pageInfo: { hasNextPage: true, endCursor: 'same' } },
        },
      };
    if (query.includes('#unauth'))
      return {
        data: null,
        errors: [{ message: 'who are you', extensions: { code: 'UNAUTHENTICATED' } }],
      };
    if (query.includes('#partial')) {
      return {
        data: { orders: page(5) },
        errors: [
          {
            message: 'customer 7 hidden',
            path: ['orders', 'edges', 2],
            extensions: { code: 'FORBIDDEN' },
          },
        ],
      };
    }
    return { data: { orders: page(2) } };
  });
  url = `${await server.listen({ host: '127.0.0.1', port: 0 })}/graphql`;
});
afterAll(() => server.close());

let store: SqliteStore;
let dispose: () => Promise<void>;
beforeEach(async () => {
  ({ store, dispose } = await tempStore());
  throttledOnce = false;
});
afterEach(() => dispose());

async function run(query: string, extra: object = {}) {
  const sink = collectingSink();
  const log = captureLog();
  const runtime = await runtimeFor(
    store,
    graphqlPoll({ url, query, connectionPath: 'orders', keyPath: 'id', ...extra }),
    sink,
    {
      logger: log.logger,
    },
  );
  return { result: await runtime.run('it'), received: sink.received, log };
}

describe('graphql-poll', () => {
  it('pages through a Relay connection', async () => {
    const { result, received } = await run(
      'query($after: String) { orders(first: 2, after: $after) { edges { node { id } } } }',
    );
    expect(result.status).toBe('succeeded');
    expect(received).toEqual(ORDERS);
  });

  it('retries a rate-limited GraphQL error delivered with HTTP 200', async () => {
    const { result, received } = await run('query #throttle');
    expect(result.status).toBe('succeeded');
    expect(received).toHaveLength(5);
  });

  it('maps UNAUTHENTICATED to an auth error', async () => {
    const { result } = await run('query #unauth');
    expect(result.error).toMatchObject({ kind: 'auth', code: 'GRAPHQL_UNAUTHENTICATED' });
  });

  it('fails on partial data by default and accepts it when configured, logging codes not messages', async () => {
    expect((await run('query #partial')).result.error).toMatchObject({
      kind: 'auth',
      code: 'GRAPHQL_FORBIDDEN',
    });
    const accepted = await run('query #partial', { partialData: 'accept' });
    expect(accepted.received).toHaveLength(5);
    expect(accepted.log.text()).toContain('GraphQL partial data accepted');
    expect(accepted.log.text()).not.toContain('customer 7 hidden');
  });

  it('detects an endCursor loop', async () => {
    expect((await run('query #loop')).result.error).toMatchObject({
      kind: 'parse',
      code: 'PAGINATION_LOOP',
    });
  });

  it('treats unknown error codes as permanent', () => {
    expect(graphqlError([{ message: 'x', extensions: { code: 'WEIRD' } }], 'q')).toMatchObject({
      kind: 'http_4xx',
      retryable: false,
    });
  });
});
