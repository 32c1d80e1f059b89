/**
 * The checklist items, one function each, over a prepared integration.
 * Pure: no I/O, no clock, so `patchbay check` answers the same everywhere
 * and the items are trivial to test.
 */
import { formatDuration } from '../core/duration.js';
import { resolvePolicies, type ResolvedPolicies } from '../policies/options.js';
import { ownerTeam } from '../core/integration.js';
import type { PreparedIntegration } from '../runtime/prepare.js';
import { scanConnectorConfig, type SecretFinding } from './secrets.js';
import type { CheckItem } from './types.js';

function item(
  id: CheckItem['id'],
  title: string,
  status: CheckItem['status'],
  reason: string,
  fix?: string,
): CheckItem {
  return status === 'pass' || fix === undefined
    ? { id, title, status, reason }
    : { id, title, status, reason, fix };
}

/** The integration's policies with defaults applied (already validated when it was prepared). */
function resolved(p: PreparedIntegration): ResolvedPolicies {
  return resolvePolicies(p.definition.policies, p.id);
}

/**
 * Pattern chosen, and said why (`docs.why`).
 *
 * @example
 * ```ts
 * checkPattern(prepared).status; // 'pass' when docs.why is set
 * ```
 */
export function checkPattern(p: PreparedIntegration): CheckItem {
  const why = p.definition.docs?.why;
  if (why) return item('pattern', 'pattern chosen', 'pass', `${p.definition.pattern}: ${why}`);
  return item(
    'pattern',
    'pattern chosen',
    'warn',
    `${p.definition.pattern}, but docs.why does not say why this pattern was chosen`,
    "add docs: { why: '<what about the other system makes this pattern fit>' }",
  );
}

const PROBLEM: Record<Exclude<SecretFinding['kind'], 'reference'>, string> = {
  'plaintext-secret-field': 'is a secret field holding a plaintext value',
  'plaintext-secret-key': 'looks like a credential and holds a plaintext value',
  'url-credentials': 'is a URL with credentials in it',
};

/**
 * Auth through secret references: no credential written into a connector config.
 *
 * @example
 * ```ts
 * checkAuth(prepared).reason; // 'source.config.token (env:GPS_TOKEN) is a reference'
 * ```
 */
