// Signing the Letter of Authority end to end on the local runtime: submit emails the signer a link
// (through SES -> MailDev), the page and its PDF, signing by the form, the signed LOA with its
// signature page among the order's documents, reminders, expiry and renewal, and edits that void.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { accountBody, portInBody } from '../support/api.ts';
import { flat, readPdf } from '../support/pdf-text.ts';
import { SIGNING_LINK_DAYS, SIGNING_REMINDER_DAYS } from '../../shared/rules/port-in/signing.ts';

let t: TestRuntime;
let carrier: { id: string; apiKey: string };
let account: { id: string; apiKey: string };
let serial = 0;
const SUBMITTED_AT = '2026-03-02T00:00:00.000Z';
const DAY = 86_400_000;
const at = (days: number) => new Date(Date.parse(SUBMITTED_AT) + days * DAY).toISOString();

beforeAll(async () => {
  t = await startTestRuntime();
  await t.setClock(SUBMITTED_AT);
  carrier = await t.ok('POST', '/v1/carriers', { body: { name: 'Losing Carrier', portingEmail: 'porting@losing.example.test', emailDomains: ['losing.example.test'] } });
  account = await t.ok('POST', '/v1/accounts', { body: accountBody('AU') });
}, 120_000);

afterAll(async () => {
  await t?.close();
});

/** A submitted AU order for a fresh number and its signer's address. */
async function submittedOrder(): Promise<{ id: string; signer: string }> {
  serial += 1;
  const signer = `signer${serial}@customer.example.test`;
  const order = await t.ok('POST', '/v1/port-ins', {
    key: account.apiKey,
    body: portInBody('AU', carrier.id, { numbers: [{ number: `+617322${String(serial).padStart(5, '0')}`, lineType: 'pstn' }], submitterEmail: signer }),
  });
  await t.ok('POST', `/v1/port-ins/${order.id}/submit`, { key: account.apiKey });
  await t.settle();
  return { id: order.id, signer };
}

/** The signing links emailed to `to`, oldest first. */
async function linksFor(to: string): Promise<string[]> {
  const mails = (await t.outbox()).filter((m) => m.to.includes(to));
  return mails.flatMap((m) => [...m.text.matchAll(/https?:\/\/\S+\/sign\/[A-Za-z0-9_.-]+/g)].map((x) => x[0]));
}

const page = async (url: string) => {
  const response = await fetch(url, { redirect: 'manual' });
  return { status: response.status, headers: response.headers, html: await response.text() };
};

async function signByForm(link: string, form: Record<string, string>) {
  return fetch(link, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'PortDeskTest/1.0 (e2e)' },
    body: new URLSearchParams(form).toString(),
  });
}

async function documents(orderId: string): Promise<any[]> {
  return (await t.ok('GET', `/v1/port-ins/${orderId}/documents`, { key: account.apiKey })).items;
}

async function pdfOf(document: { downloadUrl: string }): Promise<string[]> {
  const response = await fetch(document.downloadUrl);
  expect(response.status).toBe(200);
  return (await readPdf(new Uint8Array(await response.arrayBuffer()))).pages;
}

describe('submit sends the LOA for signature', () => {
  it('emails the signer one link, and the order keeps the unsigned LOA among its documents', async () => {
    const { id, signer } = await submittedOrder();
    const order = await t.ok('GET', `/v1/port-ins/${id}`, { key: account.apiKey });
    expect(order.status).toBe('awaiting_signature');
    expect(order.signingRequests).toHaveLength(1);
    expect(order.signingRequests[0]).not.toHaveProperty('tokenHashes');
    const links = await linksFor(signer);
    expect(links).toHaveLength(1);
    expect(links[0]).toContain(`/sign/${id}.`);

    const docs = await documents(id);
    expect(docs.map((d) => d.kind)).toEqual(['loa_unsigned']);
    const text = flat((await pdfOf(docs[0])).join('\n'));
    expect(text).toContain('Letter of Authority');
    expect(text).toContain('Losing Carrier');
    expect(text).toContain(id);
  });
});

