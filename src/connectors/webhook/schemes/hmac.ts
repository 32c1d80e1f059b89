/**
 * A generic HMAC scheme for providers with their own variant: which header
 * carries the signature, the algorithm, the encoding, an optional prefix
 * (`sha256=`), an optional signed timestamp header, and the signed content
 * as a template over the raw body, the timestamp and other headers.
 */
import { configError } from '../../../core/errors.js';
import {
  checkTimestamp,
  decodeSignature,
  hmac,
  matchAny,
  type HmacAlgorithm,
  type SignatureEncoding,
} from './crypto.js';
import type { SignatureScheme, VerifyInput, VerifyResult } from './types.js';

/**
 * Options of {@link hmacScheme}.
 *
 * @example
 * ```ts
 * const options: HmacSchemeOptions = { header: 'x-signature', prefix: 'sha256=', template: '{timestamp}.{body}', timestampHeader: 'x-timestamp' };
 * ```
 */
export interface HmacSchemeOptions {
  /** Header carrying the signature, e.g. `x-signature`. */
  header: string;
  /** Default `sha256`. */
  algorithm?: HmacAlgorithm | undefined;
  /** Default `hex`. */
  encoding?: SignatureEncoding | undefined;
  /** Text before the signature in the header, e.g. `sha256=`; required when set. Default none. */
  prefix?: string | undefined;
  /**
   * The signed content. Placeholders: `{body}` (raw bytes), `{timestamp}`
   * (the timestamp header's text), `{header:<name>}`. Default `{body}`.
   */
  template?: string | undefined;
  /** Header carrying the signed timestamp; when set, it is required and checked against the tolerance. */
  timestampHeader?: string | undefined;
  /** Unit of the timestamp header. Default `s`. */
  timestampUnit?: 's' | 'ms' | undefined;
}

type Part = { literal: string } | { body: true } | { header: string };

function compile(template: string, timestampHeader: string | undefined): Part[] {
  const parts: Part[] = [];
  const re = /\{([^{}]+)\}/g;
  let last = 0;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    if (m.index > last) parts.push({ literal: template.slice(last, m.index) });
    const name = m[1] as string;
    if (name === 'body') parts.push({ body: true });
    else if (name === 'timestamp') {
      if (!timestampHeader) {
        throw configError('webhook signature', 'template', '{timestamp} only with timestampHeader');
      }
      parts.push({ header: timestampHeader.toLowerCase() });
    } else if (name.startsWith('header:') && name.length > 7) {
      parts.push({ header: name.slice(7).toLowerCase() });
    } else {
      throw configError(
        'webhook signature',
        'template',
        'placeholders {body}, {timestamp} or {header:<name>}',
      );
    }
    last = re.lastIndex;
  }
  if (last < template.length) parts.push({ literal: template.slice(last) });
  return parts;
}

/**
 * A configurable HMAC scheme. Defaults: `sha256`, `hex`, no prefix, template
 * `{body}`, no timestamp.
 *
 * @example
 * ```ts
 * const scheme = hmacScheme({
 *   header: 'x-signature', prefix: 'sha256=', encoding: 'hex',
 *   timestampHeader: 'x-timestamp', template: '{timestamp}.{body}',
 * });
 * ```
 */
export function hmacScheme(options: HmacSchemeOptions): SignatureScheme {
  const header = options.header.toLowerCase();
  const algorithm = options.algorithm ?? 'sha256';
  const encoding = options.encoding ?? 'hex';
  const prefix = options.prefix ?? '';
  const tsHeader = options.timestampHeader?.toLowerCase();
  const unitMs = options.timestampUnit === 'ms' ? 1 : 1000;
  const parts = compile(options.template ?? '{body}', tsHeader);
  return {
    name: 'hmac',
    verify(input: VerifyInput): VerifyResult {
      const value = input.headers[header];
      if (!value) return { ok: false, reason: 'missing-header' };
      if (!value.startsWith(prefix)) return { ok: false, reason: 'unknown-version' };
      const provided = decodeSignature(value.slice(prefix.length), encoding);
      if (!provided) return { ok: false, reason: 'malformed-header' };
      let timestamp: number | undefined;
      if (tsHeader) {
        const ts = input.headers[tsHeader];
        if (!ts) return { ok: false, reason: 'missing-header' };
        if (!/^\d{1,15}$/.test(ts)) return { ok: false, reason: 'malformed-header' };
        timestamp = Number(ts) * unitMs;
        const stale = checkTimestamp(timestamp, input.now, input.toleranceMs);
        if (stale) return { ok: false, reason: stale };
      }
      const content: Array<string | Buffer> = [];
      for (const part of parts) {
        if ('literal' in part) content.push(part.literal);
        else if ('body' in part) content.push(input.body);
        else {
          const v = input.headers[part.header];
          if (v === undefined) return { ok: false, reason: 'missing-header' };
          content.push(v);
        }
      }
      const keyIndex = matchAny(input.secrets, [provided], (secret) =>
        hmac(algorithm, secret, content),
      );
      return keyIndex < 0
        ? { ok: false, reason: 'bad-signature' }
        : { ok: true, keyIndex, timestamp };
    },
  };
}
