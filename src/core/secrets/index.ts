export { Secret } from './secret.js';
export { redactText, redactDeep, rememberSecretValue, knownSecretCount } from './redaction.js';
export {
  SecretResolverChain,
  defaultSecrets,
  envResolver,
  fileResolver,
  isSecretRef,
  resolveSecret,
  type SecretRef,
  type SecretResolver,
} from './resolver.js';
export { secretRef } from './schema.js';
