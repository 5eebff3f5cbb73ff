// Account termination (rulebook "Port-out"): warn the administrator once when numbers remain and the
// termination date is less than 2 months away; release the numbers left when the market's
// post-termination window ends; the account's next deadline drives the due index.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, addMonths, daysBetween, marketDate, startOfMarketDay } from '../../shared/rules/calendar.ts';
import {
  TERMINATION_WARNING_MONTHS,
  checkTermination,
  numbersReleaseAt,
  terminationDueAt,
  terminationWarningFrom,
  type TerminationFacts,
} from '../../shared/rules/termination.ts';
import { MARKET_POLICIES, policyFor } from '../../shared/rules/markets.ts';
import { MARKETS, type IsoDate, type Market } from '../../shared/rules/types.ts';

const facts = (
  market: Market,
  terminationDate: IsoDate | null,
  activeNumberCount = 3,
  terminationWarnedAt: string | null = null,
  numbersReleasedAt: string | null = null,
): TerminationFacts => ({
  market,
  terminationDate,
  terminationWarnedAt,
  numbersReleasedAt,
  activeNumberCount,
});
const at = (iso: string) => new Date(iso);
const before = (iso: string) => new Date(Date.parse(iso) - 1);
const DAY = 86_400_000;

describe('terminationWarningFrom: 00:00 market time, 2 months before the termination date', () => {
  it('is 2 months', () => {
    expect(TERMINATION_WARNING_MONTHS).toBe(2);
  });

  it.each<[string, Market, IsoDate, string]>([
    ['same day of the month', 'GB', '2026-09-15', '2026-07-14T23:00:00.000Z'], // 15 Jul 00:00 BST
    ['across a year end', 'AU', '2027-01-15', '2026-11-14T14:00:00.000Z'], // 15 Nov 00:00 Brisbane
    // Month ends: no 30 February, so the day is clamped to the month's last day.
    ['30 April -> 28 Feb (2026 is not a leap year)', 'GB', '2026-04-30', '2026-02-28T00:00:00.000Z'],
    ['30 April -> 29 Feb (2028 is a leap year)', 'GB', '2028-04-30', '2028-02-29T00:00:00.000Z'],
    ['29 April 2027 -> 28 Feb', 'FR', '2027-04-29', '2027-02-27T23:00:00.000Z'], // 28 Feb 00:00 CET
    ['31 May -> 31 March', 'FR', '2026-05-31', '2026-03-30T22:00:00.000Z'], // 31 Mar 00:00 CEST
    ['31 May -> 31 March (Brisbane)', 'AU', '2026-05-31', '2026-03-30T14:00:00.000Z'],
    ['31 December -> 31 October', 'AU', '2026-12-31', '2026-10-30T14:00:00.000Z'],
    ['31 December -> 31 October (London, after BST ends)', 'GB', '2026-12-31', '2026-10-31T00:00:00.000Z'],
    // Clock changes: BST/CEST start Sun 29 Mar 2026, end Sun 25 Oct 2026.
    ['GB: from 29 March, still GMT at midnight', 'GB', '2026-05-29', '2026-03-29T00:00:00.000Z'],
    ['GB: from 30 March, BST', 'GB', '2026-05-30', '2026-03-29T23:00:00.000Z'],
    ['FR: from 29 March, still CET at midnight', 'FR', '2026-05-29', '2026-03-28T23:00:00.000Z'],
    ['FR: from 30 March, CEST', 'FR', '2026-05-30', '2026-03-29T22:00:00.000Z'],
    ['GB: from 25 October, still BST at midnight', 'GB', '2026-12-25', '2026-10-24T23:00:00.000Z'],
    ['GB: from 26 October, GMT', 'GB', '2026-12-26', '2026-10-26T00:00:00.000Z'],
    ['FR: from 25 October, still CEST at midnight', 'FR', '2026-12-25', '2026-10-24T22:00:00.000Z'],
    ['FR: from 26 October, CET', 'FR', '2026-12-26', '2026-10-25T23:00:00.000Z'],
  ])('%s: %s %s -> %s', (_name, market, terminationDate, from) => {
    expect(terminationWarningFrom(terminationDate, market).toISOString()).toBe(from);
  });
});

