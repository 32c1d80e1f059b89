/**
 * Opening what every command needs: the project (validated in full before
 * anything runs), the store, and a logger. Failures here are the ones with
 * their own exit codes: a bad project is a usage error (2), a store that
 * cannot be opened is an unavailable dependency (3).
 */
import type { Logger } from 'pino';
import { isPatchbayError } from '../core/errors.js';
import { createLogger } from '../observability/logger.js';
import { loadProject, type Project } from '../runtime/project.js';
import { prepareAll, type PreparedIntegration } from '../runtime/prepare.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import type { Store } from '../store/types.js';
import { CliError, ExitCode, usageError } from './exit-codes.js';
import type { CliIo } from './io.js';

/**
 * A loaded project with every integration prepared (all mistakes reported at once).
 *
 * @example
 * ```ts
 * const { project, prepared }: LoadedProject = await openProject('.');
 * ```
 */
export interface LoadedProject {
  project: Project;
  prepared: PreparedIntegration[];
}

/**
 * Loads and validates a project. Throws a `config` error (exit 2) naming
 * every problem.
 *
 * @example
 * ```ts
 * const { project, prepared } = await openProject('examples/quickstart');
 * ```
 */
export async function openProject(dir: string): Promise<LoadedProject> {
  const project = await loadProject(dir);
  const prepared = prepareAll(project.integrations);
  return { project, prepared };
}

/**
 * The prepared integration with this id, or a usage error listing the known ids.
 *
 * @example
 * ```ts
 * const orders = requireIntegration(loaded, 'orders-to-warehouse');
 * ```
 */
export function requireIntegration(loaded: LoadedProject, id: string): PreparedIntegration {
  const found = loaded.prepared.find((p) => p.id === id);
  if (!found) {
    throw usageError(
      `no integration "${id}" in project ${loaded.project.name}`,
      `known integrations: ${loaded.prepared.map((p) => p.id).join(', ')}`,
    );
  }
  return found;
}

/**
 * The integrations named by `--only` (all when none are named), in project order.
 *
 * @example
 * ```ts
 * const selected = selectIntegrations(loaded, opts.only);
 * ```
 */
export function selectIntegrations(
  loaded: LoadedProject,
  only: readonly string[] | undefined,
): PreparedIntegration[] {
  if (!only || only.length === 0) return loaded.prepared;
  for (const id of only) requireIntegration(loaded, id);
  return loaded.prepared.filter((p) => only.includes(p.id));
}

/**
 * Opens the project's store; any failure is an unavailable dependency (exit 3).
 *
 * @example
 * ```ts
 * const store = await openStore(project);
 * try { ... } finally { await store.close(); }
 * ```
 */
export async function openStore(project: Project): Promise<Store> {
  try {
    return await openSqliteStore({ path: project.storePath });
  } catch (err) {
    const reason = isPatchbayError(err) || err instanceof Error ? err.message : String(err);
    throw new CliError(
      `cannot open the store at ${project.storePath}: ${reason}`,
      ExitCode.Unavailable,
      {
        cause: err,
        hint: 'check that the folder is writable, the disk is not full and no other program locks the file',
      },
    );
  }
}

/**
 * Runs `fn` with the project's store open, and closes it afterwards.
 *
 * @example
 * ```ts
 * const n = await withStore(project, (store) => store.deadLetters.count('orders'));
 * ```
 */
export async function withStore<T>(project: Project, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(project);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/**
 * The CLI's logger: JSON lines on stderr, so stdout carries only the
 * command's result (a summary, a table or `--json`). Level:
 * `PATCHBAY_LOG_LEVEL`, else `level`.
 *
 * @example
 * ```ts
 * const logger = cliLogger(io, project.logLevel);
 * ```
 */
export function cliLogger(io: CliIo, level: string): Logger {
  return createLogger({
    level: io.env['PATCHBAY_LOG_LEVEL'] ?? level,
    destination: { write: (line: string) => io.stderr.write(line) },
  });
}
