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
  if (scale >= d.scale) return { units: d.units * 10n ** BigInt(scale - d.scale), scale };
  const div = 10n ** BigInt(d.scale - scale);
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
