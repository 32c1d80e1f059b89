/**
 * `patchbay secrets inventory|rotated`: the secret inventory (every
 * credential reference each integration and alert sink uses, what it is for,
 * where it lives, who rotates it, when it was last rotated and is due, and
 * whether it resolves here) and recording a rotation. Values are never
 * printed; plaintext credentials found in a config are named by field only.
 */
import { referencesOf } from '../../check/index.js';
import { sinksFromConfig } from '../../operations/alerts/from-config.js';
import { alertSinkSecretUses, checkResolvable, secretUses } from '../../operations/inventory.js';
import {
  inventoryRows,
  recordRotation,
  type InventoryRow,
} from '../../operations/secret-rotation.js';
import { ownerTeam } from '../../core/integration.js';
import { isSecretRef } from '../../core/secrets/resolver.js';
import { ExitCode, usageError } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { isoTime, print, printJson, table } from '../output.js';
import type { Done, Root } from '../program.js';
import { openProject, selectIntegrations, withStore, type LoadedProject } from '../project.js';
import { recordedRotations } from '../rotations.js';

function problem(r: InventoryRow & { resolvable?: boolean }): string | null {
  if (r.status !== 'reference') return 'plaintext';
  if (!r.resolvable) return 'unresolvable';
  if (r.rotation?.state === 'overdue') return 'overdue';
  return null;
}

/** Every reference the project knows: used by an integration or alert sink, or declared. */
function knownReferences(loaded: LoadedProject): string[] {
  const alerts = loaded.project.alerts;
  return [
    ...new Set([
      ...loaded.prepared.flatMap(referencesOf),
      ...(alerts ? alertSinkSecretUses(sinksFromConfig(alerts)).map((u) => u.reference ?? '') : []),
      ...Object.keys(loaded.project.secrets),
    ]),
  ].filter(Boolean);
}

/** `--at`: an ISO date or date-time in the past (default now). */
function parseAt(value: string | undefined, now: number): number {
  if (value === undefined) return now;
  const at = /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? Date.parse(`${value}T00:00:00Z`)
    : Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(at)) {
    throw usageError(
      `--at "${value}" is not a date`,
      'use an ISO date such as 2026-03-01 or 2026-03-01T09:30:00Z',
    );
  }
  if (at > now)
    throw usageError(
      `--at ${new Date(at).toISOString()} is in the future`,
      'record a rotation after it happened',
    );
  return at;
}

/**
 * Registers `patchbay secrets` with `inventory` (the default) and `rotated`.
 *
 * @example
 * ```ts
 * registerSecrets(root, io, (code) => (exitCode = code));
 * ```
 */
