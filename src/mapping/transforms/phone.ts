/**
 * Phone numbers to E.164 with libphonenumber-js, with a default country for
 * numbers written without an international prefix.
 */
import {
  isSupportedCountry,
  parsePhoneNumberFromString,
  type CountryCode,
} from 'libphonenumber-js';
import { FieldFailure, OptionError, show, type TransformDef } from './types.js';

/**
 * The phone transform (`country` is the default country).
 *
 * @example
 * ```ts
 * PHONE_TRANSFORMS.phone.output; // 'string'
 * ```
 */
export const PHONE_TRANSFORMS: Record<string, TransformDef> = {
  phone: {
    accepts: 'any',
    output: 'string',
    create(opts) {
      const country = opts.string('country')?.toUpperCase();
      if (country !== undefined && !isSupportedCountry(country)) {
        throw new OptionError(
          'country',
          `unknown country "${country}" (use ISO 3166 codes like DE, US)`,
        );
      }
      const options = country ? { defaultCountry: country as CountryCode } : undefined;
      return (v) => {
        const text = typeof v === 'number' ? String(v) : v;
        if (typeof text !== 'string')
          throw new FieldFailure('phone', `${show(v)} is not a phone number`);
        const parsed = parsePhoneNumberFromString(text, options);
        if (!parsed || !parsed.isValid()) {
          throw new FieldFailure(
            'phone',
            `${show(v)} is not a valid phone number${country ? ` (default country ${country})` : ''}`,
          );
        }
        return parsed.number;
      };
    },
  },
};
