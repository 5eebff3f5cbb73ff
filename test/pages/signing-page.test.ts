// The signing page renderer on its own: every state of a link in English and French, dates in market
// time, the form's accessibility, escaping of hostile values, the number list's cut-off, the headers.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SigningLinkState, SigningPageView } from '../../shared/app/use-cases/signing.ts';
import { escapeHtml, MAX_NUMBERS_SHOWN, renderSigningPage, SIGNING_FORM } from '../../shared/pages/signing-page.ts';
import { HTML_HEADERS, PAGE_HEADERS, renderErrorPage } from '../../shared/pages/layout.ts';

const TOKEN = 'pin_abcdefghijklmnop.Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXhx';

function view(overrides: Partial<SigningPageView> = {}): SigningPageView {
  return {
    market: 'AU',
    orderId: 'pin_abcdefghijklmnop',
    requestId: 'sig_1',
    providerName: 'Acme Voice',
    accountHolderName: 'Example Pty Ltd',
    serviceAddress: ['1 Example Street', 'Brisbane QLD 4000', 'AU'],
    losingCarrierName: 'Old Telco',
    losingCarrierAccountNumber: 'ACC-123',
    numbers: ['07 3000 0001', '07 3000 0002'],
    numberCount: 2,
    signerEmailMasked: 'a***@example.com',
    // 23:30 UTC on 2 March: already 3 March in Brisbane and Paris, still 2 March in London.
    issuedAt: '2026-03-02T23:30:00.000Z',
    expiresAt: '2026-03-09T23:30:00.000Z',
    ...overrides,
  };
}

type StateName = Exclude<SigningLinkState['state'], 'not_found'>;
function stateOf(name: StateName, v: SigningPageView): SigningLinkState {
  switch (name) {
    case 'ready':
      return { state: 'ready', view: v };
    case 'expired':
      return { state: 'expired', view: v, canRenew: true };
    case 'signed':
      return { state: 'signed', view: v, signerName: 'Alex Example', signedAt: '2026-03-04T01:15:00.000Z' };
    case 'voided':
      return { state: 'voided', view: v, because: 'order_edited' };
    case 'closed':
      return { state: 'closed', view: v, status: 'cancelled' };
  }
}

/** Visible text, tags removed and entities decoded: what a person reads. */
const textOf = (html: string): string =>
  html
    .replace(/<style>[\s\S]*?<\/style>/g, '')
    .replace(/<\/?(a|span|strong|time)\b[^>]*>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#96;/g, '`')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

/** The document's body: what is rendered, without the style sheet. */
const bodyOf = (html: string): string => html.slice(html.indexOf('<body>'));

/** The markup's shape: every tag with its attribute names, values blanked. Injected markup changes it. */
const skeleton = (html: string): string[] =>
  (html.match(/<\/?[a-zA-Z][^>]*>/g) ?? []).map((tag) => tag.replace(/"[^"]*"/g, '""'));

const tagWithId = (html: string, id: string): string => {
  const tag = new RegExp(`<[a-z]+[^>]*\\sid="${id}"[^>]*>`).exec(html)?.[0];
  if (!tag) throw new Error(`No element with id ${id}`);
  return tag;
};

describe('escapeHtml', () => {
  it('turns every markup character into an entity', () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'y' \`z\``)).toBe(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39; &#96;z&#96;',
    );
  });
  it('escapes an existing entity again (text is never trusted as markup)', () => {
    expect(escapeHtml('&lt;b&gt;')).toBe('&amp;lt;b&amp;gt;');
  });
  it('leaves ordinary names alone, accents and apostrophes typed as ’ included', () => {
    expect(escapeHtml('Zoë O’Brien-Ångström')).toBe('Zoë O’Brien-Ångström');
  });
});