describe('the signing page', () => {
  it('shows the LOA, refuses a form without consent, signs, and the order goes to the carrier with the signed LOA', async () => {
    await t.setClock(SUBMITTED_AT);
    const { id, signer } = await submittedOrder();
    const [link] = await linksFor(signer);

    const ready = await page(link!);
    expect(ready.status).toBe(200);
    expect(ready.headers.get('content-type')).toMatch(/text\/html/);
    expect(ready.headers.get('referrer-policy')).toBe('no-referrer');
    expect(ready.html).toContain('Losing Carrier');
    const pdf = await fetch(`${link}/document`, { redirect: 'manual' });
    expect(pdf.status).toBe(302);
    const unsigned = await fetch(pdf.headers.get('location')!);
    expect(unsigned.headers.get('content-type')).toBe('application/pdf');

    const refused = await signByForm(link!, { fullName: 'Alex Martin' });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toMatch(/tick|consent/i);
    expect((await t.ok('GET', `/v1/port-ins/${id}`, { key: account.apiKey })).status).toBe('awaiting_signature');

    const signed = await signByForm(link!, { fullName: 'Alex Martin', consent: 'yes' });
    expect(signed.status).toBe(303);
    await t.settle();
    const after = await page(link!);
    expect(after.status).toBe(200);
    expect(after.html).toContain('Alex Martin');

    const order = await t.ok('GET', `/v1/port-ins/${id}`, { key: account.apiKey });
    expect(order.status).toBe('submitted');
    expect(order.signature).toMatchObject({ signerName: 'Alex Martin', channel: 'signing_page', userAgent: 'PortDeskTest/1.0 (e2e)', ip: '127.0.0.1' });

    const docs = await documents(id);
    expect(docs.map((d) => d.kind).sort()).toEqual(['loa_signed', 'loa_unsigned']);
    const unsignedDoc = docs.find((d) => d.kind === 'loa_unsigned');
    expect(order.signature.documentSha256).toBe(unsignedDoc.sha256);
    const pages = await pdfOf(docs.find((d) => d.kind === 'loa_signed'));
    const certificate = flat(pages.at(-1)!);
    expect(certificate).toContain('Alex Martin');
    expect(certificate).toContain(unsignedDoc.sha256);
    expect(certificate).toContain('127.0.0.1');
    expect(pages).toHaveLength((await pdfOf(unsignedDoc)).length + 1);

    // The carrier got the request (the submission step ran with the signed LOA).
    expect((await t.outbox()).some((m) => m.to.includes('porting@losing.example.test') && m.subject.includes(id))).toBe(true);

    // The link is single-use: posting again changes nothing and says it is signed.
    const again = await signByForm(link!, { fullName: 'Someone Else', consent: 'yes' });
    expect(again.status).toBe(409);
    expect((await t.ok('GET', `/v1/port-ins/${id}`, { key: account.apiKey })).signature.signerName).toBe('Alex Martin');
  });

  it('answers 404 for a link that is not one of ours', async () => {
    const { id } = await submittedOrder();
    for (const token of [`${id}.${'A'.repeat(43)}`, 'not-a-token', `${id}`]) {
      expect((await page(`${t.runtime.apiUrl}/sign/${token}`)).status).toBe(404);
    }
  });
});