export function checkAuth(p: PreparedIntegration): CheckItem {
  const findings = scanConnectorConfig('source', p.source.spec, p.source.config);
  if (p.sink.kind === 'connector') {
    findings.push(...scanConnectorConfig('sink', p.sink.connector.spec, p.sink.connector.config));
  }
  const problems = findings.filter((f) => f.kind !== 'reference');
  const refs = findings.filter((f) => f.kind === 'reference').map((f) => f.field);
  if (problems.length > 0) {
    return item(
      'auth',
      'auth through secret references',
      'fail',
      problems.map((f) => `${f.field} ${PROBLEM[f.kind as keyof typeof PROBLEM]}`).join('; '),
      "replace the value with a reference such as 'env:NAME' or 'file:/run/secrets/name' (and keep credentials out of URLs)",
    );
  }
  // An SFTP drop without a pinned host key trusts whoever answers on that address.
  const sftp = p.source.config as { allowUnpinnedHostKey?: unknown } | null;
  if (p.source.spec.kind === 'sftp-drop' && sftp?.allowUnpinnedHostKey === true) {
    return item(
      'auth',
      'auth through secret references',
      'warn',
      "source.config.allowUnpinnedHostKey is true: the SFTP server's host key is not verified",
      "pin it: hostKeyFingerprint: 'SHA256:...' (ssh-keyscan -t ed25519 <host> | ssh-keygen -lf -)",
    );
  }
  // An S3 drop over plain http to another machine sends the files (and signed requests) in clear.
  const s3 = p.source.config as { endpoint?: unknown } | null;
  const plainHttp = /^http:\/\/(?!(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?(\/|$))/i;
  if (p.source.spec.kind === 's3-drop' && plainHttp.test(String(s3?.endpoint ?? ''))) {
    return item(
      'auth',
      'auth through secret references',
      'warn',
      `source.config.endpoint ${String(s3?.endpoint)} is plain http:// to another machine: files and requests are not encrypted`,
      "use TLS: endpoint: 'https://...' (http:// is accepted only on loopback)",
    );
  }
  // A webhook receiver that opted out of signatures accepts events from anyone who can reach it.
  const signature = (p.source.config as { signature?: { scheme?: unknown } } | null)?.signature;
  if (p.source.spec.kind === 'webhook' && signature?.scheme === 'none') {
    return item(
      'auth',
      'auth through secret references',
      'warn',
      'source.config.signature accepts unsigned webhook requests (scheme "none")',
      "verify the sender: signature: { scheme: 'standard-webhooks', secrets: ['env:WEBHOOK_SECRET'] } (or the provider's scheme)",
    );
  }
  if (refs.length > 0) {
    return item(
      'auth',
      'auth through secret references',
      'pass',
      `secret references: ${refs.join(', ')}`,
    );
  }
  const fnSink =
    p.sink.kind === 'function' ? ' (the function sink is code and is not inspected)' : '';
  return item(
    'auth',
    'auth through secret references',
    'pass',
    `no credentials in connector configs${fnSink}`,
  );
}

/**
 * Retries with backoff: the resolved retry policy makes more than one attempt
 * and waits between them. Absent options mean the defaults (5 attempts, 1 s base).
 *
 * @example
 * ```ts
 * checkRetries(prepared).status; // 'fail' for policies: { retry: false }
 * ```
 */
export function checkRetries(p: PreparedIntegration): CheckItem {
  const title = 'retries with backoff';
  const fix = 'remove the override or set policies: { retry: { maxAttempts: 5 } }';
  const retry = resolved(p).retry;
  if (retry === undefined)
    return item('retries', title, 'fail', 'policies.retry disables retries', fix);
  if (retry.maxAttempts <= 1) {
    return item('retries', title, 'fail', 'policies.retry allows a single attempt only', fix);
  }
  if (retry.baseMs === 0) {
    return item(
      'retries',
      title,
      'warn',
      'policies.retry retries without backoff, which hammers a struggling peer',
      "use the default backoff or set retry: { baseDelay: '1s' }",
    );
  }
  const explicit = p.definition.policies?.retry !== undefined;
  return item(
    'retries',
    title,
    'pass',
    `${explicit ? 'policies.retry' : 'default retry policy'}: ${retry.maxAttempts} attempts, ${retry.kind} backoff from ${formatDuration(retry.baseMs)} up to ${formatDuration(retry.maxMs)}`,
  );
}

/**
 * An idempotency strategy: a key per record and a sink that writes idempotently.
 *
 * @example
 * ```ts
 * checkIdempotency(prepared).reason; // 'key from fields orderNo; sink simulated-warehouse writes idempotently'
 * ```
 */
export function checkIdempotency(p: PreparedIntegration): CheckItem {
  const title = 'idempotency strategy';
  const spec = p.definition.idempotencyKey;
  const sinkName = p.sink.kind === 'function' ? p.sink.sink.name : p.sink.connector.spec.kind;
  const sinkIdempotent =
    p.sink.kind === 'function'
      ? p.sink.sink.idempotent
      : p.sink.connector.spec.capabilities.idempotentWrites;
  const missing: string[] = [];
  const fixes: string[] = [];
  if (!spec) {
    missing.push('no idempotencyKey');
    fixes.push("add idempotencyKey: { fields: ['id'] }");
  }
  if (!sinkIdempotent) {
    missing.push(`sink ${sinkName} does not write idempotently`);
    fixes.push(
      p.sink.kind === 'function'
        ? 'make the sink upsert by record.idempotencyKey and set idempotent: true'
        : 'use a sink connector with idempotentWrites, or dedupe by key before writing',
    );
  }
  if (missing.length > 0) {
    return item(
      'idempotency',
      title,
      'fail',
      `${missing.join('; ')}: a retry or replay may write twice`,
      fixes.join('; '),
    );
  }
  const key =
    typeof spec === 'function'
      ? 'key from a function'
      : `key from fields ${spec?.fields.join(', ')}`;
  return item('idempotency', title, 'pass', `${key}; sink ${sinkName} writes idempotently`);
}

/**
 * Replay supported by the source; warns on offset pagination, which breaks
 * on concurrent writes.
 *
 * @example
 * ```ts
 * checkReplay(prepared).reason; // 'source simulated-orders replays by checkpoint'
 * ```
 */
export function checkReplay(p: PreparedIntegration): CheckItem {
  const { kind, capabilities } = p.source.spec;
  if (capabilities.replay === 'none') {
    return item(
      'replay',
      'replay supported',
      'fail',
      `source ${kind} cannot replay (capabilities.replay is 'none')`,
      'choose a source connector that supports replay, or land raw input in the inbox so it can be re-read',
    );
  }
  const replays = `source ${kind} replays by ${capabilities.replay} (patchbay replay ${p.id} --from ...)`;
  if (offsetPagination(p.source.config)) {
    // Allowed, because some APIs offer nothing else, but a record inserted or deleted
    // ahead of the offset mid-poll shifts every later page: one record read twice or
    // never, and a replay of the same range does not give the same records.
    return item(
      'replay',
      'replay supported',
      'warn',
      `${replays}; but source.config.pagination is offset-based, which skips or repeats records when the collection changes during a poll`,
      "prefer pagination: { type: 'cursor' | 'link' | 'next-url' | 'page-token' }, or an incremental cursor (incremental.cursorPath) with a sort the API keeps stable",
    );
  }
  return item('replay', 'replay supported', 'pass', replays);
}

/** True for a connector config with `pagination: { type: 'offset' }` (http-poll's). */
function offsetPagination(config: unknown): boolean {
  if (config === null || typeof config !== 'object') return false;
  const pagination = (config as { pagination?: unknown }).pagination;
  return (
    pagination !== null &&
    typeof pagination === 'object' &&
    (pagination as { type?: unknown }).type === 'offset'
  );
}

/**
 * Metrics and a log line per call: built into the runtime; warns when no
 * freshness limit lets `status` flag the integration stale.
 *
 * @example
 * ```ts
 * checkObservability(prepared).status; // 'warn' without freshness.maxAge
 * ```
 */
export function checkObservability(p: PreparedIntegration): CheckItem {
  const title = 'metrics and a log line per call';
  const base = `built into the runtime: one log line per external call and integration.${p.id}.* metrics`;
  if (p.freshnessMs === undefined) {
    return item(
      'observability',
      title,
      'warn',
      `${base}; but no freshness.maxAge, so status never flags it stale`,
      "add freshness: { maxAge: '1h' }",
    );
  }
  return item(
    'observability',
    title,
    'pass',
    `${base}; stale after ${formatDuration(p.freshnessMs)}`,
  );
}

/**
 * Timeouts per call (`policies.timeout` or the default) and per job
 * (`budget.maxDuration` or the default).
 *
 * @example
 * ```ts
 * checkTimeouts(prepared).reason; // 'per call: default 30s; per job: default 15m'
 * ```
 */
export function checkTimeouts(p: PreparedIntegration): CheckItem {
  const title = 'timeouts per call and per job';
  const timeoutMs = resolved(p).timeoutMs;
  if (timeoutMs === undefined || timeoutMs <= 0) {
    return item(
      'timeouts',
      title,
      'fail',
      'policies.timeout is disabled: a hung call blocks the run',
      "set policies: { timeout: '10s' } or remove it for the default",
    );
  }
  const perCall = `per call: ${p.definition.policies?.timeout === undefined ? 'default ' : ''}${formatDuration(timeoutMs)}`;
  const perJob =
    p.definition.budget?.maxDuration === undefined
      ? `per job: default ${formatDuration(p.maxRunMs)}`
      : `per job: ${formatDuration(p.maxRunMs)}`;
  return item('timeouts', title, 'pass', `${perCall}; ${perJob}`);
}

/**
 * An owner on our side.
 *
 * @example
 * ```ts
 * checkOwner(prepared).reason; // 'integrations (oncall@example.com)'
 * ```
 */
export function checkOwner(p: PreparedIntegration): CheckItem {
  const owner = p.definition.owner;
  const team = ownerTeam(owner);
  if (!team.trim()) {
    return item(
      'owner',
      'owner',
      'fail',
      'owner is empty',
      "set owner: { team: 'integrations', contact: 'oncall@example.com' }",
    );
  }
  const contact = typeof owner === 'object' && owner.contact ? ` (${owner.contact})` : '';
  return item('owner', 'owner', 'pass', `${team}${contact}`);
}

/**
 * Docs: a runbook and the customer-side owner.
 *
 * @example
 * ```ts
 * checkDocs(prepared).reason; // 'missing docs.runbook, docs.customerOwner'
 * ```
 */
export function checkDocs(p: PreparedIntegration): CheckItem {
  const docs = p.definition.docs ?? {};
  const missing = (['runbook', 'customerOwner'] as const).filter((k) => !docs[k]?.trim());
  if (missing.length > 0) {
    return item(
      'docs',
      'docs (runbook, customer-side owner)',
      'fail',
      `missing ${missing.map((k) => `docs.${k}`).join(', ')}`,
      "add docs: { runbook: 'docs/runbooks/<id>.md', customerOwner: 'the team that runs the other system' }",
    );
  }
  return item(
    'docs',
    'docs (runbook, customer-side owner)',
    'pass',
    `runbook ${docs.runbook}; customer-side owner ${docs.customerOwner}`,
  );
}

/**
 * Every static checklist item of one integration, in report order.
 *
 * @example
 * ```ts
 * const items = staticItems(prepared);
 * const status = worst(items.map((i) => i.status));
 * ```
 */
export function staticItems(p: PreparedIntegration): CheckItem[] {
  return [
    checkPattern(p),
    checkAuth(p),
    checkRetries(p),
    checkIdempotency(p),
    checkReplay(p),
    checkObservability(p),
    checkTimeouts(p),
    checkOwner(p),
    checkDocs(p),
  ];
}
