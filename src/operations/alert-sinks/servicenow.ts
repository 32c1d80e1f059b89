/**
 * Ticketing through a ServiceNow-style Table API: `POST /api/now/table/<table>`
 * opens an incident (short_description, description, urgency,
 * assignment_group, correlation_id = the alert id); updates, escalations and
 * the resolution `PATCH /api/now/table/<table>/<sys_id>`.
 *
 * Not tested against a real server: the tests run against a local server
 * with the Table API's shape (servicenow.test.ts), not a ServiceNow instance.
 */
import { PatchbayError, permanent } from '../../core/errors.js';
import { rememberSecretValue, resolveSecret } from '../../core/secrets/index.js';
import { sendJson } from './http.js';
import type { AlertNotification } from '../alerts/types.js';
import { alertText, alertTitle, type AlertSink, type AlertSinkContext } from './types.js';

/**
 * Options of {@link serviceNowSink}.
 *
 * @example
 * ```ts
 * const options: ServiceNowSinkOptions = {
 *   name: 'tickets',
 *   url: 'https://acme.service-now.com',
 *   table: 'incident',
 *   assignmentGroup: 'Integrations',
 *   username: 'patchbay',
 *   password: 'env:SN_PASSWORD',
 * };
 * const tickets = serviceNowSink(options);
 * ```
 */
export interface ServiceNowSinkOptions {
  name: string;
  /** Instance base URL, e.g. `https://acme.service-now.com`. */
  url: string;
  /** Table [incident]. */
  table?: string;
  assignmentGroup?: string;
  /** Basic auth: user name and a password reference; or a bearer token reference. */
  username?: string;
  password?: string;
  token?: string;
  /** `state` value that resolves an incident [6 = Resolved]. */
  resolvedState?: string;
}

/**
 * An alert sink opening and updating incidents. A sink that is only an
 * escalation target opens the incident at escalation. After a POST whose
 * answer was lost, the retry looks the incident up by correlation id (needs
 * read access to the table) instead of opening a second one.
 *
 * Not tested against a real server (only against a local server with the
 * Table API's shape).
 *
 * @example
 * ```ts
 * const tickets = serviceNowSink({ name: 'tickets', url: 'https://acme.service-now.com', username: 'patchbay', password: 'env:SN_PASSWORD', assignmentGroup: 'Integrations' });
 * ```
 */
export function serviceNowSink(options: ServiceNowSinkOptions): AlertSink {
  const base = `${options.url.replace(/\/$/, '')}/api/now/table/${options.table ?? 'incident'}`;
  const refs = [options.password, options.token].filter((r): r is string => Boolean(r));
  async function auth(signal: AbortSignal): Promise<Record<string, string>> {
    if (options.token) {
      return { authorization: `Bearer ${(await resolveSecret(options.token, signal)).reveal()}` };
    }
    if (options.username && options.password) {
      const pw = (await resolveSecret(options.password, signal)).reveal();
      const basic = Buffer.from(`${options.username}:${pw}`).toString('base64');
      // The encoded pair is as good as the password: error pages that echo the
      // request headers must be scrubbed of it too.
      rememberSecretValue(basic);
      return { authorization: `Basic ${basic}` };
    }
    return {};
  }
  /** Opens the incident, or finds the one an earlier attempt opened; returns its sys_id. */
  async function open(
    n: AlertNotification,
    headers: Record<string, string>,
    ctx: AlertSinkContext,
  ): Promise<string> {
    const a = n.alert;
    const postedKey = `posted:${a.id}`;
    if (await ctx.recall(postedKey)) {
      // An earlier POST may have created the incident and lost its answer (timeout,
      // 502/504): look it up by correlation id before opening a second one.
      const query = `${base}?sysparm_query=${encodeURIComponent(`correlation_id=${a.id}`)}&sysparm_fields=sys_id&sysparm_limit=1`;
      const found = await sendJson('GET', query, undefined, headers, ctx.signal, `GET ${base}`);
      const hit = (found as { result?: Array<{ sys_id?: unknown }> } | undefined)?.result?.[0];
      if (typeof hit?.sys_id === 'string') return hit.sys_id;
    }
    await ctx.remember(postedKey, '1');
    const body = await sendJson(
      'POST',
      base,
      {
        short_description: alertTitle(n),
        description: alertText(n),
        urgency: urgencyOf(n),
        assignment_group: options.assignmentGroup,
        correlation_id: a.id,
      },
      headers,
      ctx.signal,
      `POST ${base}`,
    );
    const sysId = (body as { result?: { sys_id?: unknown } } | undefined)?.result?.sys_id;
    if (typeof sysId !== 'string') {
      throw permanent(`POST ${base} answered without result.sys_id`, { code: 'TICKET_NO_ID' });
    }
    return sysId;
  }
  return {
    name: options.name,
    kind: 'servicenow',
    secretRefs: refs,
    async deliver(n, ctx) {
      const headers = await auth(ctx.signal);
      const a = n.alert;
      const refKey = `ticket:${a.id}`;
      let sysId = await ctx.recall(refKey);
      if (n.event === 'open' && sysId) return; // a retry after the answer was stored
      // A sink that is only the escalation target first hears of the alert at escalation.
      if (!sysId && (n.event === 'open' || n.event === 'escalate')) {
        sysId = await open(n, headers, ctx);
        await ctx.remember(refKey, sysId);
        return;
      }
      if (!sysId) {
        // The open is still queued (the ticketing system was down): retry later, in order.
        throw new PatchbayError('connection', `incident for ${a.id} not created yet`, {
          code: 'TICKET_NOT_OPEN',
        });
      }
      const patch: Record<string, unknown> = {
        urgency: urgencyOf(n),
        work_notes: `${n.event}: ${a.actual}\n\n${alertText(n)}`,
      };
      if (n.event === 'resolve') {
        patch['state'] = options.resolvedState ?? '6';
        patch['close_notes'] =
          `condition cleared at ${new Date(a.resolvedAt ?? Date.now()).toISOString()}`;
      }
      await sendJson('PATCH', `${base}/${sysId}`, patch, headers, ctx.signal, `PATCH ${base}/:id`);
    },
  };
}

function urgencyOf(n: AlertNotification): string {
  return n.alert.severity === 'critical' ? '1' : '2';
}
