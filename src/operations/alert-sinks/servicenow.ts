/**
 * Ticketing through a ServiceNow-style Table API: `POST /api/now/table/<table>`
 * opens an incident (short_description, description, urgency,
 * assignment_group, correlation_id = the alert id); updates, escalations and
 * the resolution `PATCH /api/now/table/<table>/<sys_id>`. Tested against a
 * local server with that shape, not against a real ServiceNow instance.
 */
import { permanent } from '../../core/errors.js';
import { resolveSecret } from '../../core/secrets/index.js';
import { sendJson } from './http.js';
import { alertText, alertTitle, type AlertSink } from './types.js';

/** Options of {@link serviceNowSink}. */
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
 * An alert sink opening and updating incidents.
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
      return {
        authorization: `Basic ${Buffer.from(`${options.username}:${pw}`).toString('base64')}`,
      };
    }
    return {};
  }
  return {
    name: options.name,
    kind: 'servicenow',
    secretRefs: refs,
    async deliver(n, ctx) {
      const headers = await auth(ctx.signal);
      const a = n.alert;
      const urgency = a.severity === 'critical' ? '1' : '2';
      const refKey = `ticket:${a.id}`;
      if (n.event === 'open') {
        // A retry after a lost answer must not open a second incident.
        if (await ctx.recall(refKey)) return;
        const body = await sendJson(
          'POST',
          base,
          {
            short_description: alertTitle(n),
            description: alertText(n),
            urgency,
            assignment_group: options.assignmentGroup,
            correlation_id: a.id,
          },
          headers,
          ctx.signal,
          `POST ${base}`,
        );
        const sysId = (body as { result?: { sys_id?: unknown } } | undefined)?.result?.sys_id;
        if (typeof sysId !== 'string') {
          throw permanent(`POST ${base} answered without result.sys_id`, {
            code: 'TICKET_NO_ID',
          });
        }
        await ctx.remember(refKey, sysId);
        return;
      }
      const sysId = await ctx.recall(refKey);
      if (!sysId) {
        // The open is still queued (the ticketing system was down): retry later, in order.
        throw new Error(`incident for ${a.id} not created yet`);
      }
      const patch: Record<string, unknown> = {
        urgency,
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