describe('checkTermination', () => {
  // GB, termination Thu 30 Apr 2026: warning from 00:00 GMT on 28 Feb; termination starts 00:00 BST 30 Apr (29 Apr 23:00 UTC);
  // numbers released at 00:00 BST on 30 May (29 May 23:00 UTC), 30 days later.
  const gb = (count = 3, warnedAt: string | null = null) => facts('GB', '2026-04-30', count, warnedAt);
  const GB_RELEASE = '2026-05-29T23:00:00.000Z';

  it('no termination date: nothing, ever', () => {
    expect(checkTermination(facts('GB', null), at('2026-04-01T00:00:00Z'))).toEqual({ warn: false, release: false, dueAt: null });
    expect(checkTermination(facts('GB', null), at('2030-04-01T00:00:00Z'))).toEqual({ warn: false, release: false, dueAt: null });
    expect(terminationDueAt(facts('AU', null, 0), at('2026-04-01T00:00:00Z'))).toBeNull();
  });

  it('before the window: come back at its first instant', () => {
    for (const now of ['2026-01-15T10:00:00Z', '2026-02-27T23:59:59.999Z']) {
      expect(checkTermination(gb(), at(now))).toEqual({ warn: false, release: false, dueAt: '2026-02-28T00:00:00.000Z' });
      expect(checkTermination(gb(0), at(now))).toEqual({ warn: false, release: false, dueAt: '2026-02-28T00:00:00.000Z' });
      expect(terminationDueAt(gb(), at(now))).toBe('2026-02-28T00:00:00.000Z');
    }
  });

  it('in the window with numbers: warn (once: the check records terminationWarnedAt), then look again at the release', () => {
    for (const now of ['2026-02-28T00:00:00Z', '2026-03-15T12:00:00Z', '2026-04-29T22:59:59.999Z']) {
      expect(checkTermination(gb(), at(now))).toEqual({ warn: true, release: false, dueAt: GB_RELEASE });
      expect(terminationDueAt(gb(), at(now))).toBe(new Date(now).toISOString()); // due at once
      expect(checkTermination(gb(3, now), at(now))).toEqual({ warn: false, release: false, dueAt: GB_RELEASE });
    }
  });

  it('warned: no second warning, before, in or after the window; the release comes at its time', () => {
    for (const now of ['2026-01-15T10:00:00Z', '2026-03-15T12:00:00Z', '2026-05-10T00:00:00Z', '2026-05-29T22:59:59.999Z']) {
      expect(checkTermination(gb(3, '2026-02-28T00:00:00.000Z'), at(now))).toEqual({ warn: false, release: false, dueAt: GB_RELEASE });
      expect(terminationDueAt(gb(3, '2026-02-28T00:00:00.000Z'), at(now))).toBe(GB_RELEASE);
    }
    for (const now of [GB_RELEASE, '2026-06-01T00:00:00Z']) {
      expect(checkTermination(gb(3, '2026-02-28T00:00:00.000Z'), at(now))).toEqual({ warn: false, release: true, dueAt: null });
      expect(terminationDueAt(gb(3, '2026-02-28T00:00:00.000Z'), at(now))).toBe(new Date(now).toISOString());
    }
  });

  it('on or after the termination date (market time): no warning any more, only the release at the end of the window', () => {
    expect(checkTermination(gb(), at('2026-04-29T23:00:00Z'))).toEqual({ warn: false, release: false, dueAt: GB_RELEASE }); // 00:00 BST on 30 Apr
    expect(checkTermination(gb(), before('2026-04-29T23:00:00Z'))).toEqual({ warn: true, release: false, dueAt: GB_RELEASE });
    expect(checkTermination(gb(0), at('2026-05-10T00:00:00Z'))).toEqual({ warn: false, release: false, dueAt: GB_RELEASE });
    expect(terminationDueAt(gb(), at('2026-05-10T00:00:00Z'))).toBe(GB_RELEASE);
  });

  describe('in the window with no numbers: look again at 00:00 tomorrow, market time', () => {
    it.each<[string, Market, IsoDate, string, string]>([
      ['GB: the day before BST starts', 'GB', '2026-05-15', '2026-03-28T12:00:00Z', '2026-03-29T00:00:00.000Z'],
      ['GB: 23:30 GMT is still 28 March', 'GB', '2026-05-15', '2026-03-28T23:30:00Z', '2026-03-29T00:00:00.000Z'],
      ['GB: the 23-hour day BST starts', 'GB', '2026-05-15', '2026-03-29T12:00:00Z', '2026-03-29T23:00:00.000Z'],
      ['GB: 23:30 BST on 29 March (22:30 UTC)', 'GB', '2026-05-15', '2026-03-29T22:30:00Z', '2026-03-29T23:00:00.000Z'],
      ['GB: the 25-hour day BST ends', 'GB', '2026-12-01', '2026-10-25T12:00:00Z', '2026-10-26T00:00:00.000Z'],
      ['GB: 00:30 BST on 25 October', 'GB', '2026-12-01', '2026-10-24T23:30:00Z', '2026-10-26T00:00:00.000Z'],
      ['FR: 23:30 CEST on 24 October', 'FR', '2026-12-01', '2026-10-24T21:30:00Z', '2026-10-24T22:00:00.000Z'],
      ['FR: 00:30 CEST on 25 October (the 25-hour day)', 'FR', '2026-12-01', '2026-10-24T22:30:00Z', '2026-10-25T23:00:00.000Z'],
      ['FR: the day CEST starts', 'FR', '2026-05-15', '2026-03-28T23:30:00Z', '2026-03-29T22:00:00.000Z'],
      ['AU: 23:59 Brisbane', 'AU', '2026-07-15', '2026-06-01T13:59:00Z', '2026-06-01T14:00:00.000Z'],
      ['AU: 00:00 Brisbane', 'AU', '2026-07-15', '2026-06-01T14:00:00Z', '2026-06-02T14:00:00.000Z'],
      ['AU: the day before termination: tomorrow is the termination date itself', 'AU', '2026-07-15', '2026-07-14T03:00:00Z', '2026-07-14T14:00:00.000Z'],
    ])('%s', (_name, market, terminationDate, now, dueAt) => {
      expect(checkTermination(facts(market, terminationDate, 0), at(now))).toEqual({ warn: false, release: false, dueAt });
      expect(terminationDueAt(facts(market, terminationDate, 0), at(now))).toBe(dueAt);
      // Numbers added meanwhile: the next look warns.
      expect(checkTermination(facts(market, terminationDate, 1), at(dueAt)).warn).toBe(Date.parse(dueAt) < startOfMarketDay(terminationDate, market).getTime());
    });

    it('the look on the termination date itself: AU has no window, so it releases', () => {
      expect(checkTermination(facts('AU', '2026-07-15', 0), at('2026-07-14T14:00:00Z'))).toEqual({ warn: false, release: true, dueAt: null });
    });
  });

  it('month-end clamping: termination 31 May warns from 31 March, not 1 April or 30 March', () => {
    const fr = facts('FR', '2026-05-31');
    expect(checkTermination(fr, at('2026-03-30T21:59:59.999Z'))).toEqual({ warn: false, release: false, dueAt: '2026-03-30T22:00:00.000Z' });
    // Released 40 days after 31 May: 00:00 CEST on 10 July.
    expect(checkTermination(fr, at('2026-03-30T22:00:00Z'))).toEqual({ warn: true, release: false, dueAt: '2026-07-09T22:00:00.000Z' });
  });

  it('month-end clamping: termination 30 April warns from 28 Feb 2026 and from 29 Feb 2028', () => {
    expect(checkTermination(facts('GB', '2026-04-30'), at('2026-02-28T00:00:00Z')).warn).toBe(true);
    expect(checkTermination(facts('GB', '2026-04-30'), at('2026-02-27T23:59:59.999Z')).warn).toBe(false);
    expect(checkTermination(facts('GB', '2028-04-30'), at('2028-02-29T00:00:00Z')).warn).toBe(true);
    expect(checkTermination(facts('GB', '2028-04-30'), at('2028-02-28T23:59:59.999Z'))).toEqual({ warn: false, release: false, dueAt: '2028-02-29T00:00:00.000Z' });
  });
});

