// Phone numbers: E.164 normalisation and number types with libphonenumber-js (full metadata,
// because the default metadata gives no number type for French numbers).
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Market } from './types.ts';
import { policyFor } from './markets.ts';

export type NumberType =
  | 'fixed_line'
  | 'mobile'
  | 'fixed_line_or_mobile'
  | 'toll_free'
  | 'premium_rate'
  | 'shared_cost'
  | 'voip'
  | 'personal_number'
  | 'pager'
  | 'uan'
  | 'voicemail'
  | 'unknown';

export type NormalizedNumber =
  | { ok: true; e164: string; country: string; numberType: NumberType }
  | { ok: false; code: 'number_invalid' | 'number_wrong_country'; e164: string | null; message: string };

/**
 * Normalise what a customer typed (national or international format) for an account of `market`.
 * Never throws: an unusable number is a result, so one bad number cannot fail a whole request.
 */
export function normalizeNumber(input: string, market: Market): NormalizedNumber {
  const country = policyFor(market).country;
  const parsed = parsePhoneNumberFromString(input, country);
  if (!parsed || !parsed.isValid()) {
    return { ok: false, code: 'number_invalid', e164: null, message: `"${input}" is not a valid phone number.` };
  }
  if (parsed.country !== country) {
    return {
      ok: false,
      code: 'number_wrong_country',
      e164: parsed.number,
      message: `${parsed.number} is not a ${country} number; ${market} accounts can only port ${country} numbers.`,
    };
  }
  const type = parsed.getType();
  return { ok: true, e164: parsed.number, country, numberType: type ? (type.toLowerCase() as NumberType) : 'unknown' };
}

/** French geographic numbers of the Paris calling area start +33 1. */
export const isParisAreaNumber = (e164: string): boolean => e164.startsWith('+331');
