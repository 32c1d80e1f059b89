/**
 * Exact decimals as strings. Money never passes through binary floating
 * point: parsing, rounding and sums work on the digits with BigInt.
 */

/**
 * A parsed decimal: `units / 10^scale`.
 *
 * @example
 * ```ts
 * const twelveFifty: Decimal = { units: 1250n, scale: 2 };
 * ```
 */
export interface Decimal {
  units: bigint;
  scale: number;
}

const PLAIN = /^([+-])?(\d*)(?:\.(\d*))?(-)?$/;

/**
 * Parses a decimal string: optional sign, optional SAP-style trailing minus
 * (`"12.50-"`), optional exponent, and the given decimal separator (thousands
 * separators of the other kind are dropped). Returns `undefined` when it is not a number.
 *
 * @example
 * ```ts
 * parseDecimal('12.50-'); // { units: -1250n, scale: 2 }
 * parseDecimal('1.234,5', ','); // { units: 12345n, scale: 1 }
 * ```
 */
export function parseDecimal(text: string, separator: '.' | ',' = '.'): Decimal | undefined {
  return parseSimple(text, separator) ?? parseGeneral(text, separator);
}

const ZERO = 48;
const PLUS = 43;
const MINUS = 45;
const DOT = 46;
const COMMA = 44;

/**
 * The common case without regular expressions or intermediate strings:
 * digits, thousands separators, one decimal separator, a leading sign or a
 * trailing minus, at most 15 significant digits (exact as a double).
 * `undefined` means "not that simple": the general parser decides.
 */
function parseSimple(text: string, separator: '.' | ','): Decimal | undefined {
  const dec = separator === '.' ? DOT : COMMA;
  const thousands = separator === '.' ? COMMA : DOT;
  let n = 0;
  let significant = 0;
  let digits = 0;
  let scale = 0;
  let sign = 0;
  // 0: before any digit or separator, 1: integer digits, 2: fraction digits, 3: after a trailing minus
  let phase = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === thousands) continue;
    const digit = c - ZERO;
    if (digit >= 0 && digit <= 9) {
      if (phase === 3) return undefined;
      if (n !== 0 || digit !== 0) significant++;
      n = n * 10 + digit;
      digits++;
      if (phase === 2) scale++;
      else phase = 1;
      continue;
    }
    if (c === dec && phase < 2) phase = 2;
    else if (c === MINUS && phase !== 0 && phase !== 3 && sign === 0) phase = 3;
    else if ((c === MINUS || c === PLUS) && phase === 0 && sign === 0) sign = c;
    else return undefined;
  }
  if (digits === 0 || significant > 15) return undefined;
  const negative = sign === MINUS || phase === 3;
  return { units: BigInt(negative ? -n : n), scale };
}

function parseGeneral(text: string, separator: '.' | ','): Decimal | undefined {
  let s = text.trim().replace(/[\s_']/g, '');
  if (separator === ',') s = s.replace(/\./g, '').replace(',', '.');
  else s = s.replace(/,/g, '');
  let exponent = 0;
  const e = /^(.*?)[eE]([+-]?\d{1,4})$/.exec(s);
  if (e) {
    s = e[1] as string;
    exponent = Number(e[2]);
  }
  const m = PLAIN.exec(s);
  if (!m) return undefined;
  const [, sign, int = '', frac = '', trailing] = m;
  if (int === '' && frac === '') return undefined;
  if (sign && trailing) return undefined;
  let units = BigInt((int || '0') + frac);
  if (sign === '-' || trailing) units = -units;
  let scale = frac.length - exponent;
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { units, scale };
}

/**
 * Formats a decimal in plain notation, never with an exponent.
 *
 * @example
 * ```ts
 * formatDecimal({ units: -1250n, scale: 2 }); // '-12.50'
 * ```
 */
export function formatDecimal(d: Decimal): string {
  const negative = d.units < 0n;
  const digits = (negative ? -d.units : d.units).toString().padStart(d.scale + 1, '0');
  const int = digits.slice(0, digits.length - d.scale);
  const frac = digits.slice(digits.length - d.scale);
  return `${negative ? '-' : ''}${int}${d.scale > 0 ? `.${frac}` : ''}`;
}

const POW10: bigint[] = [];
for (let k = 0, p = 1n; k <= 40; k++, p *= 10n) POW10.push(p);

/** 10^k as a BigInt, from a table for the usual scales. */
const pow10 = (k: number): bigint => POW10[k] ?? 10n ** BigInt(k);

/**
 * Brings a decimal to exactly `scale` digits, rounding half away from zero
 * (the commercial rounding invoices use).
 *
 * @example
 * ```ts
 * rescale({ units: 12345n, scale: 3 }, 2); // { units: 1235n, scale: 2 }  (12.345 → 12.35)
 * ```
 */
export function rescale(d: Decimal, scale: number): Decimal {
  if (scale === d.scale) return d;
  if (scale > d.scale) return { units: d.units * pow10(scale - d.scale), scale };
  const div = pow10(d.scale - scale);
  const negative = d.units < 0n;
  const abs = negative ? -d.units : d.units;
  let q = abs / div;
  if ((abs % div) * 2n >= div) q += 1n;
  return { units: negative ? -q : q, scale };
}

/**
 * Adds decimals exactly.
 *
 * @example
 * ```ts
 * formatDecimal(addDecimals([parseDecimal('0.1')!, parseDecimal('0.2')!])); // '0.3'
 * ```
 */
export function addDecimals(values: readonly Decimal[]): Decimal {
  const scale = values.reduce((s, d) => Math.max(s, d.scale), 0);
  let units = 0n;
  for (const d of values) units += rescale(d, scale).units;
  return { units, scale };
}
