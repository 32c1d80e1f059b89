/**
 * Every built-in connector with the notes its documentation page carries.
 * Docs generation and its freshness test read this list.
 */
import type { z } from 'zod';
import type { ConnectorSpec } from '../core/connector.js';
import { graphqlPoll, httpCall, httpPoll } from './http/index.js';
import { simulatedOrders, simulatedWarehouse } from './simulated/index.js';
import { sqlExtract, sqlUpsert } from './sql/index.js';

/** A built-in connector and the hand-written part of its page. */
export interface CatalogEntry {
  spec: ConnectorSpec<z.ZodType, unknown>;
  notes: string;
}

const SIMULATED_NOTE = `Built into Patchbay for the tutorial, examples and tests. It is not a connector to a
real system and is not tested against a real server: there is none behind it.`;

/**
 * The built-in connectors, in documentation order.
 *
 * @example
 * ```ts
 * for (const { spec } of connectorCatalog) console.log(spec.kind);
 * ```
 */
export const connectorCatalog: CatalogEntry[] = [
  {
    spec: simulatedOrders.spec as unknown as ConnectorSpec<z.ZodType, unknown>,
    notes: `${SIMULATED_NOTE}

Live runs resume after the saved cursor (the last order number) and read \`ordersPerRun\`
new orders in pages of \`pageSize\`. Replays take \`--from\`/\`--to\` as order numbers
(\`from\` exclusive, \`to\` inclusive) and regenerate exactly those orders. Page requests go
through the integration's policy pipeline, so injected 503s are retried.`,
  },
  {
    spec: simulatedWarehouse.spec as unknown as ConnectorSpec<z.ZodType, unknown>,
    notes: `${SIMULATED_NOTE}

Upserts records by their idempotency key into a JSON file, so replays add no duplicates.
A record without an idempotency key, or without \`requireField\`, is rejected with 422
(permanent: it is dead-lettered); injected failures answer 503 (transient: retried).`,
  },
  {
    spec: httpPoll.spec as unknown as ConnectorSpec<z.ZodType, unknown>,
    notes: `Polls a REST API page by page. Every request goes through the integration's policy
pipeline (rate limit, retry, breaker, timeout) and feeds rate-limit headers to the limiter;
\`429\` and \`503\` with \`Retry-After\` (seconds or HTTP-date) are retried after the delay the
server asked for. Each page is validated (status, content type, JSON, size) before it is
handed on, and becomes one batch.

**Pagination**: \`cursor\` (JSON path to the next cursor, sent as a query parameter),
\`page-token\`, \`link\` (RFC 8288 \`Link\` header, relative references resolved), \`next-url\`
(in the body, relative allowed), \`page-number\` and \`offset\` (offsets break when the
collection changes while it is read; prefer a cursor). A page requested twice in one run
is a \`PAGINATION_LOOP\` error; \`maxPages\` and the run budget stop the run cleanly with a
warning.

**Incremental** (in the style of dlt): the checkpoint is \`{ last, keys }\`: the highest
cursor value delivered and the keys inside the lag window, so records at the boundary are
not delivered twice. It is saved by the runtime only after the page is acknowledged
downstream. A run with \`endValue\`, and every replay (\`--from\`/\`--to\` are cursor values,
\`from\` inclusive, \`to\` exclusive), is stateless and never moves the live cursor.

**Conditional requests**: with \`conditional: true\`, \`ETag\`/\`Last-Modified\` are stored per
URL once the page is acknowledged and sent back as \`If-None-Match\`/\`If-Modified-Since\`;
a \`304\` ends the poll with nothing to process.

Tested against a local fastify server (every pagination strategy, loops, 429/503, hung
routes, malformed and oversized bodies) and, for OAuth2, against \`oidc-provider\`.`,
  },
  {
    spec: httpCall.spec as unknown as ConnectorSpec<z.ZodType, unknown>,
    notes: `Calls an HTTP API once per record, in order, through the integration's policy
pipeline. Each call carries an idempotency key (the record's key, or one derived from
\`action\` and the record), so a retry after a lost response has no second effect on a
target that honours it. \`successOn: [409]\` treats "already done" as success; \`dropOn\`
acknowledges without effect; other 4xx are permanent and dead-letter the record.

Every attempt writes an audit row (service identity, target without query, action,
outcome, latency, attempt, idempotency key) and one call log line. Credentials never
appear in either: secrets are references resolved at call time.

Auth (both connectors): \`api-key\` (header or query), \`bearer\`, \`basic\`, \`hmac\` (algorithm,
signed-content template, header, prefix) and \`oauth2-client-credentials\` with
\`client_secret_basic\`, \`client_secret_post\` or \`private_key_jwt\` (RFC 7523). Tokens are
cached until shortly before expiry with one refresh in flight; a 401 triggers one
refresh-and-retry, then an \`auth\` error.`,
  },
  {
    spec: sqlExtract.spec as unknown as ConnectorSpec<z.ZodType, unknown>,
    notes: `Pulls rows from PostgreSQL (\`pg\`), MySQL/MariaDB (\`mysql2\`) or SQLite (\`better-sqlite3\`).
\`pg\` and \`mysql2\` are optional peer dependencies: install the one you use.

**Read-only, bounded.** The session is read-only (\`SET SESSION CHARACTERISTICS AS TRANSACTION
READ ONLY\` / \`SET SESSION TRANSACTION READ ONLY\` / a read-only file with \`PRAGMA
query_only\`), so a statement that tries to write fails (\`config\` error). \`statementTimeout\`
is set on the server (\`statement_timeout\`, MariaDB \`max_statement_time\`, MySQL
\`max_execution_time\`); a longer statement is cancelled and classified \`timeout\`. SQLite
cannot interrupt a statement: there it is the busy timeout. \`patchbay check --connect\` warns
when the role could write (superuser, table privileges, a writable file).

**Keyset pagination.** Pages are \`ORDER BY watermark, key LIMIT pageSize\`, each starting
strictly after the last row of the previous one, never \`OFFSET\`: rows inserted while a run
pages (also rows sharing the boundary's watermark) are neither skipped nor repeated. Index
\`(watermark, key)\` so no page scans the table; the watermark column must be NOT NULL.
Timestamps are read as the server's text, so microseconds survive into the checkpoint.
A live run reads up to the newest watermark present when it started (one \`MAX()\` query);
rows written while it pages are left for the next run, so a busy table cannot keep one run
going for ever.

**Watermark and lookback.** The checkpoint (\`{ watermark, key, seen }\`) is saved by the
runtime only after the page is acknowledged downstream. With \`lookback\`, each run re-reads
from \`watermark - lookback\` and skips the rows it remembers (\`seen\`, at most \`maxSeen\`),
so a transaction that commits late inside the window is delivered exactly once.

**Modes.** \`delta\` reads what changed since the watermark; \`full\` reads every row by key
every run (no checkpoint). \`softDelete\` adds a boolean flag (default \`_deleted\`) from the
\`deleted_at\` column; \`sql-upsert\` with \`deleteFlag\` turns it into a delete.

**Budget, windows, replay.** The run budget (\`budget.maxItems\`, \`budget.maxDuration\`) stops
the extract at a page boundary; the DBA's quiet window is the trigger's \`quietWindow\`.
\`patchbay replay <integration> --from <watermark> --to <watermark>\` reads \`[from, to)\` and
is stateless: it never moves the live watermark. On MySQL/MariaDB, zoned bounds
(\`2026-11-17T06:00:00Z\`) are converted to UTC \`DATETIME\` text; SQLite compares watermarks
as stored, so give bounds in the column's own format there.

Tested against PostgreSQL 15, MariaDB 10.11 and SQLite files. Not done yet: periodic full
reconciliation of hard deletes.`,
  },
  {
    spec: sqlUpsert.spec as unknown as ConnectorSpec<z.ZodType, unknown>,
    notes: `Writes each batch in one transaction as multi-row \`INSERT ... ON CONFLICT\` (PostgreSQL,
SQLite) or \`INSERT ... ON DUPLICATE KEY UPDATE\` (MySQL/MariaDB), keyed by \`key\` (or the
record's idempotency key in \`idempotencyKeyColumn\`); the key needs a primary key or unique
constraint. Loads are idempotent: replaying a range adds nothing. A record only writes the
columns it has, so a missing field never overwrites a value with NULL. Values are always
parameters; a field name that is not a plain identifier is a permanent error (dead letter).

**Conflict policies.** \`overwrite\` (default); \`last-write-wins\` updates only when the
incoming \`versionColumn\` is newer (or the stored one is NULL); \`first-write-wins\` never
changes a stored row; \`park\` applies newer versions, ignores equal ones (a replay) and parks
older ones in \`conflictsTable\` (created in the target database) for
\`patchbay conflicts list|resolve <integration>\`. Inside one batch the same key is collapsed
by the same rule.

Tested against PostgreSQL 15, MariaDB 10.11 and SQLite files.`,
  },
  {
    spec: graphqlPoll.spec as unknown as ConnectorSpec<z.ZodType, unknown>,
    notes: `Runs one GraphQL query per page with Relay-style pagination: the connection at
\`connectionPath\` is read from \`nodes\` or \`edges[].node\`, and \`pageInfo.endCursor\` is passed
back in \`cursorVariable\` while \`hasNextPage\` is true. The same \`endCursor\` twice is a
\`PAGINATION_LOOP\` error.

GraphQL \`errors\` (usually sent with HTTP 200) are mapped inside the guarded attempt by
\`extensions.code\`: \`UNAUTHENTICATED\`/\`FORBIDDEN\` → \`auth\`, \`RATE_LIMITED\`/\`THROTTLED\` →
\`rate_limited\` (retried), \`INTERNAL_SERVER_ERROR\` → \`http_5xx\` (retried),
\`GRAPHQL_VALIDATION_FAILED\` → \`config\`, \`BAD_USER_INPUT\` → \`validation\`; unknown codes are
permanent. Partial data (\`data\` and \`errors\`) fails unless \`partialData: 'accept'\`, which
logs the error codes and paths (never messages, which may quote data).

Auth, TLS, timeouts, audit rows and status overrides work as for \`http-poll\`. Each run reads
the whole connection (no incremental checkpoint yet). Tested against a local endpoint that
speaks the GraphQL wire format, not a GraphQL engine.`,
  },
];