describe('every state, in English (AU, GB) and French (FR)', () => {
  const expected: Record<StateName, { status: number; en: string[]; fr: string[] }> = {
    ready: {
      status: 200,
      en: ['Sign the Letter of Authority', 'I am the account holder or authorised by them, and I authorise Acme Voice to port these numbers as set out in the Letter of Authority.'],
      fr: ['Signer le mandat de portabilité', 'j’autorise Acme Voice à porter ces numéros'],
    },
    signed: { status: 200, en: ['Letter of Authority signed', 'Signed by Alex Example on'], fr: ['Mandat de portabilité signé', 'Signé par Alex Example le'] },
    expired: { status: 200, en: ['This signing link has expired', 'We can email a new link to a***@example.com.', 'Email me a new link'], fr: ['Ce lien de signature a expiré', 'M’envoyer un nouveau lien'] },
    voided: { status: 200, en: ['The order was changed after this link was sent', 'newest email from Acme Voice'], fr: ['La demande a été modifiée', 'message le plus récent de Acme Voice'] },
    closed: { status: 200, en: ['No signature needed', 'Order pin_abcdefghijklmnop no longer needs a signature: it was cancelled.'], fr: ['Aucune signature n’est nécessaire', 'elle a été annulée'] },
  };
  for (const name of Object.keys(expected) as StateName[]) {
    for (const market of ['AU', 'GB', 'FR'] as const) {
      it(`${name} (${market})`, () => {
        const page = renderSigningPage(stateOf(name, view({ market })), { token: TOKEN });
        const language = market === 'FR' ? 'fr' : 'en';
        expect(page.status).toBe(expected[name].status);
        expect(page.html).toMatch(new RegExp(`^<!doctype html>\\s*<html lang="${{ AU: 'en-AU', GB: 'en-GB', FR: 'fr-FR' }[market]}">`));
        const text = textOf(page.html).replace(/\u00a0/g, ' ');
        for (const phrase of expected[name][language]) expect(text).toContain(phrase);
        // The other language's wording never leaks in.
        for (const phrase of expected[name][language === 'en' ? 'fr' : 'en']) expect(text).not.toContain(phrase);
        expect(page.html).not.toMatch(/<script/i);
        expect(page.html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
      });
    }
  }

  it('an expired link that cannot be renewed says whom to ask, with no renew form', () => {
    const page = renderSigningPage({ state: 'expired', view: view(), canRenew: false }, { token: TOKEN });
    expect(textOf(page.html)).toContain('Ask Acme Voice to send you a new link.');
    expect(page.html).not.toContain('/renew');
  });

  it('the renew form posts to /sign/<token>/renew', () => {
    const page = renderSigningPage(stateOf('expired', view()), { token: TOKEN });
    expect(page.html).toContain(`<form method="post" action="/sign/${TOKEN}/renew">`);
  });

  it('a link replaced by a newer one sends the signer to the newest email', () => {
    for (const [market, phrase] of [
      ['GB', 'A newer link has replaced this one. Use the link in the newest email from Acme Voice.'],
      ['FR', 'Un lien plus récent a remplacé celui-ci.'],
    ] as const) {
      const page = renderSigningPage({ state: 'voided', view: view({ market }), because: 'replaced' }, { token: TOKEN });
      expect(textOf(page.html)).toContain(phrase);
    }
  });

  it('the signed page links to the signed PDF in a new tab', () => {
    const page = renderSigningPage(stateOf('signed', view()), { token: TOKEN });
    expect(page.html).toContain(`<a href="/sign/${TOKEN}/document" target="_blank" rel="noopener noreferrer">Download the signed Letter of Authority (PDF)`);
    expect(page.html).not.toContain('<form');
  });

  it('the renewed confirmation names the masked address, in the order’s language', () => {
    const en = renderSigningPage(stateOf('expired', view()), { token: TOKEN, renewedTo: 'b***@example.org' });
    expect(en.status).toBe(200);
    expect(textOf(en.html)).toContain('We sent a new signing link to b***@example.org.');
    expect(en.html).not.toContain('<form');
    const fr = renderSigningPage(stateOf('expired', view({ market: 'FR' })), { token: TOKEN, renewedTo: 'b***@example.org' });
    expect(textOf(fr.html)).toContain('Nous avons envoyé un nouveau lien de signature à b***@example.org.');
  });

  it('an unknown link is a 404 in both languages that reveals nothing of the link', () => {
    const page = renderSigningPage({ state: 'not_found' }, { token: TOKEN });
    expect(page.status).toBe(404);
    const text = textOf(page.html);
    expect(text).toContain('This link is not valid');
    expect(text).toContain('copied the whole link');
    expect(text).toContain('Ce lien n’est pas valable');
    expect(page.html).not.toContain(TOKEN);
    expect(page.html).not.toContain('<form');
  });
});

describe('dates in market time and locale', () => {
  it.each([
    ['AU', 'Tuesday 3 March 2026 at 9:30 am AEST'],
    ['GB', 'Monday, 2 March 2026 at 23:30 GMT'],
    ['FR', 'mardi 3 mars 2026 à 00:30 UTC+1'],
  ] as const)('%s', (market, issued) => {
    const page = renderSigningPage(stateOf('ready', view({ market })), { token: TOKEN });
    expect(textOf(page.html).replace(/[\u00a0\u202f]/g, ' ')).toContain(issued);
    expect(page.html).toContain('<time datetime="2026-03-02T23:30:00.000Z">');
  });

  it('the expired page says when the link stopped working', () => {
    const page = renderSigningPage(stateOf('expired', view({ market: 'GB' })), { token: TOKEN });
    expect(textOf(page.html)).toContain('This link stopped working on Monday, 9 March 2026 at 23:30 GMT.');
  });
});

describe('the form', () => {
  const ready = renderSigningPage(stateOf('ready', view()), { token: TOKEN });

  it('posts to the page’s own URL', () => {
    expect(ready.html).toContain(`<form method="post" action="/sign/${TOKEN}">`);
  });

  it('asks for the typed full name: labelled, required, autocomplete="name"', () => {
    const input = tagWithId(ready.html, 'fullName');
    expect(input).toContain(`name="${SIGNING_FORM.fullName}"`);
    expect(input).toMatch(/\srequired[\s>]/);
    expect(input).toContain('autocomplete="name"');
    expect(input).toContain('type="text"');
    expect(ready.html).toContain('<label for="fullName">Your full name</label>');
    expect(input).toContain('aria-describedby="fullName-hint"');
    expect(ready.html).toContain('id="fullName-hint"');
  });

  it('asks for explicit consent: a labelled, required, unticked checkbox', () => {
    const box = tagWithId(ready.html, 'consent');
    expect(box).toContain('type="checkbox"');
    expect(box).toContain(`name="${SIGNING_FORM.consent}" value="${SIGNING_FORM.consentGiven}"`);
    expect(box).toMatch(/\srequired[\s>]/);
    expect(box).not.toContain('checked');
    expect(ready.html).toMatch(/<label for="consent">I am the account holder or authorised by them, and I authorise Acme Voice to port/);
  });

  it('groups the signature in a fieldset with a legend, and links the PDF in a new tab', () => {
    expect(ready.html).toMatch(/<fieldset[^>]*>\s*<legend>Sign<\/legend>/);
    expect(ready.html).toContain(`<a href="/sign/${TOKEN}/document" target="_blank" rel="noopener noreferrer">Read the Letter of Authority (PDF)`);
    expect(ready.html).toContain('<button type="submit">Sign the Letter of Authority</button>');
    expect(bodyOf(ready.html)).not.toContain('error-summary');
    expect(bodyOf(ready.html)).not.toContain('aria-invalid');
  });

  it('shows the summary of the order: holder, address lines, losing carrier and account, numbers', () => {
    const text = textOf(ready.html);
    for (const fact of ['Example Pty Ltd', 'Old Telco', 'ACC-123', '07 3000 0001', '07 3000 0002', 'pin_abcdefghijklmnop']) expect(text).toContain(fact);
    expect(ready.html).toContain('<address>1 Example Street<br>Brisbane QLD 4000<br>AU</address>');
  });
});

describe('the error summary (422)', () => {
  it('a missing name: 422, a summary linked to the field, the field described by its error, the typed name kept', () => {
    const page = renderSigningPage(stateOf('ready', view()), {
      token: TOKEN,
      fullName: ' A',
      formError: { code: 'signer_name_required', message: 'Type your full name (2 to 200 characters).' },
    });
    expect(page.status).toBe(422);
    expect(page.html).toMatch(/<title>Error: Sign the Letter of Authority/);
    const summary = /<div class="error-summary" role="alert"[^>]*>[\s\S]*?<\/div>/.exec(page.html)?.[0] ?? '';
    expect(summary).toContain('<a href="#fullName">Enter your full name</a>');
    expect(summary).not.toContain('#consent');
    const input = tagWithId(page.html, 'fullName');
    expect(input).toContain('aria-invalid="true"');
    expect(input).toContain('aria-describedby="fullName-hint fullName-error"');
    expect(input).toContain('value=" A"');
    expect(textOf(tagWithId(page.html, 'fullName-error') + page.html.split('id="fullName-error">')[1]!.split('</p>')[0])).toContain('Enter your full name');
    // Consent is asked for again, never carried over.
    expect(tagWithId(page.html, 'consent')).not.toContain('checked');
    expect(tagWithId(page.html, 'consent')).not.toContain('aria-invalid');
  });

  it('both fields refused (the use case lists both in issues): two entries, in the form’s order', () => {
    const page = renderSigningPage(stateOf('ready', view({ market: 'FR' })), {
      token: TOKEN,
      formError: { code: 'signer_name_required', message: 'Check the highlighted fields.', issues: [{ code: 'signer_name_required' }, { code: 'consent_required' }] },
    });
    expect(page.status).toBe(422);
    const items = [...page.html.matchAll(/<li><a href="#(\w+)">([^<]+)<\/a><\/li>/g)].map((m) => [m[1], m[2]]);
    expect(items).toEqual([
      ['fullName', 'Saisissez vos nom et prénom'],
      ['consent', 'Cochez la case pour confirmer que vous autorisez le transfert'],
    ]);
    expect(tagWithId(page.html, 'consent')).toContain('aria-describedby="consent-error"');
    expect(page.html).toContain('<h2 id="error-summary-title">Un problème est survenu</h2>');
  });

  it('a refusal about no field shows the use case’s message, without a link', () => {
    const page = renderSigningPage(stateOf('ready', view()), { token: TOKEN, formError: { code: 'something_else', message: 'The <order> changed.' } });
    expect(page.status).toBe(422);
    expect(page.html).toContain('<li>The &lt;order&gt; changed.</li>');
    expect(bodyOf(page.html)).not.toContain('aria-invalid');
  });
});

describe('numbers: at most 50 listed, the rest counted', () => {
  const numbers = Array.from({ length: 60 }, (_, i) => `07 3000 ${String(i).padStart(4, '0')}`);
  const listed = (html: string) => [...html.matchAll(/<ul class="numbers">([\s\S]*?)<\/ul>/g)].flatMap((m) => [...m[1]!.matchAll(/<li>/g)]).length;

  it('75 numbers (60 given): 50 listed, "and 25 more"', () => {
    const page = renderSigningPage(stateOf('ready', view({ numbers, numberCount: 75 })), { token: TOKEN });
    expect(listed(page.html)).toBe(MAX_NUMBERS_SHOWN);
    expect(page.html).toContain('07 3000 0049');
    expect(page.html).not.toContain('07 3000 0050');
    expect(textOf(page.html)).toContain('and 25 more, listed in the Letter of Authority');
    expect(textOf(page.html)).toContain('Numbers to transfer (75)');
  });

  it('French counts with its own plural and grouping', () => {
    const many = renderSigningPage(stateOf('ready', view({ market: 'FR', numbers: numbers.slice(0, 50), numberCount: 1250 })), { token: TOKEN });
    expect(textOf(many.html).replace(/[\u00a0\u202f]/g, ' ')).toContain('et 1 200 autres, listés dans le mandat');
    const one = renderSigningPage(stateOf('ready', view({ market: 'FR', numbers: numbers.slice(0, 50), numberCount: 51 })), { token: TOKEN });
    expect(textOf(one.html)).toContain('et 1 autre, listé dans le mandat');
  });

  it('exactly 50: all listed, nothing "more"', () => {
    const page = renderSigningPage(stateOf('ready', view({ numbers: numbers.slice(0, 50), numberCount: 50 })), { token: TOKEN });
    expect(listed(page.html)).toBe(50);
    expect(page.html).not.toContain('class="more"');
  });
});

describe('hostile values are text, never markup', () => {
  const evil = (label: string) => `"><script>alert('${label}')</script><img src=x onerror=alert(1)>' onfocus="x" &amp;`;
  const hostile = view({
    orderId: evil('order'),
    providerName: evil('provider'),
    accountHolderName: evil('holder'),
    serviceAddress: [evil('line1'), evil('line2'), evil('line3')],
    losingCarrierName: evil('carrier'),
    losingCarrierAccountNumber: evil('account'),
    numbers: [evil('n1'), evil('n2')],
    signerEmailMasked: evil('email'),
    issuedAt: evil('issued'),
    expiresAt: evil('expires'),
  });
  const benign = view({ serviceAddress: ['a', 'b', 'c'] });
  type Say = (label: string) => string;
  const cases: [string, (v: SigningPageView, say: Say) => SigningLinkState, (say: Say) => object][] = [
    ['ready', (v) => ({ state: 'ready', view: v }), () => ({})],
    ['ready with an error and the typed name', (v) => ({ state: 'ready', view: v }), (say) => ({ fullName: say('typed'), formError: { code: 'signer_name_required', message: say('msg') } })],
    ['ready with an unknown refusal', (v) => ({ state: 'ready', view: v }), (say) => ({ formError: { code: 'other', message: say('msg') } })],
    ['signed', (v, say) => ({ state: 'signed', view: v, signerName: say('signer'), signedAt: say('at') }), () => ({})],
    ['expired', (v) => ({ state: 'expired', view: v, canRenew: true }), () => ({})],
    ['voided', (v) => ({ state: 'voided', view: v, because: 'replaced' }), () => ({})],
    ['closed', (v, say) => ({ state: 'closed', view: v, status: say('status') }), () => ({})],
    ['renewed', (v) => ({ state: 'expired', view: v, canRenew: true }), (say) => ({ renewedTo: say('renewed') })],
  ];
  for (const [name, state, options] of cases) {
    it(name, () => {
      const bad = renderSigningPage(state(hostile, evil), { token: `${TOKEN}"><script>x</script>`, ...options(evil) }).html;
      const good = renderSigningPage(state(benign, () => 'x'), { token: TOKEN, ...options(() => 'x') }).html;
      // The same tags and attributes as with harmless values: nothing was injected.
      expect(skeleton(bad)).toEqual(skeleton(good));
      expect(bad).not.toMatch(/<script|<img|onfocus="/i);
      // The values are still there, as text.
      expect(textOf(bad)).toContain(`"><script>alert('provider')</script>`);
    });
  }

  it('a hostile token stays inside its attribute, URL-encoded', () => {
    const page = renderSigningPage(stateOf('ready', view()), { token: 'a"b<c>/d' });
    expect(page.html).toContain('action="/sign/a%22b%3Cc%3E%2Fd"');
    expect(page.html).toContain('href="/sign/a%22b%3Cc%3E%2Fd/document"');
  });
});

describe('headers and the generic error page', () => {
  it('every page forbids caching, referrers, framing, sniffing and anything but its own style', () => {
    expect(HTML_HEADERS).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
    });
    expect(PAGE_HEADERS['content-type']).toBeUndefined();
    const csp = HTML_HEADERS['content-security-policy']!.split(';').map((d) => d.trim());
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp.some((d) => d.startsWith('script-src'))).toBe(false);
  });

  it('the CSP allows exactly the page’s inline style sheet (its hash)', () => {
    const page = renderSigningPage(stateOf('ready', view()), { token: TOKEN });
    const css = /<style>([\s\S]*?)<\/style>/.exec(page.html)![1]!;
    const hash = createHash('sha256').update(css).digest('base64');
    expect(HTML_HEADERS['content-security-policy']).toContain(`style-src 'sha256-${hash}'`);
    expect(page.html).not.toMatch(/\sstyle="/);
    expect(page.html.match(/<style>/g)).toHaveLength(1);
  });

  it('the 500 page is bilingual and says nothing about the cause', () => {
    const page = renderErrorPage(500);
    expect(page.status).toBe(500);
    const text = textOf(page.html);
    expect(text).toContain('Sorry, something went wrong');
    expect(text).toContain('Désolés, une erreur est survenue');
    expect(text).toContain('try again in a few minutes');
    expect(page.html).not.toMatch(/error:|stack|exception|<script/i);
  });

  it('a form too large is a 413 page that says so', () => {
    const page = renderErrorPage(413);
    expect(page.status).toBe(413);
    expect(textOf(page.html)).toContain('The form sent was too large');
  });
});
