/**
 * Shared primitives for the schemes: HMAC, constant-time comparison, strict
 * decoding of hex and base64 signatures, and the two-sided timestamp check.
 */
import { createHmac, timingSafeEqual, type BinaryLike } from 'node:crypto';
import type { VerifyFailure } from './types.js';

/**
 * HMAC algorithms the schemes accept.
 *
 * @example
 * ```ts
 * const algorithm: HmacAlgorithm = 'sha256';
 * ```
 */
export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';
/**
 * How a signature is written in its header.
 *
 * @example
 * ```ts
 * const encoding: SignatureEncoding = 'base64';
 * ```
 */
export type SignatureEncoding = 'hex' | 'base64' | 'base64url';

const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/**
 * Decodes a signature strictly; `undefined` when it is not valid in its
 * encoding, so that garbage never reaches the comparison.
 *
 * @example
 * ```ts
 * decodeSignature('a1b2', 'hex'); // <Buffer a1 b2>
 * decodeSignature('zz', 'hex');   // undefined
 * ```
 */
export function decodeSignature(text: string, encoding: SignatureEncoding): Buffer | undefined {
  const pattern = encoding === 'hex' ? HEX : encoding === 'base64' ? BASE64 : BASE64URL;
  if (text.length === 0 || !pattern.test(text)) return undefined;
  if (encoding === 'hex' && text.length % 2 !== 0) return undefined;
  return Buffer.from(text, encoding);
}

/**
 * HMAC of the given parts (concatenated) under `key`.
 *
 * @example
 * ```ts
 * hmac('sha256', 'secret', [Buffer.from('1700000000.'), body]);
 * ```
 */
export function hmac(
  algorithm: HmacAlgorithm,
  key: BinaryLike,
  parts: ReadonlyArray<string | Buffer>,
): Buffer {
  const mac = createHmac(algorithm, key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/**
 * Constant-time equality of two MACs. A length difference answers false at
 * once: the length of a MAC is public, only its bytes are not.
 *
 * @example
 * ```ts
 * safeEqual(expected, provided); // true only for identical bytes
 * ```
 */
export function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Checks a signed timestamp against the clock in both directions: a replayed
 * old request and a request from a clock far in the future both fail.
 *
 * @example
 * ```ts
 * checkTimestamp(Date.now() - 600_000, Date.now(), 300_000); // 'stale-timestamp'
 * ```
 */
export function checkTimestamp(
  timestampMs: number,
  now: number,
  toleranceMs: number,
): VerifyFailure | undefined {
  if (now - timestampMs > toleranceMs) return 'stale-timestamp';
  if (timestampMs - now > toleranceMs) return 'future-timestamp';
  return undefined;
}

/**
 * Parses a Unix timestamp in seconds written as plain digits (no sign,
 * fraction or exponent), as every scheme here sends it; `undefined` otherwise.
 *
 * @example
 * ```ts
 * parseUnixSeconds('1700000000'); // 1700000000000
 * parseUnixSeconds('1e9');        // undefined
 * ```
 */
export function parseUnixSeconds(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,12}$/.test(text)) return undefined;
  return Number(text) * 1000;
}

/**
 * Tries every provided signature against every secret and answers the index
 * of the secret that matched, or -1. Every pair is compared in constant time.
 *
 * @example
 * ```ts
 * matchAny(secrets, [provided], (secret) => hmac('sha256', secret, [body]));
 * ```
 */
export function matchAny(
  secrets: readonly string[],
  provided: readonly Buffer[],
  expectedFor: (secret: string) => Buffer | undefined,
): number {
  for (let i = 0; i < secrets.length; i++) {
    const expected = expectedFor(secrets[i] as string);
    if (!expected) continue;
    for (const candidate of provided) if (safeEqual(expected, candidate)) return i;
  }
  return -1;
}
