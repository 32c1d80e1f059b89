/**
 * Every built-in connector with the notes its documentation page carries.
 * Docs generation and its freshness test read this list.
 */
import type { z } from 'zod';
import type { ConnectorSpec } from '../core/connector.js';
import { fileDrop, s3FileDrop, sftpFileDrop } from './file/index.js';
import { graphqlPoll, httpCall, httpPoll } from './http/index.js';
import { simulatedOrders, simulatedWarehouse } from './simulated/index.js';
import { sqlExtract, sqlUpsert } from './sql/index.js';
import { webhook } from './webhook/index.js';

/** A built-in connector and the hand-written part of its page. */
export interface CatalogEntry {
  spec: ConnectorSpec<z.ZodType, unknown>;
  notes: string;
}

const SIMULATED_NOTE = `Built into Patchbay for the tutorial, examples and tests. It is not a connector to a
real system and is not tested against a real server: there is none behind it.`;

const RECORDING_NOTE = `**Recording and replay** (\`recording\`, for tests and incident analysis, not
production): \`{ mode: 'record', file }\` calls the API as usual (policies, SSRF guard, TLS
and auth unchanged) and appends every exchange, token requests included, to the fixture
file as it completes. Credential headers, key-like query and form parameters, JSON keys
like password or token, the auth scheme's own header or parameter, what \`redact\` adds and
every resolved secret value are replaced with \`[redacted]\` before anything is written.
An existing file is continued; one recorded with other \`redact\` rules is refused.
\`{ mode: 'replay', file }\` opens no connection and resolves no secret: answers come from
the file, matched on method, redacted URL and body, and audit rows name the identity with
\`(replayed)\`. A request with no recorded answer fails the run with a \`config\` error
\`HTTP_FIXTURE_UNMATCHED\` naming the request and the file. A relative \`file\` resolves
against the working directory of the process. \`patchbay check\` warns about both modes.
See [HTTP recorder](http-recorder.md).`;

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
a \`304\` ends the poll with nothing to process and is counted (\`patchbay_integration_not_modified\`).

${RECORDING_NOTE}

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
refresh-and-retry, then an \`auth\` error.

${RECORDING_NOTE}`,
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

**Reconciling hard deletes.** A hard-deleted row leaves nothing a watermark can see. With
\`reconcile: { every: '1d' }\`, a live run whose last complete reconcile is older than \`every\`
(or that never reconciled) ends by paging through every primary key, in the same read-only
session, by keyset (\`ORDER BY key LIMIT pageSize\`, never \`OFFSET\`). Each page becomes one
range tombstone, \`{ _reconcile: { after, through, keys } }\` plus the key fields of the range's
end: "between these keys, exactly these exist". \`sql-upsert\` deletes (or, with
\`softDeleteColumn\`, stamps) the target rows in that range the source no longer has, and
nothing else. \`reconciledAt\` is saved with the checkpoint of the last range, only once it is
acknowledged; a reconcile cut short by the budget or a shutdown is redone next time, and a
replay never reconciles. An empty source deletes nothing (a warning is logged: a wrong table
is likelier than a wipe). Keys must order the same way everywhere: integers, or text in a
binary collation; a source that orders keys otherwise fails the reconcile with a \`config\`
error, and the sink only deletes keys that fall inside the range by that rule. Steps between
source and sink must pass \`_reconcile\` records through unchanged.

Tested against PostgreSQL 15, MariaDB 10.11 and SQLite files.`,
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

