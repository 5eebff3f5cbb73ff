// Account termination end to end through the scheduled check (rulebook "Port-out"): one warning to
// the administrator from 2 months before the termination date while numbers remain; the numbers stay
// portable for the market's window (AU 0 days, GB 30, FR 40) and are then released (charges stop that
// day, the administrator gets the list), except those an accepted port-out holds; then nothing is due.
// Instants are written out by hand (00:00 market time, across clock changes) rather than computed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountRecord, InventoryNumber } from '../../shared/app/ports.ts';
import { evaluatePortOut } from '../../shared/rules/port-out/evaluate.ts';
import type { PortOutAccountFacts, PortOutNumberFact } from '../../shared/rules/port-out/types.ts';
import type { IsoDate, Market } from '../../shared/rules/types.ts';
import {
  addNumbers,
  allOutbox,
  createHarness,
  dueAt,
  END_OF_TIME,
  newAccount,
  newCarrier,
  nextNumber,
  type Harness,
} from './support.ts';

const before = (iso: string) => new Date(Date.parse(iso) - 1).toISOString();
const plusDays = (iso: string, days: number) => new Date(Date.parse(iso) + days * 86_400_000).toISOString();

interface Timeline {
  name: string;
  market: Market;
  terminationDate: IsoDate;
  /** 00:00 market time on the termination date minus 2 months. */
  warnFrom: string;
  /** 00:00 market time on the termination date. */
  terminates: string;
  /** 00:00 market time on the termination date plus the market's window: the numbers are released. */
  releaseAt: string;
  /** The market date of releaseAt: their charges stop from it. */
  releasedOn: IsoDate;
}

const TIMELINES: Timeline[] = [
  // Brisbane: UTC+10 all year; no window, so the numbers go at the very start of the termination date.
  { name: 'AU, no window', market: 'AU', terminationDate: '2027-03-28', warnFrom: '2027-01-27T14:00:00.000Z', terminates: '2027-03-27T14:00:00.000Z', releaseAt: '2027-03-27T14:00:00.000Z', releasedOn: '2027-03-28' },
  // London: terminates at 00:00 GMT on the day BST starts (Sun 28 Mar 2027); released 30 days later at 00:00 BST.
  { name: 'GB, termination the day BST starts', market: 'GB', terminationDate: '2027-03-28', warnFrom: '2027-01-28T00:00:00.000Z', terminates: '2027-03-28T00:00:00.000Z', releaseAt: '2027-04-26T23:00:00.000Z', releasedOn: '2027-04-27' },
  // Warned from 00:00 BST; terminates at 00:00 BST on the day BST ends (Sun 31 Oct 2027); released at 00:00 GMT.
  { name: 'GB, termination the day BST ends', market: 'GB', terminationDate: '2027-10-31', warnFrom: '2027-08-30T23:00:00.000Z', terminates: '2027-10-30T23:00:00.000Z', releaseAt: '2027-11-30T00:00:00.000Z', releasedOn: '2027-11-30' },
  // Released at 00:00 GMT on the day BST starts: the 23-hour day.
  { name: 'GB, release the day BST starts', market: 'GB', terminationDate: '2027-02-26', warnFrom: '2026-12-26T00:00:00.000Z', terminates: '2027-02-26T00:00:00.000Z', releaseAt: '2027-03-28T00:00:00.000Z', releasedOn: '2027-03-28' },
  // Paris: terminates at 00:00 CET on the day CEST starts; released 40 days later at 00:00 CEST.
  { name: 'FR, termination the day CEST starts', market: 'FR', terminationDate: '2027-03-28', warnFrom: '2027-01-27T23:00:00.000Z', terminates: '2027-03-27T23:00:00.000Z', releaseAt: '2027-05-06T22:00:00.000Z', releasedOn: '2027-05-07' },
  // Terminates at 00:00 CEST on the day CEST ends; released 40 days later at 00:00 CET.
  { name: 'FR, termination the day CEST ends', market: 'FR', terminationDate: '2027-10-31', warnFrom: '2027-08-30T22:00:00.000Z', terminates: '2027-10-30T22:00:00.000Z', releaseAt: '2027-12-09T23:00:00.000Z', releasedOn: '2027-12-10' },
  // Released at 00:00 CEST on the 25-hour day CEST ends (31 Oct 2027 = 21 Sep + 40 days).
  { name: 'FR, release the day CEST ends', market: 'FR', terminationDate: '2027-09-21', warnFrom: '2027-07-20T22:00:00.000Z', terminates: '2027-09-20T22:00:00.000Z', releaseAt: '2027-10-30T22:00:00.000Z', releasedOn: '2027-10-31' },
];

