/**
 * Recording, replay and the typed wrapper pattern for HTTP integrations.
 */
export {
  REDACTED,
  DEFAULT_REDACTED_HEADERS,
  DEFAULT_REDACTED_QUERY,
  DEFAULT_SENSITIVE_KEYS,
  compileRules,
  redactForm,
  redactHeaders,
  redactJson,
  redactUrl,
  type CompiledRules,
  type RedactionRules,
} from './redact.js';
export {
  FIXTURE_VERSION,
  bodyFingerprint,
  decodeBody,
  encodeBody,
  loadFixture,
  requestKey,
  saveFixture,
  type Fixture,
  type FixtureBody,
  type FixtureExchange,
} from './fixture.js';
export { recordingClient, type RecorderOptions, type RecordingClient } from './recorder.js';
export { replayClient, replayFile, type ReplayClient, type ReplayOptions } from './replay.js';
export {
  recordingSchema,
  fixturePath,
  fixtureRecorder,
  fixtureReplayer,
  recordingRules,
  replayAuth,
  type RecordingConfig,
} from './config.js';
export {
  defineClient,
  type ApiOf,
  type ClientDefinition,
  type LiveOptions,
  type Operations,
  type ThinApi,
  type ThinClient,
  type ThinFakes,
  type ThinHttp,
  type ThinRequest,
  type ThinResponse,
} from './thin-client.js';