describe('numbersReleaseAt: 00:00 market time, the post-termination window after the termination date', () => {
  it('windows per market (rulebook: GB 30 days, FR 40, AU 0)', () => {
    expect(Object.fromEntries(MARKETS.map((m) => [m, MARKET_POLICIES[m].postTerminationPortabilityDays]))).toEqual({ AU: 0, GB: 30, FR: 40 });
  });

  it.each<[string, Market, IsoDate, string]>([
    ['AU: no window, released as the account terminates', 'AU', '2026-07-15', '2026-07-14T14:00:00.000Z'],
    ['AU: across a year end', 'AU', '2026-12-31', '2026-12-30T14:00:00.000Z'],
    ['GB: 30 days, both in BST', 'GB', '2026-04-30', '2026-05-29T23:00:00.000Z'],
    ['GB: terminated in GMT, released in BST', 'GB', '2026-03-10', '2026-04-08T23:00:00.000Z'],
    ['GB: terminated in BST, released in GMT', 'GB', '2026-10-10', '2026-11-09T00:00:00.000Z'],
    ['GB: released on the day BST starts (still GMT at midnight)', 'GB', '2026-02-27', '2026-03-29T00:00:00.000Z'],
    ['GB: released on the day BST ends (still BST at midnight)', 'GB', '2026-09-25', '2026-10-24T23:00:00.000Z'],
    ['FR: terminated in CET, released in CEST', 'FR', '2026-03-01', '2026-04-09T22:00:00.000Z'],
    ['FR: terminated in CEST, released in CET', 'FR', '2026-10-01', '2026-11-09T23:00:00.000Z'],
    ['FR: released on the day CEST starts (still CET at midnight)', 'FR', '2026-02-17', '2026-03-28T23:00:00.000Z'],
    ['FR: across 29 February 2028', 'FR', '2028-02-01', '2028-03-11T23:00:00.000Z'],
    ['FR: across a year end', 'FR', '2026-12-15', '2027-01-23T23:00:00.000Z'],
  ])('%s: %s %s -> %s', (_name, market, terminationDate, releaseAt) => {
    expect(numbersReleaseAt(terminationDate, market).toISOString()).toBe(releaseAt);
  });

  it('takes the window from the policy it is given', () => {
    expect(numbersReleaseAt('2026-04-30', 'GB', { ...policyFor('GB'), postTerminationPortabilityDays: 10 }).toISOString()).toBe('2026-05-09T23:00:00.000Z');
    expect(numbersReleaseAt('2026-04-30', 'AU', { ...policyFor('AU'), postTerminationPortabilityDays: 1 }).toISOString()).toBe('2026-04-30T14:00:00.000Z');
  });
});