let h: Harness;
beforeEach(async () => {
  // A fresh table per timeline: each check runs everything due up to its instant.
  h = await createHarness();
});
afterEach(() => {
  h.mailer.down = false;
});

async function accountOf(id: string): Promise<AccountRecord> {
  const account = await h.deps.repository.getAccount(id);
  if (!account) throw new Error(`account ${id} missing`);
  return account;
}

async function inventory(numbers: string[]): Promise<Map<string, InventoryNumber>> {
  return h.deps.repository.getInventoryNumbers(numbers);
}

const accountDue = async (id: string) => (await dueAt(h, END_OF_TIME)).filter((d) => d.id === id).map((d) => d.dueAt);

/** A gaining carrier's port-out of `numbers`, accepted at `at` and saved with its locks (as the port-out use case stores it). */
async function acceptedPortOut(account: AccountRecord, numbers: string[], at: string): Promise<string> {
  h.setNow(at);
  const carrierId = await newCarrier(h, at);
  const held = await inventory(numbers);
  const facts: Map<string, PortOutNumberFact> = new Map([...held].map(([e164, n]) => [e164, { accountId: n.accountId, origin: n.origin, status: n.status }]));
  const current = await accountOf(account.id);
  const accountFacts: PortOutAccountFacts = {
    id: current.id,
    market: current.market,
    accountNumber: current.losingCarrierAccountNumber,
    portOutPinHash: current.portOutPinHash,
    terminationDate: current.terminationDate,
    activeNumberCount: current.activeNumberCount,
  };
  const id = `pout_timeline${String(Date.parse(at)).slice(-8)}`;
  const decision = evaluatePortOut(
    { id, carrierId, channel: 'api', inboundEmailId: null, loaDocumentId: null },
    { numbers, accountNumber: null, pinHash: null, authorizedName: 'Gaining Carrier Ops', requestedDate: at.slice(0, 10) },
    { inventory: facts, accounts: new Map([[account.id, accountFacts]]), locks: await h.deps.repository.getNumberLocks(numbers) },
    { now: new Date(at), actor: { kind: 'carrier', id: carrierId } },
  );
  expect(decision.portOut.status).toBe('accepted');
  await h.deps.repository.savePortOut({ ...decision, expectedVersion: null });
  return id;
}

