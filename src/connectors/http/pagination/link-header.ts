/**
 * RFC 8288 `Link` header parsing, enough for pagination: URI references
 * (relative ones resolved against the request URL), quoted or bare
 * parameters, and several relation types in one `rel`.
 */

/**
 * The target of the link with relation `rel`, resolved against `base`;
 * `undefined` when there is none.
 *
 * @example
 * ```ts
 * findLink('</items?page=2>; rel="next", </items?page=9>; rel="last"', 'next', new URL('https://api.example.com/v1/items'));
 * // URL https://api.example.com/items?page=2
 * ```
 */
export function findLink(
  header: string | string[] | undefined,
  rel: string,
  base: URL,
): URL | undefined {
  if (header === undefined) return undefined;
  const text = Array.isArray(header) ? header.join(', ') : header;
  // Split on commas that start a new `<...>` link, not on commas inside a URI or a quoted value.
  const linkRe = /<([^>]*)>((?:\s*;\s*[^;,=\s]+\s*(?:=\s*(?:"[^"]*"|[^;,"]*))?)*)/g;
  for (const m of text.matchAll(linkRe)) {
    const params = m[2] ?? '';
    const relMatch = /;\s*rel\s*=\s*(?:"([^"]*)"|([^;,\s"]+))/i.exec(params);
    const rels = (relMatch?.[1] ?? relMatch?.[2] ?? '').toLowerCase().split(/\s+/);
    if (rels.includes(rel.toLowerCase())) {
      try {
        return new URL(m[1] ?? '', base);
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
