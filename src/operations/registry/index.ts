/**
 * The integration registry: entries from definitions and live state, their
 * Markdown pages and static HTML site, and the staleness check for CI.
 */
export {
  registryEntry,
  metricNames,
  type RegistryEntry,
  type RegistryLive,
  type RegistrySecret,
} from './model.js';
export { integrationPage, indexPage, GENERATED_MARK, LIVE_BEGIN, LIVE_END } from './markdown.js';
export { integrationHtml, indexHtml, escapeHtml } from './html.js';
export {
  renderRegistry,
  writeRegistry,
  staleRegistry,
  withoutLive,
  type StaleFile,
} from './files.js';