describe.each(TIMELINES)('$name: termination $terminationDate', (t) => {
  it('warns once, keeps the numbers portable through the window, then releases those no port-out holds', async () => {
    const admin = `admin-${t.market.toLowerCase()}-${t.terminationDate}@customer.test`;
    const account = await newAccount(h, t.market, { at: plusDays(t.warnFrom, -40), terminationDate: t.terminationDate, adminEmail: admin });
    const [kept1, kept2, portingOut] = [nextNumber(t.market), nextNumber(t.market), nextNumber(t.market)];
    const all = [kept1!, kept2!, portingOut!];
    await addNumbers(h, account.id, plusDays(t.warnFrom, -39), all);
    expect(await accountDue(account.id)).toEqual([t.warnFrom]);

    // Just before the warning period: nothing.
    expect(await h.check(before(t.warnFrom))).toMatchObject({ due: 0, changed: 0 });
    expect(h.mailer.to(admin)).toHaveLength(0);

    // Its first instant: one warning, then the account waits for the release.
    expect(await h.check(t.warnFrom)).toEqual({ now: t.warnFrom, due: 1, changed: 1, unchanged: 0, failed: 0 });
    expect(h.mailer.to(admin)).toHaveLength(1);
    expect(await accountOf(account.id)).toMatchObject({ terminationWarnedAt: t.warnFrom, numbersReleasedAt: null, activeNumberCount: 3 });
    expect(await accountDue(account.id)).toEqual([t.releaseAt]);

    // Again, later in the period, on the termination date, inside the window: no second warning.
    for (const at of [t.warnFrom, plusDays(t.warnFrom, 20), t.terminates === t.releaseAt ? before(t.terminates) : t.terminates]) {
      expect(await h.check(at)).toMatchObject({ due: 0, changed: 0 });
    }
    expect(h.mailer.to(admin)).toHaveLength(1);

    // A gaining carrier takes one number before the window ends: its port-out holds it.
    await acceptedPortOut(account, [portingOut!], plusDays(t.warnFrom, 21));

    // Just before the release: nothing released yet.
    expect(await h.check(before(t.releaseAt))).toMatchObject({ due: 0, changed: 0 });
    expect([...(await inventory(all)).values()].map((n) => n.status)).toEqual(['active', 'active', 'active']);

    // At the release instant: the two numbers no port-out holds are released, charges stopping that market day.
    const sent = h.mailer.sent.length;
    expect(await h.check(t.releaseAt)).toEqual({ now: t.releaseAt, due: 1, changed: 1, unchanged: 0, failed: 0 });
    const after = await inventory(all);
    for (const e164 of [kept1!, kept2!]) {
      expect(after.get(e164)).toMatchObject({ status: 'released', accountId: account.id, portedOutAt: t.releaseAt, chargesStopOn: t.releasedOn });
    }
    expect(after.get(portingOut!)).toMatchObject({ status: 'active', chargesStopOn: null, portedOutAt: null });
    expect(await accountOf(account.id)).toMatchObject({ numbersReleasedAt: t.releaseAt, terminationWarnedAt: t.warnFrom, activeNumberCount: 1 });

    // The administrator is told which numbers were released (not the one being ported out).
    const emails = h.mailer.sent.slice(sent);
    expect(emails).toHaveLength(1);
    expect(emails[0]!.to).toEqual([admin]);
    const body = `${emails[0]!.text}\n${emails[0]!.html}`;
    expect(body).toContain(kept1!);
    expect(body).toContain(kept2!);
    expect(body).not.toContain(portingOut!);
    expect((await allOutbox(h, { subjectId: account.id })).map((item) => [item.id, item.purpose, item.status])).toEqual(
      expect.arrayContaining([
        [`${account.id}.termination_warning.${t.terminationDate}`, 'termination_warning', 'delivered'],
        [`${account.id}.numbers_released.${t.terminationDate}`, 'numbers_released', 'delivered'],
      ]),
    );

    // Nothing is due afterwards: the same instant, and much later, change nothing.
    expect(await accountDue(account.id)).toEqual([]);
    for (const at of [t.releaseAt, plusDays(t.releaseAt, 1), plusDays(t.releaseAt, 400)]) {
      expect(await h.check(at)).toMatchObject({ due: 0, changed: 0, failed: 0 });
    }
    expect(h.mailer.to(admin)).toHaveLength(2);
    expect((await inventory([portingOut!])).get(portingOut!)!.status).toBe('active');
  });
});

