/**
 * Turning a failed record into a reject-ledger entry: the field, the rule,
 * the offending value and the raw input, with sensitive values masked in
 * both. Masking happens here, before anything is stored or logged.
 */
import { toJsonSafe, type JsonValue } from '../core/json-safe.js';
import { redactDeep } from '../core/secrets/redaction.js';
import type { RejectAdd } from '../store/types.js';
import type { MappingDocument } from './document.js';
import { compileGetter, setPath, type Getter, type PathSegment } from './path.js';

/**
 * What a masked value is replaced with.
 *
 * @example
 * ```ts
 * maskValue('123-45-6789'); // '[masked]'
 * ```
 */
export const MASK = '[masked]';

/**
 * Masks a value: null stays null (it tells nothing), anything else becomes {@link MASK}.
 *
 * @example
 * ```ts
 * maskValue(null); // null
 * ```
 */
export function maskValue(value: unknown): JsonValue {
  return value === null || value === undefined ? null : MASK;
}

/**
 * Builds a masker for raw input: the source paths of every sensitive field
 * of `doc`, compiled once.
 *
 * @example
 * ```ts
 * const mask = rawMasker(doc);
 * mask({ ssn: '123', name: 'Ada' }); // { ssn: '[masked]', name: 'Ada' }
 * ```
 */
export function rawMasker(doc: MappingDocument): (raw: unknown) => JsonValue {
  const paths: Array<{ segments: PathSegment[]; get: Getter }> = [];
  for (const f of doc.fields) {
    if (!f.sensitive) continue;
    for (const s of f.sources) paths.push({ segments: s.segments, get: compileGetter(s.segments) });
  }
  return (raw) => {
    // Secrets revealed by resolvers are scrubbed too, as in dead letters.
    const safe = redactDeep(toJsonSafe(raw));
    if (paths.length === 0 || safe === null || typeof safe !== 'object') return safe;
    for (const p of paths) {
      const v = p.get(safe);
      if (v !== undefined && v !== null) setPath(safe as Record<string, unknown>, p.segments, MASK);
    }
    return safe;
  };
}

/**
 * Does the raw input carry a value masked by an earlier reject? Re-driving
 * it would map the mask itself, so such records are rejected again instead.
 *
 * @example
 * ```ts
 * const masked = maskedInput(doc);
 * masked({ ssn: '[masked]' }); // 'ssn'
 * ```
 */
export function maskedInput(doc: MappingDocument): (raw: unknown) => string | undefined {
  const checks = doc.fields
    .filter((f) => f.sensitive)
    .flatMap((f) => f.sources.map((s) => ({ path: s.path, get: compileGetter(s.segments) })));
  if (checks.length === 0) return () => undefined;
  return (raw) => checks.find((c) => c.get(raw) === MASK)?.path;
}

/**
 * The path of the first value anywhere in `raw` that is {@link MASK}: used on
 * re-drives, where the document may no longer mark the field sensitive.
 *
 * @example
 * ```ts
 * findMask({ a: { ssn: '[masked]' } }); // 'a.ssn'
 * ```
 */
export function findMask(raw: unknown, prefix = '', depth = 0): string | undefined {
  if (raw === MASK) return prefix || '(record)';
  if (raw === null || typeof raw !== 'object' || depth > 8) return undefined;
  for (const [k, v] of Object.entries(raw)) {
    const found = findMask(v, prefix ? `${prefix}.${k}` : k, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The facts of one reject before masking.
 *
 * @example
 * ```ts
 * const input: RejectInput = { integrationId: 'hr', mapping: 'employee', recordKey: 'E-1', fieldPath: 'dob', rule: 'date', message: 'bad', value: 'x', sensitive: false, raw, at: Date.now() };
 * ```
 */
export interface RejectInput {
  integrationId: string;
  mapping: string;
  recordKey: string | undefined;
  fieldPath: string;
  rule: string;
  message: string;
  value: unknown;
  sensitive: boolean;
  raw: unknown;
  at: number;
}

/**
 * Builds the ledger entry, masking the value when the field is sensitive and
 * the raw input's sensitive fields always. Messages of sensitive fields are
 * replaced too, because transform messages quote the value.
 *
 * @example
 * ```ts
 * await store.rejects.add(toReject(input, rawMasker(doc)));
 * ```
 */
export function toReject(input: RejectInput, maskRaw: (raw: unknown) => JsonValue): RejectAdd {
  return {
    integrationId: input.integrationId,
    mapping: input.mapping,
    recordKey: input.recordKey,
    fieldPath: input.fieldPath,
    rule: input.rule,
    message: input.sensitive
      ? `${input.fieldPath} failed ${input.rule} (value masked: the field is sensitive)`
      : input.message,
    value: input.sensitive
      ? maskValue(input.value)
      : (redactDeep(toJsonSafe(input.value)) as JsonValue),
    raw: maskRaw(input.raw),
    at: input.at,
  };
}
