/**
 * Test harness: an in-memory io with captured output and a fake signal
 * source, and throwaway project folders whose config builds a fixture
 * project with its own store.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliIo, CliSignal } from '../io.js';
import { main } from '../main.js';
import type { FixtureOptions } from './projects.js';

/**
 * An io whose output is kept in strings.
 *
 * @example
 * ```ts
 * const io: TestIo = testIo();
 * const running = main(['run', '--project', dir], io);
 * io.signal('SIGTERM');
 * await running;
 * ```
 */
export interface TestIo extends CliIo {
  out(): string;
  err(): string;
  /** Delivers a signal to the command's handlers. */
  signal(signal: CliSignal): void;
}

/**
 * Creates a captured io.
 *
 * @example
 * ```ts
 * const io = testIo();
 * await main(['status'], io);
 * io.out();
 * ```
 */
export function testIo(
  options: { interactive?: boolean; answer?: string; tty?: boolean } = {},
): TestIo {
  let out = '';
  let err = '';
  const handlers = new Set<(s: CliSignal) => void>();
  return {
    stdout: { write: (s: string) => (out += s), isTTY: options.tty ?? false },
    stderr: { write: (s: string) => (err += s), isTTY: options.tty ?? false, columns: 120 },
    interactive: options.interactive ?? false,
    prompt: async () => options.answer ?? '',
    onSignal(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    env: {},
    out: () => out,
    err: () => err,
    signal(s) {
      for (const h of [...handlers]) h(s);
    },
  };
}

/**
 * The result of {@link cli}.
 *
 * @example
 * ```ts
 * const { code, out, err }: CliResult = await cli(['check']);
 * ```
 */
export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs the CLI in-process with a fresh captured io.
 *
 * @example
 * ```ts
 * const { code, out } = await cli(['status', '--project', dir]);
 * ```
 */
export async function cli(argv: string[], io: TestIo = testIo()): Promise<CliResult> {
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

const PROJECTS = fileURLToPath(new URL('./projects.ts', import.meta.url));

/**
 * A throwaway project folder.
 *
 * @example
 * ```ts
 * const project: TempProject = tempProject();
 * project.cleanup();
 * ```
 */
export interface TempProject {
  dir: string;
  cleanup(): void;
}

/**
 * Writes a project folder whose `patchbay.config.mts` builds a fixture
 * project storing its state in that folder.
 *
 * @example
 * ```ts
 * const project = tempProject({ badEvery: 7 });
 * await cli(['run', '--once', '--project', project.dir]);
 * project.cleanup();
 * ```
 */
export function tempProject(options: Omit<FixtureOptions, 'dir'> = {}): TempProject {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-cli-'));
  writeFileSync(
    join(dir, 'patchbay.config.mts'),
    `import { fixtureProject } from ${JSON.stringify(PROJECTS.replace(/\.ts$/, '.js'))};\n` +
      `export default fixtureProject(${JSON.stringify({ ...options, dir })});\n`,
  );
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