describe('release: nothing left, and runs that stopped half-way', () => {
  it('AU: an account with no numbers gets the mark at the release and no email (and was never warned)', async () => {
    const admin = 'admin-empty@customer.test';
    const account = await newAccount(h, 'AU', { at: '2026-12-01T00:00:00Z', terminationDate: '2027-03-28', adminEmail: admin });
    // In the warning period with no numbers: looked at again daily, no warning.
    expect(await h.check('2027-01-27T14:00:00.000Z')).toMatchObject({ due: 1, changed: 0, unchanged: 1 });
    expect(await accountDue(account.id)).toEqual(['2027-01-28T14:00:00.000Z']);
    // Skipping the daily looks: the first run from the termination date releases (nothing) and marks.
    expect(await h.check('2027-03-27T14:00:00.000Z')).toMatchObject({ due: 1, changed: 1, failed: 0 });
    expect(await accountOf(account.id)).toMatchObject({ terminationWarnedAt: null, numbersReleasedAt: '2027-03-27T14:00:00.000Z', activeNumberCount: 0 });
    expect(h.mailer.to(admin)).toHaveLength(0);
    expect(await allOutbox(h, { subjectId: account.id })).toEqual([]);
    expect(await accountDue(account.id)).toEqual([]);
  });

  it('GB: every number held by port-outs: the mark, no email; the numbers stay active', async () => {
    const admin = 'admin-all-held@customer.test';
    const account = await newAccount(h, 'GB', { at: '2027-01-02T00:00:00Z', terminationDate: '2027-02-26', adminEmail: admin });
    const numbers = [nextNumber('GB'), nextNumber('GB')];
    await addNumbers(h, account.id, '2027-01-03T00:00:00Z', numbers);
    await h.check('2027-01-04T00:00:00.000Z'); // the warning
    await acceptedPortOut(account, numbers, '2027-03-01T10:00:00.000Z');
    expect(await h.check('2027-03-28T00:00:00.000Z')).toMatchObject({ due: 1, changed: 1, failed: 0 });
    expect(await accountOf(account.id)).toMatchObject({ numbersReleasedAt: '2027-03-28T00:00:00.000Z', activeNumberCount: 2 });
    expect([...(await inventory(numbers)).values()].map((n) => n.status)).toEqual(['active', 'active']);
    expect(h.mailer.to(admin)).toHaveLength(1); // the warning only
  });

  it('FR: a run that stopped after releasing the numbers: the next run still tells the administrator about them, then marks', async () => {
    const admin = 'admin-stopped@customer.test';
    const account = await newAccount(h, 'FR', { at: '2027-08-01T00:00:00Z', terminationDate: '2027-09-21', adminEmail: admin });
    const numbers = [nextNumber('FR'), nextNumber('FR')];
    await addNumbers(h, account.id, '2027-08-02T00:00:00Z', numbers);
    await h.check('2027-08-03T00:00:00.000Z'); // the warning
    // What the first run wrote before it stopped: the release, and nothing after it.
    h.setNow('2027-10-30T22:00:00.000Z');
    await h.deps.repository.releaseInventoryNumbers(account.id, numbers, '2027-10-30T22:00:00.000Z', '2027-10-31');
    expect(await accountOf(account.id)).toMatchObject({ numbersReleasedAt: null, activeNumberCount: 0 });

    expect(await h.check('2027-10-30T22:05:00.000Z')).toMatchObject({ due: 1, changed: 1, failed: 0 });
    const emails = h.mailer.to(admin);
    expect(emails).toHaveLength(2);
    expect(emails[1]!.text).toContain(numbers[0]!);
    expect(emails[1]!.text).toContain(numbers[1]!);
    expect(await accountOf(account.id)).toMatchObject({ numbersReleasedAt: '2027-10-30T22:05:00.000Z' });
    expect((await inventory(numbers)).get(numbers[0]!)).toMatchObject({ status: 'released', chargesStopOn: '2027-10-31', portedOutAt: '2027-10-30T22:00:00.000Z' });
  });

  it('AU: a run that stopped after the email, before the mark: the next run releases nothing twice and sends no second email', async () => {
    const admin = 'admin-no-mark@customer.test';
    const account = await newAccount(h, 'AU', { at: '2027-01-02T00:00:00Z', terminationDate: '2027-03-28', adminEmail: admin });
    const numbers = [nextNumber('AU'), nextNumber('AU')];
    await addNumbers(h, account.id, '2027-01-03T00:00:00Z', numbers);
    await h.check('2027-01-27T14:00:00.000Z'); // the warning

    // The mark's write fails (the run stops there): the item is counted failed and stays due.
    const repository = h.deps.repository;
    const setAccountDue = repository.setAccountDue.bind(repository);
    repository.setAccountDue = async (id, due, marks) => {
      if (marks?.numbersReleasedAt) throw new Error('lost connection');
      return setAccountDue(id, due, marks);
    };
    try {
      expect(await h.check('2027-03-27T14:00:00.000Z')).toMatchObject({ due: 1, changed: 0, failed: 1 });
    } finally {
      repository.setAccountDue = setAccountDue;
    }
    expect(h.mailer.to(admin)).toHaveLength(2);
    expect([...(await inventory(numbers)).values()].map((n) => n.status)).toEqual(['released', 'released']);
    expect(await accountOf(account.id)).toMatchObject({ numbersReleasedAt: null, activeNumberCount: 0 });
    expect(await accountDue(account.id)).toEqual(['2027-03-27T14:00:00.000Z']);

    expect(await h.check('2027-03-27T14:10:00.000Z')).toMatchObject({ due: 1, changed: 1, failed: 0 });
    expect(h.mailer.to(admin)).toHaveLength(2);
    expect(await accountOf(account.id)).toMatchObject({ numbersReleasedAt: '2027-03-27T14:10:00.000Z', activeNumberCount: 0 });
    expect((await inventory(numbers)).get(numbers[0]!)).toMatchObject({ portedOutAt: '2027-03-27T14:00:00.000Z', chargesStopOn: '2027-03-28' });
    expect(await accountDue(account.id)).toEqual([]);
  });
});
