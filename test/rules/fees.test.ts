import { describe, expect, it } from 'vitest';
import { cancellationFee, cancellationStage, rejectionFee, type CancellationStage } from '../../shared/rules/fees.ts';
import { policyFor } from '../../shared/rules/markets.ts';
import type { CancellationRates, IsoDate, Money, OrderStatus } from '../../shared/rules/types.ts';

const TODAY = '2026-05-12';

describe('cancellationStage: every status', () => {
  it.each<[OrderStatus, IsoDate | null, CancellationStage | null]>([
    ['draft', null, 'free'],
    ['awaiting_signature', null, 'beforeCarrier'],
    ['on_hold', null, 'beforeCarrier'],
    ['submitted', null, 'withCarrier'],
    ['rejected', null, 'withCarrier'],
    ['scheduled', '2026-05-13', 'withCarrier'], // transfer date tomorrow
    ['scheduled', '2026-05-12', 'onTransferDate'],
    ['scheduled', '2026-05-11', 'afterTransferDate'], // passed but not completed
    ['scheduled', '2025-12-31', 'afterTransferDate'],
    ['scheduled', null, 'withCarrier'], // with the carrier, transfer date not known yet
    ['completed', '2026-05-11', null],
    ['withdrawn', null, null],
    ['cancelled', null, null],
    ['expired', null, null],
  ])('%s with transfer date %s today → %s', (status, transferDate, stage) => {
    expect(cancellationStage(status, transferDate, TODAY)).toBe(stage);
  });
});

describe('cancellationFee', () => {
  const aud = (amountMinor: number): Money => ({ currency: 'AUD', amountMinor });
  const AU = policyFor('AU').cancellationRates;

  it('AU defaults are 50 / 100 / 150 / 50 % of the porting fees', () => {
    expect(AU).toEqual({ beforeCarrier: 50, withCarrier: 100, onTransferDate: 150, afterTransferDate: 50 });
    const fees = aud(12_000);
    expect(cancellationFee(fees, AU, 'free')).toEqual(aud(0));
    expect(cancellationFee(fees, AU, 'beforeCarrier')).toEqual(aud(6_000));
    expect(cancellationFee(fees, AU, 'withCarrier')).toEqual(aud(12_000));
    expect(cancellationFee(fees, AU, 'onTransferDate')).toEqual(aud(18_000));
    expect(cancellationFee(fees, AU, 'afterTransferDate')).toEqual(aud(6_000));
  });

  it('rounds half-up once', () => {
    expect(cancellationFee(aud(3_333), AU, 'beforeCarrier')).toEqual(aud(1_667)); // 1666.5
    expect(cancellationFee(aud(3_333), AU, 'onTransferDate')).toEqual(aud(5_000)); // 4999.5
  });

  it.each(['GB', 'FR'] as const)('%s is free by default at every stage', (market) => {
    const { cancellationRates, currency } = policyFor(market);
    const fees: Money = { currency, amountMinor: 5_000 };
    for (const stage of ['free', 'beforeCarrier', 'withCarrier', 'onTransferDate', 'afterTransferDate'] as const)
      expect(cancellationFee(fees, cancellationRates, stage), stage).toEqual({ currency, amountMinor: 0 });
  });

  it('applies a price list override (GB)', () => {
    const custom: CancellationRates = { beforeCarrier: 25, withCarrier: 50, onTransferDate: 75, afterTransferDate: 10 };
    const gbp = (amountMinor: number): Money => ({ currency: 'GBP', amountMinor });
    expect(cancellationFee(gbp(3_333), custom, 'beforeCarrier')).toEqual(gbp(833)); // 833.25
    expect(cancellationFee(gbp(3_333), custom, 'withCarrier')).toEqual(gbp(1_667)); // 1666.5
    expect(cancellationFee(gbp(3_333), custom, 'onTransferDate')).toEqual(gbp(2_500)); // 2499.75
    expect(cancellationFee(gbp(3_333), custom, 'afterTransferDate')).toEqual(gbp(333)); // 333.3
    expect(cancellationFee(gbp(3_333), custom, 'free')).toEqual(gbp(0));
  });

  it('combines with the stage: an AU order cancelled on its transfer date pays 150 %', () => {
    const stage = cancellationStage('scheduled', TODAY, TODAY);
    expect(stage).not.toBeNull();
    expect(cancellationFee(aud(4_000), AU, stage!)).toEqual(aud(6_000));
  });
});

describe('rejectionFee', () => {
  it('AU charges A$20 incl. GST per number', () => {
    expect(rejectionFee('AU', 1)).toEqual({ currency: 'AUD', amountMinor: 2_000 });
    expect(rejectionFee('AU', 3)).toEqual({ currency: 'AUD', amountMinor: 6_000 });
  });

  it('GB and FR charge none', () => {
    expect(rejectionFee('GB', 3)).toBeNull();
    expect(rejectionFee('FR', 3)).toBeNull();
  });

  it('refuses a nonsense count', () => {
    expect(() => rejectionFee('AU', -1)).toThrow(RangeError);
    expect(() => rejectionFee('AU', 1.5)).toThrow(RangeError);
  });
});
