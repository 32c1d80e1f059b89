/**
 * Patchbay: define, run, observe and replay integrations.
 *
 * The root export is deliberately small: the contracts an integration module
 * needs. Everything else lives in subpath exports (`patchbay/store`,
 * `patchbay/runtime`, `patchbay/policies`, `patchbay/observability`, ...).
 */
export * from './core/index.js';
