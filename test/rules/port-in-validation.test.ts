import { describe, expect, it } from 'vitest';
import { isNonPhysicalAddress, validatePortIn } from '../../shared/rules/port-in/validation.ts';
import { buildLines } from '../../shared/rules/port-in/order.ts';
import { categorize, quotePortIn } from '../../shared/rules/port-in/quote.ts';
import { policyFor } from '../../shared/rules/markets.ts';
import type { AccountFacts, Market, NumberFacts, PortInDetails } from '../../shared/rules/types.ts';
import { SAMPLE_NUMBER, account, details, line, numberFacts } from './port-in-fixtures.ts';
import type { LineInput } from '../../shared/rules/port-in/order.ts';

function validate(
  market: Market,
  opts: { details?: Partial<PortInDetails>; lines?: LineInput[]; account?: Partial<AccountFacts>; numbers?: Partial<NumberFacts>; carrierExists?: boolean } = {},
) {
  const policy = policyFor(market);
  return validatePortIn({
    policy,
    details: details(market, opts.details),
    lines: buildLines(opts.lines ?? [line(SAMPLE_NUMBER[market])], policy),
    account: account(market, opts.account),
    numbers: numberFacts(opts.numbers),
    carrierExists: opts.carrierExists ?? true,
  });
}
const codes = (r: { errors: { code: string }[] }) => r.errors.map((e) => e.code);
const warningCodes = (r: { warnings: { code: string }[] }) => r.warnings.map((e) => e.code);

describe('validation: a complete order passes in every market', () => {
  it.each(['AU', 'GB', 'FR'] as const)('%s', (market) => {
    expect(codes(validate(market))).toEqual([]);
  });
});

