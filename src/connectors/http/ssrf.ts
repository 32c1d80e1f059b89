/**
 * SSRF guard for URLs that come from data (webhook subscriber URLs, links in
 * payloads) rather than from an engineer's config. http(s) only; the address
 * actually connected to is checked at connect time (so DNS rebinding cannot
 * slip a private address in after a check), against loopback, private,
 * link-local, CGNAT, metadata, multicast and reserved ranges and their IPv6
 * equivalents, IPv4-mapped and NAT64 forms included. Odd IPv4 spellings
 * (`127.1`, `2130706433`, `0177.0.0.1`) are normalised by the WHATWG URL
 * parser before the check. Redirects are never followed by the client.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { PatchbayError } from '../../core/errors.js';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['100::', 64],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/**
 * True when an IP address must not be reached from data-supplied URLs.
 *
 * @example
 * ```ts
 * isBlockedAddress('169.254.169.254'); // true (cloud metadata)
 * isBlockedAddress('::ffff:7f00:1');   // true (IPv4-mapped 127.0.0.1)
 * isBlockedAddress('93.184.215.14');   // false
 * ```
 */
export function isBlockedAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 4) return blocked.check(bare, 'ipv4');
  if (family !== 6) return true;
  const embedded = embeddedIPv4(bare);
  if (embedded !== undefined) return blocked.check(embedded, 'ipv4');
  return blocked.check(bare, 'ipv6');
}

/** The IPv4 address inside an IPv4-mapped (`::ffff:0:0/96`), -compatible or NAT64 (`64:ff9b::/96`) address. */
function embeddedIPv4(v6: string): string | undefined {
  const lower = v6.toLowerCase();
  const m =
    /^(?:::ffff:|::|64:ff9b::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/.exec(
      lower,
    );
  if (!m) return undefined;
  if (m[1]) return m[1];
  const hi = parseInt(m[2] ?? '0', 16);
  const lo = parseInt(m[3] ?? '0', 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** Options of the guard. */
export interface SsrfOptions {
  /** Host names trusted although they resolve to internal addresses. */
  allowHosts?: readonly string[];
}

function refused(host: string, why: string): PatchbayError {
  // A bad URL in a record is that record's problem: permanent, dead-lettered.
  return new PatchbayError('validation', `refused to call ${host}: ${why}`, {
    code: 'SSRF_BLOCKED',
    retryable: false,
    details: { host },
  });
}

/**
 * Checks a URL before the request: scheme, and the host when it is an IP literal.
 *
 * @example
 * ```ts
 * checkUrl(new URL('http://2130706433/')); // throws SSRF_BLOCKED (127.0.0.1)
 * ```
 */
export function checkUrl(url: URL, options: SsrfOptions = {}): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw refused(url.host, `scheme ${url.protocol} is not allowed`);
  }
  if (options.allowHosts?.includes(url.hostname)) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 && isBlockedAddress(host)) throw refused(url.hostname, 'internal address');
  if (host === 'localhost' || host.endsWith('.localhost'))
    throw refused(url.hostname, 'internal host');
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for socket connect options that refuses internal addresses,
 * so the check applies to the address actually connected to.
 *
 * @example
 * ```ts
 * new Agent({ connect: { lookup: guardedLookup({ allowHosts: ['erp.internal'] }) } });
 * ```
 */
export function guardedLookup(options: SsrfOptions = {}) {
  return (hostname: string, opts: { all?: boolean }, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      if (!options.allowHosts?.includes(hostname)) {
        const bad = addresses.find((a) => isBlockedAddress(a.address));
        if (bad) return callback(refused(hostname, 'resolves to an internal address') as never, []);
      }
      if (opts.all) return callback(null, addresses);
      const first = addresses[0];
      return first ? callback(null, first.address, first.family) : callback(null, [], 4);
    });
  };
}
