// The page pipeline on its own, with hand-built API Gateway v2 events: form parsing (base64 bodies, the
// size cap), errors as HTML pages with the right status (through the signing routes' error pages),
// headers, and logs that never hold the link's token.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Context } from 'aws-lambda';
import { MAX_FORM_BYTES, pageHandler, redirect, type PageEvent, type PageRequest, type PageResult } from '../../shared/http/page.ts';
import { signingErrorPage } from '../../shared/pages/signing-errors.ts';
import { renderSigningPage } from '../../shared/pages/signing-page.ts';
import type { SigningLinkState, SigningPageView } from '../../shared/app/use-cases/signing.ts';
import { InvalidTransitionError, NotFoundError, RuleViolationError } from '../../shared/rules/errors.ts';
import { logger } from '../../shared/app/logger.ts';

const TOKEN = 'pin_abcdefghijklmnop.c2VjcmV0LXRva2VuLXRoYXQtbXVzdC1uZXZlci1sZWFr';

interface EventOptions {
  method?: 'GET' | 'POST';
  path?: string;
  body?: string;
  isBase64Encoded?: boolean;
  headers?: Record<string, string>;
  token?: string;
}

function event({ method = 'POST', path = '', body, isBase64Encoded = false, headers = {}, token = TOKEN }: EventOptions = {}): PageEvent {
  const rawPath = `/sign/${token}${path}`;
  return {
    version: '2.0',
    routeKey: `${method} /sign/{token}${path}`,
    rawPath,
    rawQueryString: '',
    headers: { host: 'portdesk.example', ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...headers },
    pathParameters: { token },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'portdesk.example',
      domainPrefix: 'portdesk',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'Mozilla/5.0 (Test)' },
      requestId: 'req-1',
      routeKey: `${method} /sign/{token}${path}`,
      stage: '$default',
      time: '02/Mar/2026:23:30:00 +0000',
      timeEpoch: 1_772_494_200_000,
    },
    body,
    isBase64Encoded,
  };
}