describe('checkTermination: the release timeline', () => {
  const NOTHING = { warn: false, release: false, dueAt: null };

  it.each<[Market, IsoDate, string]>([
    ['AU', '2026-07-15', '2026-07-14T14:00:00.000Z'],
    ['GB', '2026-03-10', '2026-04-08T23:00:00.000Z'], // across the start of BST
    ['GB', '2026-10-10', '2026-11-09T00:00:00.000Z'], // across the end of BST
    ['FR', '2026-03-01', '2026-04-09T22:00:00.000Z'], // across the start of CEST
    ['FR', '2026-10-01', '2026-11-09T23:00:00.000Z'], // across the end of CEST
  ])('%s, terminated %s: warned, waits until %s, then releases once', (market, terminationDate, releaseAt) => {
    const warned = facts(market, terminationDate, 3, '2026-01-01T00:00:00.000Z');
    const terminationStarts = startOfMarketDay(terminationDate, market);
    expect(checkTermination(warned, terminationStarts)).toEqual(
      market === 'AU' ? { warn: false, release: true, dueAt: null } : { warn: false, release: false, dueAt: releaseAt },
    );
    expect(checkTermination(warned, before(releaseAt))).toEqual({ warn: false, release: false, dueAt: releaseAt });
    expect(checkTermination(warned, at(releaseAt))).toEqual({ warn: false, release: true, dueAt: null });
    expect(checkTermination(warned, new Date(Date.parse(releaseAt) + 365 * DAY))).toEqual({ warn: false, release: true, dueAt: null });
    expect(terminationDueAt(warned, before(releaseAt))).toBe(releaseAt);
    expect(terminationDueAt(warned, at(releaseAt))).toBe(releaseAt); // due at once
    // Released (numbers left or not): nothing due, ever.
    const released = { ...warned, numbersReleasedAt: releaseAt };
    for (const now of [before(releaseAt), at(releaseAt), new Date(Date.parse(releaseAt) + 365 * DAY)]) {
      expect(checkTermination(released, now)).toEqual(NOTHING);
      expect(terminationDueAt(released, now)).toBeNull();
    }
    // The release does not depend on numbers being counted: port-outs may still hold some, the use case decides which go.
    expect(checkTermination({ ...warned, activeNumberCount: 0 }, at(releaseAt)).release).toBe(true);
  });

  it('a warning missed before the termination date is not sent afterwards; the release still comes', () => {
    // GB: the account got its termination date only after the date had passed.
    const late = facts('GB', '2026-03-10', 3);
    expect(checkTermination(late, at('2026-03-20T12:00:00Z'))).toEqual({ warn: false, release: false, dueAt: '2026-04-08T23:00:00.000Z' });
    expect(terminationDueAt(late, at('2026-03-20T12:00:00Z'))).toBe('2026-04-08T23:00:00.000Z');
    expect(checkTermination(late, at('2026-04-08T23:00:00Z'))).toEqual({ warn: false, release: true, dueAt: null });
    // AU: no window, so the look just before termination still warns and the next one releases.
    expect(checkTermination(facts('AU', '2026-07-15', 3), before('2026-07-14T14:00:00Z'))).toEqual({ warn: true, release: false, dueAt: '2026-07-14T14:00:00.000Z' });
  });

  it.each<[string, Market, IsoDate, string, string]>([
    ['GB', 'GB', '2026-04-30', '2026-03-01T09:00:00Z', '2026-05-29T23:00:00.000Z'],
    ['FR, released after CEST ends', 'FR', '2026-10-20', '2026-09-01T10:00:00Z', '2026-11-28T23:00:00.000Z'],
    ['AU', 'AU', '2026-07-15', '2026-06-01T00:00:00Z', '2026-07-14T14:00:00.000Z'],
  ])('%s: warned -> released -> nothing due', (_name, market, terminationDate, start, releaseAt) => {
    let account = facts(market, terminationDate, 3);
    const first = checkTermination(account, at(start));
    expect(first).toEqual({ warn: true, release: false, dueAt: releaseAt });
    expect(terminationDueAt(account, at(start))).toBe(new Date(start).toISOString());
    account = { ...account, terminationWarnedAt: new Date(start).toISOString() };
    expect(checkTermination(account, at(start))).toEqual({ warn: false, release: false, dueAt: releaseAt });
    expect(checkTermination(account, at(releaseAt))).toEqual({ warn: false, release: true, dueAt: null });
    account = { ...account, numbersReleasedAt: releaseAt, activeNumberCount: 0 };
    expect(checkTermination(account, at(releaseAt))).toEqual(NOTHING);
    expect(terminationDueAt(account, at(releaseAt))).toBeNull();
  });
});