**Deletes.** Records with \`deleteFlag\` true, and the range tombstones of \`sql-extract\`'s
\`reconcile\` (field \`reconcileField\`), delete rows by key; with \`softDeleteColumn\` they set
that column to \`CURRENT_TIMESTAMP\` instead (rows already stamped are left alone).

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
speaks the GraphQL wire format, not a GraphQL engine.

${RECORDING_NOTE}`,
  },
  {
    spec: fileDrop.spec as unknown as ConnectorSpec<z.ZodType, unknown>,
    notes: `Takes files from a local folder or a mounted network share (\`sftp-drop\` takes them from an
SFTP server, \`s3-drop\` from an S3-compatible bucket, with the same behaviour).

**Never read mid-write.** \`readiness\` says when a file is complete: \`marker\` (the producer
writes \`X.done\` beside \`X\` when it has finished), \`rename\` (the producer writes under a
temporary or dot-file name and renames into the drop, so every matching file is complete),
or \`stable\` (size and mtime unchanged across two polls; each run is one poll and the sizes
are kept in the store, so this holds across restarts; \`stableFor\` adds a minimum age).
Dot-files, \`.processing\`, \`.processed\`, \`.failed\` and marker files never match.

**Claim, archive, finish.** A complete file is claimed by an atomic rename to
\`X.processing\`, copied as received into \`<archive>/<business date>/X\` (fsync'd, never
overwritten; kept forever unless \`archiveRetentionDays\` is set, which deletes older business
dates at the start of each live run), then parsed. Once every batch of it has been acknowledged
downstream, it is removed from the drop (\`afterSuccess: remove\`, the archive keeps it) or
renamed to \`X.processed\` (\`afterSuccess: marker\`; not \`X.done\`, which is the producer's
"complete" marker). A file that cannot be parsed at all (unusable header, unknown encoding,
empty) or whose name has no valid business date becomes \`X.failed\`.

**Never twice; duplicates are loud.** A ledger in the store keeps (business date, name) with
the SHA-256 of the content. The identical file again is ignored with a warning. A second copy
with different content is a duplicate: it is not loaded, it is archived under
\`<archive>/<date>/duplicates/\`, the drop copy becomes \`X.failed\`, and there is an error log
line, a failure in the call metrics (\`error_count_by_kind{kind="validation"}\`) and the run
fails with \`DUPLICATE_FILE\` after the other files are loaded.

**Business date** comes from the name (\`businessDate.fromName\`, a pattern with named groups
\`year\`/\`month\`/\`day\` or one \`date\` group) or from the arrival time (the file's mtime)
in \`businessDate.timeZone\`. Item keys are \`<date>/<name>#<line>\`, stable across re-reads.

**Replay by date.** \`patchbay replay <integration> --from 2026-11-17 --to 2026-11-18\`
re-reads the archived files of those business dates (both inclusive: dates are whole days)
through the same steps and sink. It never touches the drop, the ledger or the live
checkpoint; with an idempotent sink it adds no duplicates.

**Parsers** (streamed, 64 KiB at a time; text decoded with iconv-lite, a BOM is dropped):
CSV/TSV (quoted fields with delimiters, \`""\` and line breaks, CRLF, header mapping with
\`rename\`, a trailing delimiter on every line as SAP writes it, values kept as text so
\`1.234,56-\` and \`17.11.2026\` reach the mapping untouched), JSON Lines, and fixed-width
(1-based columns, implied decimals kept as exact text, trailing or leading signs,
\`YYYYMMDD\` dates; EBCDIC through an iconv-lite code page such as \`cp037\`). CSV records are
split by Patchbay rather than csv-parse's stream, because csv-parse 7 drops every record after
the first malformed quote when skipping errors. A bad record (wrong field count, text after a
closing quote, invalid JSON, a short fixed-width line, or longer than \`maxRecordBytes\`, which
is cut while reading so memory stays bounded) goes to the reject ledger with the file, line
and reason (\`patchbay rejects\`); the rest of the file continues. XML (saxes) selects records by an
element path (\`recordPath: 'Orders/Order'\`): child elements become fields, repeated ones
arrays, attributes \`@name\`; XML is not recoverable record by record, so a well-formedness
error fails the file.

**Formats**: \`{ type: 'csv', delimiter, quote, encoding, header, rename, relaxColumnCount }\`
(\`delimiter: '\\t'\` for TSV), \`{ type: 'jsonl', encoding }\`, \`{ type: 'json-array', encoding }\`
(one top-level array of objects, split element by element while streaming), \`{ type: 'xml', recordPath,
encoding }\`, \`{ type: 'fixed-width', encoding, columns: [{ name, start, length, type,
impliedDecimals, trim }], allowShortLines }\`. The CSV splitter reads about 1.9× as many rows
per second as csv-parse with \`columns: true\` on the same file (200,000 SAP-style rows, this
machine).

**Checkpoint and crashes.** The checkpoint (\`{ file, hash, line }\`) is saved by the runtime
after each acknowledged batch. A run that dies leaves the file \`X.processing\`; the next run
resumes it first, skipping lines already acknowledged, so with an idempotent sink nothing is
missing or duplicated (tested by SIGKILLing a child process mid-file). A dry run claims a
file but does not finish it; the next live run reads it again from the start.

**Read-only drops.** \`claim: 'lease'\` claims a file by an expiring lease in the store
(\`store.leases\`, named after the drop and the file, so every integration reading the drop
competes for it as with a rename) instead of renaming it; the lease is renewed with every
batch and a crashed worker's lease runs out after \`leaseFor\` (default 5 minutes), after
which another worker takes the file (the next run in the same process resumes it at once).
With \`afterSuccess: 'keep'\` the drop is never written: the store remembers which version
(size, mtime, ETag) of each file was taken, or set aside, so it is not taken again until it
changes; a changed version goes through the ledger (identical → ignored, other content →
duplicate).

**Expectations: "no file today" is an alert.** \`expect: { due: '02:00', timezone:
'Europe/Berlin', days: 'business', holidays: ['2026-12-25'], grace: '30m' }\` (or
\`holidaysFile\`, \`days: ['mon', ..., 'sat']\`, \`dueAfterDays: 1\` when the export for the
17th comes in the night to the 18th, \`files: [{ pattern: 'MATMAS_*.csv', count: 1 }]\`). Each
business date (weekdays of \`days\`, minus holidays) is \`pending\`, \`arrived\` (complete by due +
grace; arrival is the file's mtime), \`late\`, \`missing\` (due + grace passed),
\`duplicate\` or \`failed\` (could not be parsed). The read loop records arrivals, duplicates
and failures in the store; \`patchbay status\` shows the newest dates, \`/metrics\` has
\`patchbay_file_expectation{integration,state}\` and
\`patchbay_file_expectation_events_total{integration,event}\`, and the alert engine raises
\`file:missing:<date>\`, \`file:failed:<date>\` and \`file:duplicate:<date>\` once each through
the alert sinks (resolved by a late arrival, a corrected file, or a quiet day). Due times
are wall-clock times in the time zone, so they follow DST; dates before watching started
(first run or alert evaluation) are not judged.

Tested against local folders.`,
  },
  {
    spec: sftpFileDrop.spec as unknown as ConnectorSpec<z.ZodType, unknown>,
    notes: `The \`file-drop\` behaviour (readiness, claim, ledger, duplicates, business dates, parsers,
checkpoints, replay) on a folder of an SFTP server, through \`ssh2-sftp-client\` (an optional
peer dependency: \`npm install ssh2-sftp-client\`). One SSH session per run; every SFTP
operation goes through the integration's policy pipeline and leaves a call log line.

**Host key pinning is required.** \`hostKeyFingerprint\` is the server key's SHA-256
fingerprint as \`ssh-keygen -lf\` prints it; a server presenting another key is refused
before any credential is sent (\`auth\` error \`HOST_KEY_MISMATCH\`, not retried).
\`allowUnpinnedHostKey: true\` disables pinning and logs a warning on every connect; the
connection check reports "NOT pinned", and \`patchbay check\` warns.

**Credentials** are secret references: \`privateKey\` (with \`passphrase\`) or \`password\`,
resolved when the session opens.

**Claim and archive.** Files are claimed by a remote rename to \`X.processing\` (atomic on
the server), downloaded into the local archive's staging folder, then moved into
\`<archive>/<business date>/\`; parsing reads the local archive copy. The business date from
arrival time uses the server's mtime (whole seconds). Replays read the local archive only
(the session still opens, so the server must be reachable).

Tested against OpenSSH's sshd (internal-sftp) on loopback, started by the test with its own
keys.`,
  },
  {
    spec: s3FileDrop.spec as unknown as ConnectorSpec<z.ZodType, unknown>,
    notes: `The \`file-drop\` behaviour (readiness, ledger, duplicates, business dates, parsers,
checkpoints, replay) on the objects directly under \`prefix\` in an S3-compatible bucket,
through \`@aws-sdk/client-s3\`. Every request goes through the integration's policy pipeline
(the SDK's own retries are off) and leaves a call log line.

**Complete objects only.** An S3 object appears only once its upload (multipart included)
is complete, but a producer may upload several objects that belong together or overwrite
one: \`readiness: 'marker'\` waits for \`X.done\`; \`'stable'\` waits until size and ETag are
unchanged across two polls. \`'rename'\` is a config error (S3 has no atomic rename).

**Claims are leases** in the store (\`claim: 'lease'\`, the only choice; see \`file-drop\`'s
read-only drops). \`afterSuccess: 'keep'\` (default) leaves the bucket untouched and
remembers each object's version; \`'remove'\` deletes the object and its marker once processed.

**Archive.** \`archive: 's3://bucket/prefix/'\` keeps every received object as received
(same endpoint and credentials) under \`<date>/<name>\`, \`<date>/duplicates/\`,
\`<date>/failed/\` and \`undated/\`; a local folder works too. Objects are streamed to a local
staging file (\`staging\`), hashed, uploaded to the archive and parsed from the staging copy;
replays stream archived objects straight into the parsers. \`archiveRetentionDays\` deletes
older business dates. Business dates by arrival use \`LastModified\`.

**Credentials** are secret references (\`accessKeyId\`, \`secretAccessKey\`,
\`sessionToken\`), or none for the AWS default chain. S3 errors are reported by name and
status only (an S3 error body can echo the access key id). Plain \`http://\` endpoints are
refused unless on loopback or \`allowInsecureEndpoint: true\`, which \`patchbay check\` flags.
Checksums are computed only when S3 requires them, because several S3-compatible servers
store the SDK's default \`aws-chunked\` upload encoding verbatim.

Tested against s3rver, an S3-compatible fake, not AWS (in-process on loopback): marker and
stable pickup, an unfinished multipart upload, two sources competing for the same objects,
lease expiry takeover, duplicates, unparseable and oversized content, replay from the archive
bucket, and credentials kept out of errors and logs. Not tested against AWS S3 or MinIO.`,
  },
  {
    spec: webhook.spec as unknown as ConnectorSpec<z.ZodType, unknown>,
    notes: `Receives webhooks on the runtime's HTTP server (\`patchbay run\` mounts one \`POST\` route per
webhook integration on the admin server, default path \`/webhooks/<integration id>\`; the
admin server listens on loopback by default, so expose only \`/webhooks/*\` through your
reverse proxy). Use \`trigger: { type: 'stream' }\`.

**Verify, then store, then answer.** The route sees the raw bytes: nothing is parsed before
the signature is checked. Schemes: \`standard-webhooks\` (\`v1\` HMAC-SHA256 with \`whsec_\`
secrets, \`v1a\` ed25519 with \`whpk_\` public keys), \`stripe\` (\`t=…,v1=…\`), \`github\`
(\`X-Hub-Signature-256\`), \`shopify\` (base64 HMAC), \`slack\` (\`v0:\` with timestamp), and \`hmac\`
(header, algorithm, encoding, prefix and signed-content template configurable). Signed
timestamps must be within \`tolerance\` (default 5 minutes) in both directions. List several
secrets to rotate: any of them verifies, and a match on an older one is logged. MACs are
compared in constant time. Secrets are references resolved at request time (cached 5 s).

Answers: \`200\` once the envelope (raw body, headers without \`Authorization\`/\`Cookie\`/API-key
headers, received time, scheme, event id) is durably in the store's inbox; \`401\` for a
missing or bad signature or a stale or future timestamp; \`400\` for a malformed body; \`413\`
over \`maxBodyBytes\` (default 1 MiB); \`415\` for other media types; \`503\` with \`Retry-After\`
when the store cannot take the write or a secret cannot be resolved. Never a 2xx without a
durable write. Unsigned requests are rejected unless the integration opts out with
\`signature: { scheme: 'none', acceptUnsigned: true }\`, which \`patchbay check\` flags.

**Processing.** Stored envelopes are claimed from the inbox in batches and go through the
integration's steps and sink like any other source (retries, poison isolation, dead
letters); an envelope is marked done only after its batch is acknowledged, so a crash
leaves it to be claimed again after \`claimLease\`. An envelope claimed again after such a failure
is processed alone, so one that kills the process cannot hold back the others, and one
claimed more than \`maxAttempts\` times (default 10) is dead-lettered with stage \`inbox\`. Steps receive a \`WebhookEvent\`
(\`eventId\`, \`entityKey\`, \`occurredAt\`, \`receivedAt\`, \`scheme\`, \`headers\`, parsed \`payload\`).

**De-duplication.** By the provider's event id (\`eventId\`, defaulting per scheme to
\`webhook-id\`, Stripe's \`id\`, \`X-GitHub-Delivery\`, \`X-Shopify-Webhook-Id\`, Slack's
\`event_id\`): a redelivery is answered \`200\` and stored and applied once.

**Ordering.** With \`entityKey\` and \`occurredAt\`, the newest applied event time per entity
is kept in the store; an older event is skipped (logged), parked as a dead letter with stage
\`ordering\` and code \`OUT_OF_ORDER\` for review, or applied, per \`ordering\`. Within one batch
only the newest events of an entity are applied.

Tested over real HTTP against a SQLite store, with signatures made by the official
\`standardwebhooks\` library, the \`stripe\` package's test-header helper and
\`@octokit/webhooks-methods\`, the Standard Webhooks and Slack published examples, and a
negative corpus; a crash test SIGKILLs the receiver three times while a retrying sender
delivers 1,500 events, and every acknowledged event ends up applied.

**Sending.** \`WebhookSender\` (same module) delivers messages enqueued in the outbox, signed
with Standard Webhooks \`v1\` (every listed secret signs during a rotation; secrets under 24
bytes are refused), on the schedule immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h,
with a 15 s timeout; any 2xx delivers, a longer \`Retry-After\` on 429/503 wins, 410 disables
the endpoint (until \`recover --enable\`, or until it is configured with another URL), a breaker per endpoint (5 consecutive failures, open 60 s, then one probe)
holds messages back without using up their schedule, and a message is dead-lettered once
the schedule is used up. The breaker state lives in the store (policy state
\`breaker:webhook:<outbox>:<endpoint>\`), so every process sending for the same endpoints sees
one breaker and one half-open probe runs fleet-wide. Endpoint URLs
pass the HTTP connector's SSRF guard at registration and on the resolved address.
Endpoints declared in the project (\`webhooks: { endpoints: [...] }\`) are delivered by
\`patchbay run\`'s worker; \`patchbay webhooks recover <endpoint> --since … --until …\` sends a
window again Svix-style: failed (dead) messages by default, delivered ones too with \`--all\`,
a disabled (410) endpoint only with \`--enable\`. A disk-fault test runs the receiver under
\`strace\` injecting ENOSPC into the store's WAL: it answers 503 with \`Retry-After\`, never 2xx,
and acknowledges again once writes succeed.

Delivery runs up to \`concurrency\` (default 16) requests at once; one endpoint starts at one
in flight, doubles after each accepted delivery up to \`endpointConcurrency\`, and drops back
to one after any failure. Messages to one endpoint can therefore arrive out of order; set
\`endpointConcurrency: 1\` for strict order. A tick marks its delivered messages together in
one group commit; a crash before that mark sends them again (at least once).

**Metrics** (\`/metrics\`): \`patchbay_webhook_requests_total{integration,outcome,status,reason}\`
(401/400/413/415/503 refusals included), \`patchbay_webhook_ack_latency_ms\` (histogram) and
\`patchbay_webhook_events_total\` (out-of-order skipped or parked, claimed too often, replay
re-verification failures). Replay counts envelopes that fail re-verification as read and
skipped, with \`errorsByKind.auth\`.

**Benchmarks** (\`bench/README.md\`): \`ingest.webhook.durable\` measured 0.41× of a bare HMAC
server on this 2-core machine with the load generator on the same cores (0.46× recorded,
0.34–0.55× across runs; target 0.80×, not met: the durable inbox write, mostly COMMIT with its
WAL writes and fsync, adds about 45–65 µs CPU per request); \`outbox.drain\` 0.41–0.48× of a
bare signing POST loop.`,
  },
];