export function registerSecrets(root: Root, io: CliIo, done: Done): void {
  const secrets = root
    .command('secrets')
    .summary('the secret inventory, and recording rotations')
    .description(
      'The secret inventory: every credential reference each integration and alert sink uses, and recording when a credential was rotated. Never prints a value.',
    );

  secrets
    .command('inventory', { isDefault: true })
    .summary('list every secret reference: what for, where, who rotates it, last rotated, due')
    .description(
      'List every secret reference each integration (and each alert sink) uses, by field: what it is for, where it lives (env, file, vault, ...), who rotates it, when it was last rotated (patchbay secrets rotated) and when it is due (default yearly), and whether it resolves here. Never prints a value. Exits 1 when a credential is written as plaintext, a reference does not resolve, or a rotation is overdue.',
    )
    .option('--only <ids...>', 'only these integrations')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  patchbay secrets\n  patchbay secrets inventory --json')
    // As the default command, `inventory` receives any unknown action word
    // (`patchbay secrets rotate ...`); it says so instead of Commander's
    // confusing "too many arguments for 'inventory'".
    .allowExcessArguments(true)
    .action(async (opts, cmd) => {
      const extra = cmd.args[0];
      if (extra !== undefined) {
        const shown = /^[a-z][a-z-]{0,30}$/.test(extra) ? `"${extra}"` : '(not shown)';
        throw usageError(
          `unknown secrets action ${shown}`,
          'expected: patchbay secrets inventory [--json] or patchbay secrets rotated <ref>',
        );
      }
      const loaded = await openProject(cmd.optsWithGlobals().project);
      const selected = selectIntegrations(loaded, opts.only);
      const alerts = loaded.project.alerts;
      const uses = await checkResolvable([
        ...selected.flatMap(secretUses),
        ...(alerts && !opts.only ? alertSinkSecretUses(sinksFromConfig(alerts)) : []),
      ]);
      const refs = uses.flatMap((u) => (u.reference === null ? [] : [u.reference]));
      const now = Date.now();
      const rows = inventoryRows(uses, {
        now,
        rotations: await recordedRotations(loaded.project, refs),
        declared: loaded.project.secrets,
        owners: new Map(loaded.prepared.map((p) => [p.id, ownerTeam(p.definition.owner)])),
      }).map((r) => ({ ...r, problem: problem(r) }));
      const bad = rows.filter((r) => r.problem !== null);
      if (opts.json) {
        printJson(io, { project: loaded.project.name, ok: bad.length === 0, secrets: rows });
      } else {
        print(
          io,
          ...table([
            [
              'INTEGRATION',
              'FIELD',
              'REFERENCE',
              'WHERE',
              'FOR',
              'ROTATED BY',
              'LAST ROTATED',
              'DUE',
              'STATE',
            ],
            ...rows.map((r) => [
              r.integration,
              r.field,
              r.reference ?? '(plaintext, not shown)',
              r.scheme ?? '-',
              r.purpose ?? '-',
              r.rotatedBy,
              !r.rotation
                ? '-'
                : r.rotation.lastRotatedAt === null
                  ? 'never recorded'
                  : isoTime(r.rotation.lastRotatedAt).slice(0, 10),
              !r.rotation
                ? '-'
                : r.rotation.dueAt === null
                  ? 'unknown'
                  : isoTime(r.rotation.dueAt).slice(0, 10),
              r.problem
                ? r.problem.toUpperCase()
                : r.rotation?.state === 'unrecorded'
                  ? 'ok (rotation not recorded)'
                  : 'ok',
            ]),
          ]),
          '',
          `${rows.length} secret use${rows.length === 1 ? '' : 's'}; ${bad.length} problem${bad.length === 1 ? '' : 's'}`,
        );
      }
      done(bad.length === 0 ? ExitCode.Ok : ExitCode.Failed);
    });

  secrets
    .command('rotated')
    .summary('record that a credential was rotated')
    .description(
      'Record in the store that the credential behind <ref> was rotated (now, or --at a past date), with who did it, and add an audit row. <ref> must be a reference the project uses or declares. The value is never read.',
    )
    .argument('<ref>', 'the secret reference, e.g. env:GPS_TOKEN')
    .option('--at <date>', 'when it was rotated (ISO date or date-time; default now)')
    .option('--by <name>', 'who rotated it (default: $USER)')
    .option('--json', 'print the record as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  patchbay secrets rotated env:GPS_TOKEN\n  patchbay secrets rotated file:/run/secrets/erp --at 2026-03-01 --by alice',
    )
    .action(async (ref, opts, cmd) => {
      if (!isSecretRef(ref)) {
        // Not echoed: the argument may be the credential itself.
        throw usageError(
          'the argument of secrets rotated is not a secret reference (not shown, in case it is a credential)',
          'pass the reference, e.g. patchbay secrets rotated env:GPS_TOKEN; see patchbay secrets inventory',
        );
      }
      const now = Date.now();
      const at = parseAt(opts.at, now);
      const loaded = await openProject(cmd.optsWithGlobals().project);
      const known = knownReferences(loaded);
      if (!known.includes(ref)) {
        throw usageError(
          `${ref} is not used or declared by project ${loaded.project.name}`,
          known.length
            ? `known references: ${known.join(', ')}`
            : 'the project uses no secret references',
        );
      }
      const by = opts.by ?? io.env['USER'] ?? null;
      const record = await withStore(loaded.project, (store) =>
        recordRotation(store, ref, { at, by }),
      );
      if (opts.json) printJson(io, { reference: ref, ...record });
      else
        print(
          io,
          `recorded: ${ref} rotated at ${isoTime(record.at)}${record.by ? ` by ${record.by}` : ''}`,
        );
      done(ExitCode.Ok);
    });
}