// ---- Properties

const anyDate = fc.integer({ min: 0, max: 3 * 366 }).map((n) => addDays('2026-01-01', n));
const anyMarket = fc.constantFrom(...MARKETS);
const anyFacts = fc.record({
  market: anyMarket,
  terminationDate: anyDate,
  terminationWarnedAt: fc.constant(null),
  numbersReleasedAt: fc.constant(null),
  activeNumberCount: fc.integer({ min: 0, max: 5 }),
});
/** An instant within ~100 days before to 50 days after the termination date, often exactly at a market midnight or the release. */
const instantAround = (f: TerminationFacts) =>
  fc.oneof(
    fc.integer({ min: -100 * DAY, max: 50 * DAY }).map((ms) => new Date(startOfMarketDay(f.terminationDate!, f.market).getTime() + ms)),
    fc.tuple(fc.integer({ min: -100, max: 50 }), fc.constantFrom(-1, 0, 1)).map(([d, ms]) => new Date(startOfMarketDay(addDays(f.terminationDate!, d), f.market).getTime() + ms)),
    fc.constantFrom(-1, 0, 1).map((ms) => new Date(terminationWarningFrom(f.terminationDate!, f.market).getTime() + ms)),
    fc.constantFrom(-1, 0, 1).map((ms) => new Date(numbersReleaseAt(f.terminationDate!, f.market).getTime() + ms)),
  );
