/**
 * `patchbay webhooks recover <endpoint> --since … --until …`: send a window
 * of an endpoint's webhook messages again, Svix-style. By default only the
 * messages that failed for good (dead) are queued again; `--all` also
 * re-sends delivered ones. Messages still pending keep their schedule. The
 * running `patchbay run` delivery worker sends them, each with a fresh retry
 * schedule and its original `webhook-id`.
 */
import { parseDuration } from '../../core/duration.js';
import { isPatchbayError } from '../../core/errors.js';
import { recoverDeliveries } from '../../connectors/webhook/sender/recover.js';
import type { Project } from '../../runtime/project.js';
import { ExitCode, usageError } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { isoTime, print, printJson } from '../output.js';
import type { Done, Root } from '../program.js';
import { openProject, withStore } from '../project.js';

const DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses a `--since`/`--until` value: a date (`2026-11-17`, midnight UTC), a
 * date-time (`2026-11-17T06:00:00Z`), an age (`2h`: two hours ago) or `now`.
 *
 * @throws a usage error (exit 2) naming the option
 * @example
 * ```ts
 * parseRecoverTime('--since', '2026-11-17T06:00:00Z', Date.now()); // 1795413600000
 * parseRecoverTime('--since', '2h', now); // now - 7_200_000
 * ```
 */
export function parseRecoverTime(option: string, value: string, now: number): number {
  const v = value.trim();
  if (v === 'now') return now;
  if (DATE.test(v)) {
    const at = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v);
    if (!Number.isNaN(at)) return at;
  } else {
    try {
      return now - parseDuration(v);
    } catch {
      // not an age either: fall through to the error
    }
  }
  throw usageError(
    `${option} "${value}" is not a time`,
    'use a date like 2026-11-17, a date-time like 2026-11-17T06:00:00Z, an age like 2h, or now',
  );
}

function requireEndpoint(project: Project, endpoint: string): string {
  const webhooks = project.webhooks;
  if (!webhooks) {
    throw usageError(
      `project ${project.name} declares no webhook endpoints`,
      'declare them in patchbay.config.ts under webhooks.endpoints',
    );
  }
  if (!webhooks.endpoints.some((e) => e.id === endpoint)) {
    throw usageError(
      `no webhook endpoint "${endpoint}" in project ${project.name}`,
      `known endpoints: ${webhooks.endpoints.map((e) => e.id).join(', ')}`,
    );
  }
  return webhooks.integrationId;
}

/**
 * Options of `patchbay webhooks recover`.
 *
 * @example
 * ```ts
 * const opts: RecoverCommandOptions = { project: '.', since: '2026-11-17T06:00:00Z', until: 'now' };
 * ```
 */
export interface RecoverCommandOptions {
  project: string;
  since: string;
  until: string;
  all?: true | undefined;
  enable?: true | undefined;
  json?: true | undefined;
}

/**
 * Runs `patchbay webhooks recover` and resolves with its exit code.
 *
 * @example
 * ```ts
 * const code = await recoverCommand(io, 'acme', { project: '.', since: '2h', until: 'now' });
 * ```
 */
export async function recoverCommand(
  io: CliIo,
  endpoint: string,
  opts: RecoverCommandOptions,
): Promise<number> {
  const now = Date.now();
  const since = parseRecoverTime('--since', opts.since, now);
  const until = parseRecoverTime('--until', opts.until, now);
  if (since > until) {
    throw usageError(
      `--since (${isoTime(since)}) is after --until (${isoTime(until)})`,
      'give the earlier time as --since',
    );
  }
  const { project } = await openProject(opts.project);
  const integrationId = requireEndpoint(project, endpoint);
  const include = opts.all ? 'all' : 'failed';
  const result = await withStore(project, async (store) => {
    try {
      return await recoverDeliveries(store, {
        integrationId,
        endpointId: endpoint,
        since,
        until,
        include,
        enable: Boolean(opts.enable),
        now,
      });
    } catch (err) {
      if (isPatchbayError(err) && err.code === 'ENDPOINT_DISABLED') {
        throw usageError(
          err.message,
          'fix the subscriber first, then add --enable to enable the endpoint again and recover',
        );
      }
      throw err;
    }
  });
  const dead = result.resent.filter((r) => r.status === 'dead').length;
  const delivered = result.resent.length - dead;
  if (opts.json) {
    printJson(io, {
      endpoint,
      outbox: integrationId,
      since: isoTime(since),
      until: isoTime(until),
      include,
      enabled: result.enabled,
      resent: result.resent.length,
      dead,
      delivered,
      deadLettersRemoved: result.deadLettersRemoved,
      messages: result.resent.map((r) => ({
        id: (r.payload as { id?: unknown }).id,
        was: r.status,
        attempts: r.attempts,
        createdAt: isoTime(r.createdAt),
      })),
    });
    return ExitCode.Ok;
  }
  const lines = [
    `recover ${endpoint} from ${isoTime(since)} to ${isoTime(until)} (${include === 'all' ? 'failed and delivered' : 'failed only'}): ${result.resent.length} message(s) queued again`,
  ];
  if (result.resent.length > 0) {
    lines.push(
      `  ${dead} failed, ${delivered} already delivered; ${result.deadLettersRemoved} dead letter(s) removed`,
    );
    lines.push('  the delivery worker of `patchbay run` sends them with a fresh retry schedule');
  }
  if (result.enabled) lines.push(`  endpoint ${endpoint} was disabled (410) and is enabled again`);
  print(io, ...lines);
  return ExitCode.Ok;
}

/**
 * Registers `patchbay webhooks` and its subcommands.
 *
 * @example
 * ```ts
 * registerWebhooks(root, io, (code) => (exitCode = code));
 * ```
 */
export function registerWebhooks(root: Root, io: CliIo, done: Done): void {
  const webhooks = root
    .command('webhooks')
    .summary('operate the webhook sender (recover)')
    .description(
      'The webhook sender: subscriber endpoints declared under webhooks in the project.',
    );

  webhooks
    .command('recover')
    .summary('send a window of an endpoint’s failed messages again')
    .description(
      'Queue the messages of an endpoint enqueued between --since and --until (both inclusive) to be sent again, with a fresh retry schedule and their original webhook-id. Like Svix, only messages that failed for good (dead) are recovered; --all also re-sends delivered ones. Messages still pending keep their schedule. A disabled endpoint (it answered 410) is refused unless --enable is given. The delivery worker of `patchbay run` sends them.',
    )
    .argument('<endpoint>', 'endpoint id (webhooks.endpoints[].id)')
    .requiredOption('--since <time>', 'start: a date, a date-time, or an age like 2h')
    .option('--until <time>', 'end: a date, a date-time, an age like 30m, or now', 'now')
    .option('--all', 'also re-send messages that were delivered')
    .option('--enable', 'enable a disabled (410) endpoint again before recovering')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  patchbay webhooks recover acme --since 2026-11-17T06:00:00Z --until 2026-11-17T09:00:00Z\n  patchbay webhooks recover acme --since 2d --all\n  patchbay webhooks recover acme --since 1d --enable',
    )
    .action(async (endpoint, opts, cmd) => {
      const global = cmd.optsWithGlobals();
      done(await recoverCommand(io, endpoint, { ...opts, project: global.project }));
    });
}
