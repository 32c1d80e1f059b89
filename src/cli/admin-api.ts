/**
 * The runtime's admin API, mounted on the admin server next to `/metrics`,
 * `/healthz` and `/readyz`: status, the integration registry, and "run this
 * integration now". Loopback by default (see the admin server), because it
 * can start work.
 */
import type { FastifyInstance } from 'fastify';
import { isPatchbayError, PatchbayError } from '../core/errors.js';
import { ownerTeam } from '../core/integration.js';
import type { Runtime } from '../runtime/runtime.js';
import type { PreparedIntegration } from '../runtime/prepare.js';

/**
 * One entry of `GET /api/integrations`.
 *
 * @example
 * ```ts
 * const res = await fetch(`${admin.url}/api/integrations`);
 * const list = (await res.json()) as IntegrationInfo[];
 * ```
 */
export interface IntegrationInfo {
  id: string;
  pattern: string;
  owner: string;
  description: string | null;
  trigger: PreparedIntegration['definition']['trigger'];
  source: { kind: string; replay: string; checkpoint: string };
  sink: { kind: string; idempotent: boolean };
  freshnessLimitSeconds: number | null;
  /** Epoch ms of the next scheduled run, when scheduled. */
  nextRunAt: number | null;
}

/**
 * Describes an integration for the admin API.
 *
 * @example
 * ```ts
 * const info = integrationInfo(prepared, runtime.nextRuns()[prepared.id]);
 * ```
 */
export function integrationInfo(
  p: PreparedIntegration,
  nextRunAt: number | undefined,
): IntegrationInfo {
  const caps = p.source.spec.capabilities;
  return {
    id: p.id,
    pattern: p.definition.pattern,
    owner: ownerTeam(p.definition.owner),
    description: p.definition.description ?? null,
    trigger: p.definition.trigger,
    source: { kind: p.source.spec.kind, replay: caps.replay, checkpoint: caps.checkpoint },
    sink:
      p.sink.kind === 'function'
        ? { kind: `function:${p.sink.sink.name}`, idempotent: p.sink.sink.idempotent }
        : {
            kind: p.sink.connector.spec.kind,
            idempotent: p.sink.connector.spec.capabilities.idempotentWrites,
          },
    freshnessLimitSeconds: p.freshnessMs === undefined ? null : p.freshnessMs / 1000,
    nextRunAt: nextRunAt ?? null,
  };
}

/**
 * The admin API routes: `GET /api/status`, `GET /api/integrations`,
 * `POST /api/integrations/:id/run` (waits for the run and answers its
 * result; 404 unknown id, 409 already running, 503 shutting down).
 *
 * @example
 * ```ts
 * await startAdminServer({ metrics, routes: adminRoutes(runtime, () => gauges.refresh()) });
 * ```
 */
export function adminRoutes(runtime: Runtime, afterRun: () => unknown = () => {}) {
  return (app: FastifyInstance): void => {
    app.get('/api/status', async (_req, reply) =>
      reply.header('cache-control', 'no-store').send(await runtime.status()),
    );

    app.get('/api/integrations', async () => {
      const next = runtime.nextRuns();
      return [...runtime.integrations.values()].map((p) => integrationInfo(p, next[p.id]));
    });

    app.post<{ Params: { id: string } }>('/api/integrations/:id/run', async (req) => {
      const { id } = req.params;
      if (!runtime.integrations.has(id)) {
        throw new PatchbayError('http_4xx', `no integration "${id}"`, {
          status: 404,
          code: 'UNKNOWN_INTEGRATION',
        });
      }
      try {
        const result = await runtime.run(id, { trigger: 'admin-api' });
        return {
          runId: result.runId,
          status: result.status,
          counts: result.counts,
          budgetReached: result.budgetReached ?? null,
          error: result.error?.toJSON() ?? null,
        };
      } catch (err) {
        if (isPatchbayError(err) && err.code === 'RUN_IN_PROGRESS') {
          throw new PatchbayError('http_4xx', err.message, { status: 409, code: err.code });
        }
        if (isPatchbayError(err) && err.code === 'SHUTTING_DOWN') {
          throw new PatchbayError('overloaded', err.message, { code: err.code });
        }
        throw err;
      } finally {
        void afterRun();
      }
    });
  };
}
