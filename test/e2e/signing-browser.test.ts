// The signing page in a real browser: Debian's Chromium (/usr/bin/chromium, installed by .ci/run),
// driven by playwright-core (no browser download). It opens the link emailed through the local
// outbox, signs at phone width, and checks the order moved on and the signed PDF holds the
// signature page. Screenshots of the page at phone and desktop widths land in test-results/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { accountBody, portInBody } from '../support/api.ts';
import { flat, readPdf } from '../support/pdf-text.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = join(process.cwd(), 'test-results');
// The machine's network is closed: without these Chromium keeps trying to reach Google's services.
const QUIET_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let t: TestRuntime;
let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: QUIET_FLAGS });
  t = await startTestRuntime();
  await t.setClock('2026-03-02T00:00:00Z');
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('signing in the browser', () => {
  it('opens the emailed link, signs at phone width, and the order goes to the carrier with the signed LOA', async () => {
    const carrier = await t.ok('POST', '/v1/carriers', { body: { name: 'Losing Carrier', portingEmail: 'porting@losing.example.test' } });
    const account = await t.ok('POST', '/v1/accounts', { body: accountBody('GB') });
    // GB: the account's phones made and received a call, so the signed order goes straight to the carrier.
    for (const direction of ['inbound', 'outbound']) {
      await t.ok('POST', `/v1/accounts/${account.id}/call-activity`, { body: { direction, at: '2026-03-01T10:00:00Z' } });
    }
    const signer = 'robin@customer.example.test';
    const order = await t.ok('POST', '/v1/port-ins', { key: account.apiKey, body: portInBody('GB', carrier.id, { submitterEmail: signer }) });
    await t.ok('POST', `/v1/port-ins/${order.id}/submit`, { key: account.apiKey });
    await t.settle();
    const mail = (await t.outbox()).find((m) => m.to.includes(signer));
    const link = mail?.text.match(/https?:\/\/\S+\/sign\/[A-Za-z0-9_.-]+/)?.[0];
    expect(link).toBeDefined();

    const desktop = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await desktop.goto(link!);
    await desktop.screenshot({ path: join(SCREENSHOTS, 'signing-page-desktop.png'), fullPage: true });
    await desktop.close();

    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, userAgent: 'Mozilla/5.0 (PortDesk e2e phone)' });
    await phone.goto(link!);
    await phone.screenshot({ path: join(SCREENSHOTS, 'signing-page-phone.png'), fullPage: true });
    // Usable on a phone: nothing wider than the screen.
    expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);

    // The browser itself refuses a form without the consent box (required), so nothing is posted.
    await phone.getByLabel(/full name/i).fill('Robin Example');
    await phone.getByRole('button', { name: /sign/i }).click();
    expect((await t.ok('GET', `/v1/port-ins/${order.id}`, { key: account.apiKey })).status).toBe('awaiting_signature');

    await phone.getByRole('checkbox').check();
    await Promise.all([phone.waitForURL(link!), phone.getByRole('button', { name: /sign/i }).click()]);
    await expect.poll(async () => phone.content()).toMatch(/signed/i);
    await phone.screenshot({ path: join(SCREENSHOTS, 'signing-page-phone-signed.png'), fullPage: true });
    await phone.close();
    await t.settle();

    const signed = await t.ok('GET', `/v1/port-ins/${order.id}`, { key: account.apiKey });
    expect(signed.status).toBe('submitted');
    expect(signed.signature).toMatchObject({ signerName: 'Robin Example', channel: 'signing_page', userAgent: 'Mozilla/5.0 (PortDesk e2e phone)' });
    const { items } = await t.ok('GET', `/v1/port-ins/${order.id}/documents`, { key: account.apiKey });
    const signedLoa = items.find((d: { kind: string }) => d.kind === 'loa_signed');
    const pdf = await readPdf(new Uint8Array(await (await fetch(signedLoa.downloadUrl)).arrayBuffer()));
    const certificate = flat(pdf.pages.at(-1)!);
    expect(certificate).toContain('Robin Example');
    expect(certificate).toContain(signed.signature.documentSha256);
    expect(certificate).toContain('Mozilla/5.0 (PortDesk e2e phone)');
  });
});