describe('validation: blocking errors, each with its stable code and path', () => {
  const cases: [string, Market, Parameters<typeof validate>[1], string, string][] = [
    ['no numbers', 'AU', { lines: [] }, 'no_numbers', 'numbers'],
    ['unparseable number', 'AU', { lines: [line('not a number')] }, 'number_invalid', 'numbers[0].number'],
    ['too short to be valid', 'GB', { lines: [line('123')] }, 'number_invalid', 'numbers[0].number'],
    ['French number on an AU account', 'AU', { lines: [line('+33142685300')] }, 'number_wrong_country', 'numbers[0].number'],
    ['the same number twice (two spellings)', 'AU', { lines: [line('07 3212 3456'), line('+61 7 3212 3456')] }, 'number_duplicate', 'numbers[1].number'],
    ['number already active on our network', 'GB', { numbers: { activeOnNetwork: new Set([SAMPLE_NUMBER.GB]) } }, 'number_already_active', 'numbers[0].number'],
    ['missing losing carrier', 'AU', { details: { carrierId: null } }, 'losing_carrier_missing', 'carrierId'],
    ['unknown losing carrier', 'AU', { carrierExists: false }, 'losing_carrier_unknown', 'carrierId'],
    ['missing account number', 'GB', { details: { losingCarrierAccountNumber: '  ' } }, 'account_number_missing', 'losingCarrierAccountNumber'],
    ['missing account holder', 'AU', { details: { accountHolder: null } }, 'account_holder_missing', 'accountHolder'],
    ['empty account holder', 'GB', { details: { accountHolder: {} } }, 'account_holder_missing', 'accountHolder'],
    ['first name only (AU)', 'AU', { details: { accountHolder: { firstName: 'Alex' } } }, 'account_holder_name_incomplete', 'accountHolder'],
    ['FR business name only', 'FR', { details: { accountHolder: { businessName: 'Acme SARL' } } }, 'account_holder_name_incomplete', 'accountHolder'],
    ['missing service address', 'FR', { details: { serviceAddress: null } }, 'service_address_missing', 'serviceAddress'],
    ['PO Box address', 'AU', { details: { serviceAddress: { line1: 'PO Box 123', locality: 'Brisbane', postcode: '4000', country: 'AU' } } }, 'service_address_not_physical', 'serviceAddress.line1'],
    ['Locked Bag in line2', 'GB', { details: { serviceAddress: { line1: '1 Road', line2: 'Locked Bag 7', locality: 'Leeds', postcode: 'LS1 1AA', country: 'GB' } } }, 'service_address_not_physical', 'serviceAddress.line2'],
    ['address in another country', 'GB', { details: { serviceAddress: { line1: '1 Rue', locality: 'Paris', postcode: '75001', country: 'FR' } } }, 'service_address_wrong_country', 'serviceAddress.country'],
    ['AU plan inactive', 'AU', { account: { plan: { ...account('AU').plan, active: false } } }, 'plan_inactive', 'account.plan.active'],
    ['AU plan without porting', 'AU', { account: { plan: { ...account('AU').plan, portingEnabled: false } } }, 'porting_not_enabled', 'account.plan.portingEnabled'],
    ['AU ADSL on the line, not acknowledged', 'AU', { lines: [line(SAMPLE_NUMBER.AU, { services: ['adsl'] })] }, 'service_loss_not_acknowledged', 'numbers[0].acknowledgedServiceLoss'],
    ['AU EFTPOS on the line, not acknowledged', 'AU', { lines: [line(SAMPLE_NUMBER.AU, { services: ['eftpos'] })] }, 'service_loss_not_acknowledged', 'numbers[0].acknowledgedServiceLoss'],
    ['FR DSL on the line, not separated', 'FR', { lines: [line(SAMPLE_NUMBER.FR, { services: ['dsl'] })] }, 'dsl_not_separated', 'numbers[0].dslSeparated'],
    ['FR without primary number', 'FR', { details: { primaryNumber: null } }, 'primary_number_missing', 'primaryNumber'],
    ['FR primary number not in the order', 'FR', { details: { primaryNumber: '+33142685301' } }, 'primary_number_not_in_order', 'primaryNumber'],
    ['FR invalid temporary number', 'FR', { details: { temporaryNumber: { number: '12', keepAsVirtual: false } } }, 'temporary_number_invalid', 'temporaryNumber.number'],
    ['terms not accepted', 'GB', { details: { termsAccepted: false } }, 'terms_not_accepted', 'termsAccepted'],
  ];
  it.each(cases)('%s', (_name, market, opts, code, path) => {
    const result = validate(market, opts);
    expect(result.errors).toContainEqual(expect.objectContaining({ code, path }));
    expect(result.errors.every((e) => e.message.length > 20)).toBe(true);
  });

  it('checks in other markets do not apply: GB ignores AU service loss and plan, AU ignores FR checks', () => {
    expect(codes(validate('GB', { lines: [line(SAMPLE_NUMBER.GB, { services: ['adsl'] })], account: { plan: { ...account('GB').plan, active: false } } }))).toEqual([]);
    expect(codes(validate('AU', { details: { primaryNumber: null, accountHolder: { businessName: 'Acme' } } }))).toEqual([]);
  });

  it('acknowledged AU service loss is a warning, not an error', () => {
    const result = validate('AU', { lines: [line(SAMPLE_NUMBER.AU, { services: ['line_hunt'], acknowledgedServiceLoss: true })] });
    expect(codes(result)).toEqual([]);
    expect(warningCodes(result)).toContain('services_will_be_lost');
  });

  it('separated FR DSL passes', () => {
    expect(codes(validate('FR', { lines: [line(SAMPLE_NUMBER.FR, { services: ['dsl'], dslSeparated: true })] }))).toEqual([]);
  });

  it('reports every problem at once, not just the first', () => {
    const result = validate('AU', { details: { carrierId: null, losingCarrierAccountNumber: null, termsAccepted: false }, lines: [line('x')] });
    expect(codes(result)).toEqual(expect.arrayContaining(['number_invalid', 'losing_carrier_missing', 'account_number_missing', 'terms_not_accepted']));
  });
});

describe('validation: warnings never block', () => {
  it('FR number outside Paris warns', () => {
    const lyon = '+33478000000';
    const result = validate('FR', { lines: [line(lyon)], details: { primaryNumber: lyon } });
    expect(codes(result)).toEqual([]);
    expect(warningCodes(result)).toContain('outside_paris_area');
  });
  it('Paris number has no such warning', () => {
    expect(warningCodes(validate('FR'))).not.toContain('outside_paris_area');
  });
  it.each([['GB', true], ['FR', true], ['AU', false]] as const)('%s keep-service-active warning: %s', (market, shown) => {
    expect(warningCodes(validate(market)).includes('keep_existing_service_active')).toBe(shown);
  });
  it('port-back warns', () => {
    expect(warningCodes(validate('GB', { numbers: { previouslyPortedOut: new Set([SAMPLE_NUMBER.GB]) } }))).toContain('port_back');
  });
});

describe('non-physical addresses in any spelling', () => {
  it.each([
    'PO Box 12', 'P.O. Box 12', 'P O Box 12', 'POBox 12', 'po box 12', 'Post Office Box 9', 'GPO Box 1411', 'G.P.O. Box 5',
    'Locked Bag 3', 'Private Bag 4', 'Private Mail Bag 6', 'Parcel Locker 10012345', 'CMB 45', 'RMB 1234', 'R.M.B. 77', 'BP 123', 'Boîte postale 5',
  ])('%s is refused', (text) => expect(isNonPhysicalAddress(text)).toBe(true));
  it.each(['12 Pobble Street', '1 Box Hill Road', 'Unit 4, 10 Bagot Road', '25 Rue du Port', 'Rambla Court', 'Lockerbie Lane 3', 'Postman Lane 2'])(
    '%s is a street address',
    (text) => expect(isNonPhysicalAddress(text)).toBe(false),
  );
});