const scenario = anyFacts.chain((f) => fc.tuple(fc.constant(f as TerminationFacts), instantAround(f as TerminationFacts)));

describe('checkTermination properties (every market, 2026–2028)', () => {
  it('warns exactly when numbers remain, not yet warned, from the window start until the termination date starts', () => {
    fc.assert(
      fc.property(scenario, ([f, now]) => {
        const from = terminationWarningFrom(f.terminationDate!, f.market).getTime();
        const ends = startOfMarketDay(f.terminationDate!, f.market).getTime();
        const inWindow = now.getTime() >= from && now.getTime() < ends;
        expect(checkTermination(f, now).warn).toBe(inWindow && f.activeNumberCount > 0);
        const releaseAt = numbersReleaseAt(f.terminationDate!, f.market);
        const releaseDue = now.getTime() >= releaseAt.getTime();
        expect(checkTermination({ ...f, terminationWarnedAt: now.toISOString() }, now)).toEqual({
          warn: false,
          release: releaseDue,
          dueAt: releaseDue ? null : releaseAt.toISOString(),
        });
      }),
      { numRuns: 2000 },
    );
  });

  it('the next look is null or a later market midnight no later than the release, and nothing changes before it', () => {
    fc.assert(
      fc.property(scenario, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), ([f, now], frac) => {
        const check = checkTermination(f, now);
        const releaseAt = numbersReleaseAt(f.terminationDate!, f.market).getTime();
        if (check.warn) expect(check.dueAt).toBe(new Date(releaseAt).toISOString());
        expect(check.release).toBe(now.getTime() >= releaseAt);
        if (check.release) expect(check).toEqual({ warn: false, release: true, dueAt: null });
        // Once the window is over nothing is left to come back for; before it there always is.
        expect(check.dueAt === null).toBe(check.release);
        if (check.dueAt === null) return;
        const due = Date.parse(check.dueAt);
        expect(due).toBeGreaterThan(now.getTime());
        expect(startOfMarketDay(marketDate(new Date(due), f.market), f.market).getTime()).toBe(due);
        expect(due).toBeLessThanOrEqual(releaseAt);
        // After the termination date the only look left is the release itself.
        if (now.getTime() >= startOfMarketDay(f.terminationDate!, f.market).getTime()) expect(due).toBe(releaseAt);
        // At most the longest warning period (62 days) plus the longest window (FR 40), and an hour of DST.
        expect(due - now.getTime()).toBeLessThanOrEqual(102 * DAY + 3_600_000);
        // Sleeping until dueAt (once the warning is recorded) misses nothing: any instant before it gives the same answer.
        const between = new Date(now.getTime() + Math.floor(frac * (due - now.getTime())));
        if (check.warn) expect(checkTermination({ ...f, terminationWarnedAt: now.toISOString() }, between)).toEqual({ ...check, warn: false });
        else expect(checkTermination(f, between)).toEqual(check);
        expect(terminationDueAt(f, now)).toBe(check.warn ? now.toISOString() : check.dueAt);
      }),
      { numRuns: 2000 },
    );
  });

  it('following dueAt from any instant warns exactly once, inside the window, when numbers remain, then releases once', () => {
    fc.assert(
      fc.property(scenario, ([f, start]) => {
        let account = f;
        let now = start;
        const warnings: Date[] = [];
        const releases: Date[] = [];
        for (let i = 0; i < 200; i++) {
          const check = checkTermination(account, now);
          if (check.warn) {
            warnings.push(now);
            account = { ...account, terminationWarnedAt: now.toISOString() };
            continue;
          }
          if (check.release) {
            releases.push(now);
            account = { ...account, numbersReleasedAt: now.toISOString() };
            continue;
          }
          if (check.dueAt === null) break;
          now = new Date(check.dueAt);
        }
        // The chain ends released, with nothing left due.
        expect(checkTermination(account, now)).toEqual({ warn: false, release: false, dueAt: null });
        const releaseAt = numbersReleaseAt(f.terminationDate!, f.market).getTime();
        expect(releases.map((r) => r.getTime())).toEqual([Math.max(start.getTime(), releaseAt)]);
        const from = terminationWarningFrom(f.terminationDate!, f.market).getTime();
        const ends = startOfMarketDay(f.terminationDate!, f.market).getTime();
        const expectWarning = f.activeNumberCount > 0 && start.getTime() < ends;
        expect(warnings.length).toBe(expectWarning ? 1 : 0);
        for (const w of warnings) {
          expect(w.getTime()).toBeGreaterThanOrEqual(from);
          expect(w.getTime()).toBeLessThan(ends);
          expect(w.getTime()).toBe(Math.max(start.getTime(), from)); // as early as possible
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('the release is at a market midnight, the window\'s days after the termination date, never before it', () => {
    fc.assert(
      fc.property(anyDate, anyMarket, (terminationDate, market) => {
        const releaseAt = numbersReleaseAt(terminationDate, market);
        const day = marketDate(releaseAt, market);
        expect(daysBetween(terminationDate, day)).toBe(policyFor(market).postTerminationPortabilityDays);
        expect(startOfMarketDay(day, market).getTime()).toBe(releaseAt.getTime());
        expect(releaseAt.getTime()).toBeGreaterThanOrEqual(startOfMarketDay(terminationDate, market).getTime());
        expect(marketDate(new Date(releaseAt.getTime() - 1), market)).toBe(addDays(day, -1));
      }),
      { numRuns: 1000 },
    );
  });

  it('the window covers every day on which the termination date is less than 2 months away, and is 59–62 days long', () => {
    fc.assert(
      fc.property(anyDate, anyMarket, (terminationDate, market) => {
        const warnDay = marketDate(terminationWarningFrom(terminationDate, market), market);
        expect(warnDay).toBe(addMonths(terminationDate, -2));
        // The day before the window the termination date is at least 2 months away.
        expect(addMonths(addDays(warnDay, -1), 2) <= terminationDate).toBe(true);
        expect(daysBetween(warnDay, terminationDate)).toBeGreaterThanOrEqual(59);
        expect(daysBetween(warnDay, terminationDate)).toBeLessThanOrEqual(62);
      }),
      { numRuns: 1000 },
    );
  });
});
