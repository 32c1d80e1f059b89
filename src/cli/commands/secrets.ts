/**
 * `patchbay secrets`: the secret inventory. Every secret reference each
 * integration and alert sink uses, by field, and whether it resolves in this
 * environment. Values are never printed; plaintext credentials found in a
 * config are named by field only. Exit 1 when any reference does not resolve
 * or any credential is written as plaintext.
 */
import { sinksFromConfig } from '../../operations/alerts/from-config.js';
import { alertSinkSecretUses, checkResolvable, secretUses } from '../../operations/inventory.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { print, printJson, table } from '../output.js';
import type { Done, Root } from '../program.js';
import { openProject, selectIntegrations } from '../project.js';

/**
 * Registers `patchbay secrets` (alias `patchbay secrets inventory`).
 *
 * @example
 * ```ts
 * registerSecrets(root, io, (code) => (exitCode = code));
 * ```
 */
export function registerSecrets(root: Root, io: CliIo, done: Done): void {
  root
    .command('secrets')
    .summary('the secret inventory: every reference, per integration and field, resolvable or not')
    .description(
      'List every secret reference each integration (and each alert sink) uses, by field, where it lives (env, file, vault, ...) and whether it resolves here. Never prints a value. Exits 1 when a reference does not resolve or a credential is written as plaintext.',
    )
    .argument('[action]', 'inventory (the default)')
    .option('--only <ids...>', 'only these integrations')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  patchbay secrets\n  patchbay secrets inventory --json')
    .action(async (_action, opts, cmd) => {
      const loaded = await openProject(cmd.optsWithGlobals().project);
      const selected = selectIntegrations(loaded, opts.only);
      const alerts = loaded.project.alerts;
      const uses = await checkResolvable([
        ...selected.flatMap(secretUses),
        ...(alerts && !opts.only ? alertSinkSecretUses(sinksFromConfig(alerts)) : []),
      ]);
      const bad = uses.filter((u) => u.status !== 'reference' || !u.resolvable);
      if (opts.json) {
        printJson(io, { project: loaded.project.name, ok: bad.length === 0, secrets: uses });
      } else {
        print(
          io,
          ...table([
            ['INTEGRATION', 'FIELD', 'REFERENCE', 'WHERE', 'RESOLVES'],
            ...uses.map((u) => [
              u.integration,
              u.field,
              u.reference ?? `(plaintext ${u.status})`,
              u.scheme ?? '-',
              u.status !== 'reference' ? 'PLAINTEXT' : u.resolvable ? 'yes' : 'NO',
            ]),
          ]),
          '',
          `${uses.length} secret use${uses.length === 1 ? '' : 's'}; ${bad.length} problem${bad.length === 1 ? '' : 's'}`,
        );
      }
      done(bad.length === 0 ? ExitCode.Ok : ExitCode.Failed);
    });
}