describe('category (AU rule, used for fees everywhere)', () => {
  it.each([
    ['one PSTN number, no enhancements', [{ lineType: 'pstn', services: [] }], 'standard'],
    ['two numbers', [{ lineType: 'pstn', services: [] }, { lineType: 'pstn', services: [] }], 'complex'],
    ['ISDN', [{ lineType: 'isdn', services: [] }], 'complex'],
    ['digital', [{ lineType: 'digital', services: [] }], 'complex'],
    ['mobile', [{ lineType: 'mobile', services: [] }], 'complex'],
    ['line hunt', [{ lineType: 'pstn', services: ['line_hunt'] }], 'complex'],
    ['duet', [{ lineType: 'pstn', services: ['duet'] }], 'complex'],
    ['in-dial', [{ lineType: 'pstn', services: ['in_dial'] }], 'complex'],
    ['on-ramp', [{ lineType: 'pstn', services: ['on_ramp'] }], 'complex'],
    ['no numbers', [], 'complex'],
  ] as const)('%s -> %s', (_n, lines, expected) => {
    expect(categorize(lines as never)).toBe(expected);
  });
});

describe('quote', () => {
  const quote = (market: Market, o: { count?: number; portBacks?: number; category?: 'standard' | 'complex'; account?: Partial<AccountFacts>; temp?: PortInDetails['temporaryNumber']; tempInInventory?: boolean } = {}) =>
    quotePortIn({
      policy: policyFor(market),
      account: account(market, o.account),
      category: o.category ?? 'complex',
      numberCount: o.count ?? 1,
      portBackCount: o.portBacks ?? 0,
      temporaryNumber: o.temp ?? null,
      temporaryNumberInInventory: o.tempInInventory ?? false,
    });

  it('AU: porting fee per number and category, GST contained', () => {
    const q = quote('AU', { count: 3 });
    expect(q.total).toEqual({ currency: 'AUD', amountMinor: 27000 });
    expect(q.taxIncluded).toEqual({ currency: 'AUD', amountMinor: 2455 }); // 27000 / 11 = 2454.5 -> 2455
    expect(quote('AU', { category: 'standard' }).total.amountMinor).toBe(4000);
  });
  it('port-back fee: default one porting fee per number, or the price list', () => {
    const q = quote('GB', { count: 2, portBacks: 1 });
    expect(q.lines.map((l) => [l.kind, l.amount.amountMinor])).toEqual([['porting_fee', 18000], ['port_back_fee', 9000]]);
    const custom = quote('GB', { count: 2, portBacks: 2, account: { plan: { ...account('GB').plan, portBackFee: { currency: 'GBP', amountMinor: 500 } } } });
    expect(custom.total.amountMinor).toBe(18000 + 1000);
    expect(custom.taxIncluded).toBeNull();
  });
  it('no price list means porting is free', () => {
    expect(quote('GB', { account: { plan: { active: true, portingEnabled: true, monthlyFee: { currency: 'GBP', amountMinor: 1000 } } } }).total.amountMinor).toBe(0);
  });
  it('FR: porting is free whatever the price list', () => {
    expect(quote('FR', { count: 4 }).total).toEqual({ currency: 'EUR', amountMinor: 0 });
  });
  it.each([
    // seats, active numbers, ported, temporary (keep?), temp in inventory, expected extra numbers
    [1, 0, 1, null, false, 0],
    [1, 0, 3, null, false, 2],
    [1, 1, 1, null, false, 1],
    [5, 2, 2, null, false, 0],
    [5, 4, 3, null, false, 2],
    [1, 1, 1, { number: '+33142685399', keepAsVirtual: false }, true, 0], // temporary released
    [1, 1, 1, { number: '+33142685399', keepAsVirtual: true }, true, 1], // kept as virtual: billed
  ] as const)('FR monthly change: %i seat(s), %i active, +%i ported -> %i extra', (seats, active, count, temp, inInv, extra) => {
    const q = quote('FR', {
      count,
      temp: temp as PortInDetails['temporaryNumber'],
      tempInInventory: inInv,
      account: { activeNumberCount: active, plan: { ...account('FR').plan, seats } },
    });
    expect(q.monthlyChargeChange).toEqual({ currency: 'EUR', amountMinor: 995 * extra });
  });
  it('AU and GB have no monthly change line', () => {
    expect(quote('AU').monthlyChargeChange).toBeNull();
    expect(quote('GB').monthlyChargeChange).toBeNull();
  });
});
