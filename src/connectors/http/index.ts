/**
 * `patchbay/http`: REST polling, outbound calls and service identity.
 */
export { httpPoll, type RestSourceConfig } from './rest-source.js';
export { httpCall, fillTemplate, type HttpSinkConfig } from './http-sink.js';
export {
  createHttpClient,
  safeTarget,
  DEFAULT_HTTP_TIMEOUT_MS,
  DEFAULT_MAX_RESPONSE_BYTES,
  type HttpClient,
  type HttpClientOptions,
  type HttpRequest,
  type HttpResponse,
  type TlsMaterial,
} from './client.js';
export {
  classifyResponse,
  parseJsonResponse,
  type ResponseOutcome,
  type StatusOverrides,
} from './classify-response.js';
export { guardedCall, type CallOptions, type CallResult } from './call.js';
export { auditCall, AuditBuffer, type AuditBufferOptions, type HttpAuditFacts } from './audit.js';
export {
  IncrementalCursor,
  incrementalSchema,
  compare as compareCursor,
  type IncrementalConfig,
  type IncrementalState,
} from './incremental.js';
export * from './pagination/index.js';
export * from './auth/index.js';
export {
  graphqlPoll,
  graphqlRequest,
  graphqlError,
  type GraphQLError,
  type GraphQLRequestOptions,
  type GraphQLSourceConfig,
} from './graphql.js';
export {
  openConnection,
  commonHttpFields,
  type CommonHttpConfig,
  type HttpConnection,
} from './options.js';
export * from './recording/index.js';