const context = { awsRequestId: 'req-1', functionName: 'test', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

const view: SigningPageView = {
  market: 'GB',
  orderId: 'pin_abcdefghijklmnop',
  requestId: 'sig_1',
  providerName: 'Acme Voice',
  accountHolderName: 'Example Ltd',
  serviceAddress: ['1 Example Street', 'London SW1A 1AA', 'GB'],
  losingCarrierName: 'Old Telco',
  losingCarrierAccountNumber: 'ACC-123',
  numbers: ['020 7946 0001'],
  numberCount: 1,
  signerEmailMasked: 'a***@example.com',
  issuedAt: '2026-03-02T23:30:00.000Z',
  expiresAt: '2026-03-09T23:30:00.000Z',
};

/** The signing routes' error pages over a fixed link state (what openSigningLink would answer). */
function errorPageOver(state: SigningLinkState) {
  const opened: string[] = [];
  const errorPage = signingErrorPage(async (token) => {
    opened.push(token);
    return state;
  });
  return { errorPage, opened };
}

function capture(handle: (request: PageRequest) => Promise<PageResult>) {
  const seen: PageRequest[] = [];
  const run = async (request: PageRequest) => {
    seen.push(request);
    return handle(request);
  };
  return { seen, run };
}

const ok = async (): Promise<PageResult> => ({ status: 200, html: '<!doctype html><p>ok</p>' });

describe('the request the page handler receives', () => {
  it('a urlencoded form, decoded as UTF-8, with the path parameters, source IP and user agent', async () => {
    const { seen, run } = capture(ok);
    const handler = pageHandler('signWithLink', run);
    const answer = await handler(event({ body: 'fullName=Zo%C3%AB+O%E2%80%99Brien&consent=yes' }), context);
    expect(answer.statusCode).toBe(200);
    const request = seen[0]!;
    expect(request.params).toEqual({ token: TOKEN });
    expect(request.form.get('fullName')).toBe('Zoë O’Brien');
    expect(request.form.get('consent')).toBe('yes');
    expect(request.sourceIp).toBe('203.0.113.9');
    expect(request.userAgent).toBe('Mozilla/5.0 (Test)');
  });

  it('a base64-encoded body (as API Gateway may send a form) is decoded first', async () => {
    const { seen, run } = capture(ok);
    const handler = pageHandler('signWithLink', run);
    const body = Buffer.from('fullName=J%C3%BCrgen+M%C3%BCller&consent=yes').toString('base64');
    await handler(event({ body, isBase64Encoded: true, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' } }), context);
    expect(seen[0]!.form.get('fullName')).toBe('Jürgen Müller');
    expect(seen[0]!.form.get('consent')).toBe('yes');
  });

  it('a GET has an empty form', async () => {
    const { seen, run } = capture(ok);
    await pageHandler('signingPage', run)(event({ method: 'GET' }), context);
    expect([...seen[0]!.form.keys()]).toEqual([]);
  });

  it(`a form of exactly ${MAX_FORM_BYTES} bytes is read; one byte more is a 413 page, unread`, async () => {
    const { seen, run } = capture(ok);
    const handler = pageHandler('signWithLink', run);
    const prefix = 'fullName=';
    const atLimit = prefix + 'a'.repeat(MAX_FORM_BYTES - prefix.length);
    expect((await handler(event({ body: atLimit }), context)).statusCode).toBe(200);
    expect(seen[0]!.form.get('fullName')).toHaveLength(MAX_FORM_BYTES - prefix.length);

    const over = await handler(event({ body: `${atLimit}a` }), context);
    expect(over.statusCode).toBe(413);
    expect(over.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    expect(over.body).toContain('The form sent was too large');
    expect(seen).toHaveLength(1);
  });

  it('the cap applies to the decoded size of a base64 body', async () => {
    const { seen, run } = capture(ok);
    const handler = pageHandler('signWithLink', run);
    const atLimit = `fullName=${'é'.repeat((MAX_FORM_BYTES - 9) / 2)}a`;
    expect(Buffer.byteLength(atLimit)).toBe(MAX_FORM_BYTES);
    // Its base64 form is a third longer than the cap, and still accepted.
    const encoded = Buffer.from(atLimit).toString('base64');
    expect(encoded.length).toBeGreaterThan(MAX_FORM_BYTES);
    expect((await handler(event({ body: encoded, isBase64Encoded: true }), context)).statusCode).toBe(200);
    const over = Buffer.from(`${atLimit}a`).toString('base64');
    expect((await handler(event({ body: over, isBase64Encoded: true }), context)).statusCode).toBe(413);
    expect(seen).toHaveLength(1);
  });

  it('a body that is not a urlencoded form is a 415 page', async () => {
    const { seen, run } = capture(ok);
    const answer = await pageHandler('signWithLink', run)(event({ body: '{"fullName":"X"}', headers: { 'content-type': 'application/json' } }), context);
    expect(answer.statusCode).toBe(415);
    expect(answer.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(seen).toHaveLength(0);
  });

  it('refuses to wrap a route that is not a page', () => {
    expect(() => pageHandler('createCarrier', ok)).toThrow(/not a page route/);
    expect(() => pageHandler('noSuchRoute', ok)).toThrow(/Unknown route/);
  });
});

describe('responses', () => {
  it('an HTML page carries the page headers', async () => {
    const answer = await pageHandler('signingPage', ok)(event({ method: 'GET' }), context);
    expect(answer.statusCode).toBe(200);
    expect(answer.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
    });
    expect(answer.headers?.['content-security-policy']).toMatch(/default-src 'none'.*form-action 'self'.*frame-ancestors 'none'/);
  });

  it('a redirect: the status, the location, no-store and no-referrer, no body', async () => {
    const answer = await pageHandler('signWithLink', async () => redirect(303, `/sign/${TOKEN}`))(event({ body: 'consent=yes' }), context);
    expect(answer.statusCode).toBe(303);
    expect(answer.headers).toMatchObject({ location: `/sign/${TOKEN}`, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
    expect(answer.headers?.['content-type']).toBeUndefined();
    expect(answer.body).toBe('');
  });
});

describe('errors become pages with the right status (the signing routes’ error pages)', () => {
  const refusal = () =>
    new RuleViolationError('signer_name_required', 'Check the highlighted fields and sign again.', [
      { code: 'signer_name_required', path: 'fullName', message: 'Type your full name.' },
    ]);

  it('422: the form again, with the error summary and the name as typed', async () => {
    const { errorPage, opened } = errorPageOver({ state: 'ready', view });
    const handler = pageHandler('signWithLink', async () => { throw refusal(); }, errorPage);
    const answer = await handler(event({ body: 'fullName=%3Cb%3EX&consent=yes' }), context);
    expect(answer.statusCode).toBe(422);
    expect(answer.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.body).toContain('<a href="#fullName">Enter your full name</a>');
    expect(answer.body).toContain('value="&lt;b&gt;X"');
    expect(opened).toEqual([TOKEN]);
  });

  it('422 on a link that is no longer ready: the state page, still 422', async () => {
    const { errorPage } = errorPageOver({ state: 'signed', view, signerName: 'Alex Example', signedAt: '2026-03-03T10:00:00.000Z' });
    const answer = await pageHandler('signWithLink', async () => { throw refusal(); }, errorPage)(event({ body: 'fullName=' }), context);
    expect(answer.statusCode).toBe(422);
    expect(answer.body).toContain('Letter of Authority signed');
    expect(answer.body).not.toContain('<form');
  });

  it('409: the page of the link’s current state', async () => {
    const { errorPage } = errorPageOver({ state: 'expired', view, canRenew: true });
    const handler = pageHandler('signWithLink', async () => {
      throw new InvalidTransitionError('signing_link_expired', 'This link has expired.', 'awaiting_signature');
    }, errorPage);
    const answer = await handler(event({ body: 'fullName=Alex&consent=yes' }), context);
    expect(answer.statusCode).toBe(409);
    expect(answer.body).toContain('This signing link has expired');
    expect(answer.body).toContain(`action="/sign/${TOKEN}/renew"`);
  });

  it('404: the not-found page, without reading the link again', async () => {
    const { errorPage, opened } = errorPageOver({ state: 'ready', view });
    const handler = pageHandler('renewSigningLink', async () => { throw new NotFoundError('signing link', 'this link'); }, errorPage);
    const answer = await handler(event({ path: '/renew' }), context);
    expect(answer.statusCode).toBe(404);
    expect(answer.body).toContain('This link is not valid');
    expect(opened).toEqual([]);
  });

  it('a crash is a 500 page that reveals nothing', async () => {
    const handler = pageHandler('signingPage', async () => {
      throw new Error('ConditionalCheckFailed on table portdesk-prod');
    }, errorPageOver({ state: 'ready', view }).errorPage);
    const answer = await handler(event({ method: 'GET' }), context);
    expect(answer.statusCode).toBe(500);
    expect(answer.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    expect(answer.body).toContain('Sorry, something went wrong');
    expect(answer.body).not.toMatch(/portdesk-prod|ConditionalCheck/);
  });

  it('an error page that fails itself is a 500 page', async () => {
    const handler = pageHandler('signWithLink', async () => { throw refusal(); }, async () => {
      throw new Error('the table is unreachable');
    });
    const answer = await handler(event({ body: 'fullName=' }), context);
    expect(answer.statusCode).toBe(500);
    expect(answer.body).not.toContain('unreachable');
  });

  it('without an error page of its own, a domain error is the generic page with its status', async () => {
    const handler = pageHandler('signingDocument', async () => {
      throw new InvalidTransitionError('order_final', 'The order is final.');
    });
    const answer = await handler(event({ method: 'GET', path: '/document' }), context);
    expect(answer.statusCode).toBe(409);
    expect(answer.body).toContain('We could not handle this request');
  });

  it('the state page of an unknown link stays a 404 whatever the refusal', async () => {
    const { errorPage } = errorPageOver({ state: 'not_found' });
    const handler = pageHandler('signWithLink', async () => {
      throw new InvalidTransitionError('already_signed', 'Signed already.');
    }, errorPage);
    expect((await handler(event({ body: 'consent=yes' }), context)).statusCode).toBe(404);
  });
});

describe('logs', () => {
  // Every call to the logger, whatever the level (the tests run with logs silenced): what would be written.
  let calls: { message: string; attributes: Record<string, unknown>; json: string }[] = [];
  const serialize = (value: unknown) =>
    JSON.stringify(value, (_key, v: unknown) => (v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : v));

  beforeEach(() => {
    calls = [];
    for (const level of ['debug', 'info', 'warn', 'error', 'critical'] as const) {
      vi.spyOn(logger, level).mockImplementation(((message: unknown, ...rest: unknown[]) => {
        calls.push({ message: String(message), attributes: Object.assign({}, ...rest.filter((r) => typeof r === 'object')), json: serialize([message, ...rest]) });
      }) as never);
    }
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('log route, status and timing of every outcome, and never the token (even when an error message quotes it)', async () => {
    const { errorPage } = errorPageOver({ state: 'ready', view });
    const outcomes: [string, () => Promise<PageResult>, EventOptions][] = [
      ['ok', async () => renderSigningPage({ state: 'ready', view }, { token: TOKEN }), { method: 'GET' }],
      ['redirect', async () => redirect(303, `/sign/${TOKEN}`), { body: 'fullName=Alex&consent=yes' }],
      ['refusal', async () => { throw new RuleViolationError('consent_required', `Tick the box for ${TOKEN}.`); }, { body: 'fullName=Alex' }],
      ['crash', async () => { throw new Error(`GetItem failed for /sign/${TOKEN}`); }, { method: 'GET' }],
      ['too large', ok, { body: 'x'.repeat(MAX_FORM_BYTES + 1) }],
    ];
    for (const [, handle, options] of outcomes) {
      await pageHandler('signWithLink', handle, errorPage)(event(options), context);
    }
    const all = calls.map((c) => c.json).join('\n');
    expect(all).not.toContain(TOKEN);
    expect(all).not.toContain(encodeURIComponent(TOKEN));
    expect(all).not.toContain(TOKEN.split('.')[1]!);

    const requests = calls.filter((c) => c.message === 'request').map((c) => c.attributes);
    expect(requests.map((r) => [r.route, r.status, r.code])).toEqual([
      ['signWithLink', 200, undefined],
      ['signWithLink', 303, undefined],
      ['signWithLink', 422, 'consent_required'],
      ['signWithLink', 500, 'internal_error'],
      ['signWithLink', 413, 'body_too_large'],
    ]);
    for (const r of requests) expect(typeof r.ms).toBe('number');
    // The crash is logged (for the on-call engineer), with the secret cut out.
    const crash = calls.find((c) => c.message === 'unhandled error')?.attributes as { error: { message: string; stack: string } } | undefined;
    expect(crash?.error.message).toBe('GetItem failed for /sign/[redacted]');
    expect(crash?.error.stack).toContain('GetItem failed for /sign/[redacted]');
  });

});