describe('reminder, expiry and renewal', () => {
  it('reminds once after 3 days with a second link; after 7 days the links expire and a new one can be asked for', async () => {
    await t.setClock(SUBMITTED_AT);
    const { id, signer } = await submittedOrder();
    await t.setClock(at(SIGNING_REMINDER_DAYS));
    await fetch(`${t.runtime.apiUrl}/_local/scheduler/run`, { method: 'POST' });
    await t.settle();
    const links = await linksFor(signer);
    expect(links).toHaveLength(2);
    // The mail catcher orders by the Date header (whole seconds): two emails in one second come in any order.
    const toSigner = (await t.outbox()).filter((m) => m.to.includes(signer));
    expect(toSigner).toHaveLength(2);
    expect(toSigner.filter((m) => /not signed|reminder/i.test(m.text))).toHaveLength(1);
    for (const link of links) expect((await page(link)).status).toBe(200);

    await t.setClock(at(SIGNING_LINK_DAYS));
    const expired = await page(links[0]!);
    expect(expired.html).toMatch(/expired/i);
    expect((await signByForm(links[0]!, { fullName: 'Alex Martin', consent: 'yes' })).status).toBe(409);

    const renewed = await fetch(`${links[0]}/renew`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(renewed.status).toBe(200);
    await t.settle();
    const newLinks = (await linksFor(signer)).filter((l) => !links.includes(l));
    expect(newLinks).toHaveLength(1);
    const fresh = newLinks[0]!;
    expect((await page(links[1]!)).html).toMatch(/newer|replaced|newest/i);
    expect((await signByForm(fresh, { fullName: 'Alex Martin', consent: 'yes' })).status).toBe(303);
    expect((await t.ok('GET', `/v1/port-ins/${id}`, { key: account.apiKey })).status).toBe('submitted');
  });
});

describe('an edit after signing voids the signature', () => {
  it('emails a new link; the old one shows voided; resubmission waits for the new signature', async () => {
    await t.setClock(SUBMITTED_AT);
    const { id, signer } = await submittedOrder();
    const [first] = await linksFor(signer);
    expect((await signByForm(first!, { fullName: 'Alex Martin', consent: 'yes' })).status).toBe(303);
    await t.settle();
    await t.ok('POST', `/v1/port-ins/${id}/carrier-events`, { key: carrier.apiKey, body: { type: 'rejected', reasonCode: 'ACCT_MISMATCH', reason: 'Account number does not match' } });
    await t.settle();

    const edited = await t.ok('PATCH', `/v1/port-ins/${id}`, { key: account.apiKey, body: { losingCarrierAccountNumber: 'ACC-2002' } });
    expect(edited.signature).toBeNull();
    const refused = await t.call('POST', `/v1/port-ins/${id}/resubmit`, { key: account.apiKey });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('signature_required');

    await t.settle();
    const links = await linksFor(signer);
    expect(links).toHaveLength(2);
    const second = links.find((l) => l !== first)!;
    expect((await page(first!)).html).toMatch(/edited|changed/i);
    const current = edited.signingRequests.at(-1);
    const newLoa = (await documents(id)).find((d) => d.id === current.documentId);
    expect(flat((await pdfOf(newLoa)).join('\n'))).toContain('ACC-2002');

    expect((await signByForm(second, { fullName: 'Alex Martin', consent: 'yes' })).status).toBe(303);
    const resubmitted = await t.ok('POST', `/v1/port-ins/${id}/resubmit`, { key: account.apiKey });
    expect(resubmitted.status).toBe('submitted');
  });
});

describe('the signature API', () => {
  it('signs the current request with the same audit trail (client address and user agent)', async () => {
    await t.setClock(SUBMITTED_AT);
    const { id } = await submittedOrder();
    const response = await fetch(`${t.runtime.apiUrl}/v1/port-ins/${id}/signature`, {
      method: 'POST',
      headers: { authorization: `Bearer ${account.apiKey}`, 'content-type': 'application/json', 'user-agent': 'CustomerPortal/2.3' },
      body: JSON.stringify({ signerName: 'Alex Martin', agreed: true }),
    });
    expect(response.status).toBe(200);
    const order = (await response.json()) as any;
    expect(order.status).toBe('submitted');
    expect(order.signature).toMatchObject({ channel: 'api', userAgent: 'CustomerPortal/2.3' });
    expect((await documents(id)).some((d) => d.kind === 'loa_signed')).toBe(true);
  });

  it('a new link by API replaces the previous one', async () => {
    const { id, signer } = await submittedOrder();
    const created = await t.call('POST', `/v1/port-ins/${id}/signing-requests`, { key: account.apiKey });
    expect(created.status).toBe(201);
    await t.settle();
    const links = await linksFor(signer);
    expect(links).toHaveLength(2);
    // Which email came first is not known here (the clock is frozen): one link is replaced, one is live.
    const pages = await Promise.all(links.map(page));
    expect(pages.filter((p) => /newer|replaced|newest/i.test(p.html))).toHaveLength(1);
    expect(pages.filter((p) => /<form[^>]*method="post"/i.test(p.html) && !/renew/.test(p.html))).toHaveLength(1);
  });
});
