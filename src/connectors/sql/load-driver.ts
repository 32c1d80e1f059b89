/**
 * Loads an optional peer driver on first use, so installing Patchbay never
 * pulls in database drivers an integration does not use.
 */
import { PatchbayError } from '../../core/errors.js';

/**
 * Imports `pkg`, or throws a `config` error naming the package to install.
 *
 * @example
 * ```ts
 * const pg = await loadDriver<typeof import('pg')>('pg', () => import('pg'));
 * ```
 */
export async function loadDriver<T>(pkg: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new PatchbayError(
        'config',
        `the ${pkg} package is needed for this connector: npm install ${pkg}`,
        { code: 'DRIVER_MISSING', cause, details: { package: pkg } },
      );
    }
    throw cause;
  }
}
